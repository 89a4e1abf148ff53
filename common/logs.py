"""Logging that cannot leak personal data.

Every handler we install carries :class:`PiiFilter`, which rewrites each record's
final message (and exception text) before it is emitted:

* any 13-digit run (a citizen ID, with or without dashes) becomes ``[CID]``;
* Thai mobile and landline numbers become ``[PHONE]``;
* names and other values registered with :func:`register_sensitive` (the card
  reader registers the names it reads) become ``[NAME]``.

The filter works on the formatted text, so an exception message or a repr that
happens to contain a name is masked as well as an explicit argument.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable

_CID_RE = re.compile(r"(?<!\d)\d(?:[- ]?\d){12}(?!\d)")
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?66[- ]?|0)(?:[689]\d|[2-7])[- ]?\d{3}[- ]?\d{3,4}(?!\d)")
_MAX_SENSITIVE = 2000
_MIN_SENSITIVE_LEN = 2

_lock = threading.Lock()
_sensitive: OrderedDict[str, None] = OrderedDict()
_sensitive_re: re.Pattern[str] | None = None


def register_sensitive(values: Iterable[str | None]) -> None:
    """Remember values (names, addresses) that must never appear in a log line."""
    global _sensitive_re  # noqa: PLW0603 - one process-wide registry is the point
    changed = False
    with _lock:
        for value in values:
            text = (value or "").strip()
            if len(text) < _MIN_SENSITIVE_LEN:
                continue
            if text in _sensitive:
                _sensitive.move_to_end(text)
                continue
            _sensitive[text] = None
            changed = True
            while len(_sensitive) > _MAX_SENSITIVE:
                _sensitive.popitem(last=False)
        if changed:
            ordered = sorted(_sensitive, key=len, reverse=True)
            _sensitive_re = re.compile("|".join(re.escape(v) for v in ordered))


def redact(text: str) -> str:
    """Mask citizen IDs, phone numbers and registered names in `text`."""
    text = _CID_RE.sub("[CID]", text)
    text = _PHONE_RE.sub("[PHONE]", text)
    pattern = _sensitive_re
    if pattern is not None:
        text = pattern.sub("[NAME]", text)
    return text


class PiiFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _journal_handler(identifier: str) -> logging.Handler | None:
    try:
        from systemd import journal  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    handler: logging.Handler = journal.JournalHandler(SYSLOG_IDENTIFIER=identifier)
    return handler


def setup_logging(level: str = "INFO", journal: str = "auto", identifier: str = "kiosk") -> None:
    """Install one PII-filtered handler on the root logger (journal or stderr)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    use_journal = journal == "on" or (journal == "auto" and "JOURNAL_STREAM" in os.environ)
    handler = _journal_handler(identifier) if use_journal else None
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PiiFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that log request URLs or bodies would carry CIDs and tokens.
    for noisy in ("httpx", "httpcore", "urllib3", "sqlalchemy.engine", "escpos"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
