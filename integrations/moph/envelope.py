"""What the MOPH IC (cvp1) and MOPH-PHR (phr1) servers answer, read as a ledger needs it.

Both servers wrap every answer in one envelope: ``{"MessageCode": 200, "Message": "OK",
"RequestTime": ..., "result": ...}`` (the PHR API specification's examples, v2.3, for
every retrieval call; the public consumers of ``ImmunizationTarget`` test
``MessageCode !== 200``). What an *upload* (``UpdatePHRv1``, ``UpdateImmunization``)
answers on success or on a refusal is not published; :func:`read_upload_answer` reads it
so that a ledger never records "refused" for a request MOPH may have acted on:

* HTTP 2xx with ``MessageCode`` 200 (or 201): accepted;
* HTTP 4xx (the client's own 401/403/429 aside, which raise before this) or HTTP 2xx
  with a ``MessageCode`` in 400..499: refused, with MOPH's message as the reason;
* anything else (a 5xx, an HTTP 2xx without a readable ``MessageCode``, a
  ``MessageCode`` of 5xx): the outcome is unknown.

The message is stored and shown to staff, so citizen IDs and phone numbers in it are
masked (:func:`common.logs.redact`) and it is cut to 255 characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from common import safe_json
from common.logs import redact
from integrations.moph.errors import MophMalformed, MophRejected, MophUnavailable

Verdict = Literal["accepted", "refused", "unknown"]
MESSAGE_LIMIT = 255


@dataclass(frozen=True)
class UploadAnswer:
    verdict: Verdict
    http_status: int
    message_code: str
    message: str  # masked, at most 255 characters

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"


def envelope(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON object of an answer, or None when it is not one."""
    try:
        data = safe_json.loads(response.content)  # a bounded depth: no RecursionError
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def message_of(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    text = " ".join(str(data.get(k) or "") for k in ("Message", "message", "message_th"))
    return redact(" ".join(text.split()))[:MESSAGE_LIMIT]


def message_code(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    for key in ("MessageCode", "status", "code"):
        if key in data and data[key] is not None:
            return str(data[key]).strip()
    return ""


def read_upload_answer(response: httpx.Response) -> UploadAnswer:
    data = envelope(response)
    code = message_code(data)
    message = message_of(data)
    status = response.status_code
    if 400 <= status < 500:
        return UploadAnswer("refused", status, code, message or f"HTTP {status}")
    if 200 <= status < 300 and code in {"200", "201"}:
        return UploadAnswer("accepted", status, code, message)
    if 200 <= status < 300 and code.isdigit() and 400 <= int(code) < 500:
        return UploadAnswer("refused", status, code, message or f"MessageCode {code}")
    return UploadAnswer("unknown", status, code, message or f"HTTP {status}")


def read_result(response: httpx.Response, template: str) -> Any:
    """The ``result`` of a lookup's answer; None when MOPH says it has nothing (404).

    A 5xx raises MophUnavailable, an answer that is not a JSON object MophMalformed, a
    refusal (HTTP 4xx or a ``MessageCode`` other than 200) MophRejected.
    """
    status = response.status_code
    if status >= 500:
        raise MophUnavailable(f"{template}: HTTP {status}")
    data = envelope(response)
    if data is None:
        raise MophMalformed(f"{template}: body is not a JSON object")
    code = message_code(data)
    if code == "404" or status == 404:
        return None
    if status >= 400 or (code and code not in {"200", "201"}):
        raise MophRejected(f"{template}: HTTP {status} MessageCode {code}")
    return data.get("result")
