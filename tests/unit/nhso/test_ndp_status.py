"""NDP's published status codes, their Thai names and our reading of what each means."""

from __future__ import annotations

from integrations.nhso.ndp_status import (
    FINAL_KINDS,
    KIND_TEXT,
    STATUS_CODES,
    UNLISTED_TH,
    kind_of,
    label_th,
)


def test_the_legible_codes_of_the_published_list_are_all_there_once() -> None:
    assert len(STATUS_CODES) == 65  # the list says 66; see the module's docstring
    stages = {code[0] for code in STATUS_CODES}
    assert stages == set("F1234567")
    for code, status in STATUS_CODES.items():
        assert status.code == code and status.label_th and status.kind in KIND_TEXT


def test_the_claim_s_way_to_payment_reads_as_it_should() -> None:
    path = ["F000", "1100", "1103", "2000", "4000", "5000", "5005"]
    assert [kind_of(c) for c in path] == [
        "pending", "accepted", "accepted", "accepted", "accepted", "accepted", "paid",
    ]  # fmt: skip
    assert kind_of("3000") == "rejected" and kind_of("2100") == "action"
    assert kind_of("5005") in FINAL_KINDS and kind_of("3101") in FINAL_KINDS
    assert kind_of("3000") not in FINAL_KINDS  # the poll keeps asking about refused claims


def test_an_unlisted_code_is_kept_as_pending_and_said_to_be_unlisted() -> None:
    assert kind_of("9X99") == "pending"
    assert label_th("9X99") == UNLISTED_TH
    assert label_th(" 5005 ") == "โอนเงินเรียบร้อย"
