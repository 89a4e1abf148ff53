import logging

import pytest

from common.logs import PiiFilter, redact, register_sensitive


def test_redacts_cid_and_phone() -> None:
    text = redact("cid 1101700207030 / 1-1017-00207-03-0 phone 0812345678 or 081-234-5678")
    assert "1101700207030" not in text
    assert "00207" not in text
    assert "5678" not in text
    assert text.count("[CID]") == 2
    assert text.count("[PHONE]") == 2


def test_keeps_ordinary_numbers() -> None:
    assert redact("visit 12345 queue 7 took 120 ms") == "visit 12345 queue 7 took 120 ms"


def test_registered_names_masked_even_in_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    register_sensitive(["สมชาย", "ใจดี", None, "x"])
    logger = logging.getLogger("t")
    handler = logging.Handler()
    records: list[str] = []
    handler.emit = lambda r: records.append(logging.Formatter().format(r))  # type: ignore[method-assign]
    handler.addFilter(PiiFilter())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("no person สมชาย ใจดี 1101700207030")
        except ValueError:
            logger.exception("lookup failed for %s", "สมชาย")
    finally:
        logger.removeHandler(handler)
    joined = "\n".join(records)
    assert "สมชาย" not in joined
    assert "ใจดี" not in joined
    assert "1101700207030" not in joined
    assert "[NAME]" in joined
