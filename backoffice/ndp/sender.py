"""Send an exported 13-file batch to NDP: checked first, each visit taken before it leaves.

The batch is checked by the independent checker (nothing is sent when it finds an
error), then its visits go in requests of ``chunk`` visits: for each request a row of
``kiosk_ndp_request`` is inserted and each visit's ``kiosk_ndp_claim`` row is moved to
``sending`` (a conditional UPDATE: the status and time we read, or nothing), **in one
committed transaction before the request leaves**. The request carries only the visits
taken, their lines cut from the batch's files (header and bytes kept).

After the answer each visit is ``sent`` (with NHSO's uid and first status), ``failed``
(refused at the door or never reached: it may go again) or ``unknown`` (a timeout, a
lost or unreadable answer, a 5xx: NDP may hold it; only an explicit resend sends it
again). A kill between the send and the record leaves ``sending``: the next run leaves
such visits alone (:mod:`backoffice.ndp.ledger`), and sends the rest. So a run killed
half-way and run again sends nothing twice.

NHSO's submit call is not public: see :mod:`integrations.nhso.ndp`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import SQLAlchemyError

from backoffice.claims.ndp_tables import ensure_ndp_tables, kiosk_ndp_claim, kiosk_ndp_request
from backoffice.ndp import ledger
from backoffice.ndp.export import read_manifest
from common.errors import BilingualError
from integrations.jhcis.ledger import now
from integrations.ndp_files import NDP_ENCODING, WRITTEN
from integrations.nhso.errors import NhsoError, NotConfigured, TokenInvalid
from integrations.nhso.ndp import NdpClient, submit_body
from integrations.nhso.ndp_errors import (
    NdpBadBatch,
    NdpKeyUnusable,
    NdpLedgerUnavailable,
    NdpNotConfigured,
    NdpNotRecorded,
    NdpSignOnFailed,
    NdpSubmitNotConfigured,
)

log = logging.getLogger(__name__)

#: Errors after which no later request of the run can succeed: stop there.
_STOPPERS = (NdpSignOnFailed, NdpSubmitNotConfigured, NdpNotConfigured, NdpKeyUnusable,
             TokenInvalid, NotConfigured)  # fmt: skip


@dataclass
class RequestOutcome:
    request_id: int
    seqs: list[str]
    status: str  # sent | failed | unknown
    upload_id: str = ""
    error: BilingualError | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id, "seqs": self.seqs, "status": self.status,
            "upload_id": self.upload_id, **(self.error.as_dict() if self.error else {}),
        }  # fmt: skip


@dataclass
class SendReport:
    batch: str
    base_url: str
    requests: list[RequestOutcome] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {seq, reason}
    sandbox: bool = False

    @property
    def ok(self) -> bool:
        return all(r.status == "sent" for r in self.requests)

    @property
    def sent_seqs(self) -> list[str]:
        return [s for r in self.requests if r.status == "sent" for s in r.seqs]

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": "nhso-ndp", "batch": self.batch, "base_url": self.base_url,
            "sandbox": self.sandbox, "ok": self.ok,
            "requests": [r.as_dict() for r in self.requests], "skipped": self.skipped,
        }  # fmt: skip


@dataclass
class _Files:
    """The batch's files, each as its header line and its lines by SEQ (bytes as written)."""

    headers: dict[str, bytes]
    lines: dict[str, dict[str, list[bytes]]]

    @classmethod
    def read(cls, folder: Path) -> _Files:
        headers: dict[str, bytes] = {}
        lines: dict[str, dict[str, list[bytes]]] = {}
        for spec in WRITTEN:
            try:
                data = (folder / spec.file_name).read_bytes()
            except OSError:
                raise NdpBadBatch(f"{spec.file_name} missing or unreadable") from None
            header, *rows = data.splitlines(keepends=True)
            headers[spec.file_name] = header
            at = header.decode(NDP_ENCODING).rstrip("\r\n").split("|").index("SEQ")
            by_seq: dict[str, list[bytes]] = {}
            for row in rows:
                seq = row.decode(NDP_ENCODING).rstrip("\r\n").split("|")[at]
                by_seq.setdefault(seq, []).append(row)
            lines[spec.file_name] = by_seq
        return cls(headers, lines)

    def part(self, seqs: list[str]) -> dict[str, bytes]:
        return {
            name: header + b"".join(row for s in seqs for row in self.lines[name].get(s, []))
            for name, header in self.headers.items()
        }


class NdpSender:
    def __init__(
        self,
        engine: Engine,
        client: NdpClient,
        *,
        hcode: str,
        sent_by: str = "",
        chunk: int = 50,
        clock: Callable[[], dt.datetime] = now,
    ) -> None:
        self.engine = engine
        self.client = client
        self.hcode = hcode
        self.sent_by = sent_by[:64] or None
        self.chunk = max(1, chunk)
        self.clock = clock
        try:
            ensure_ndp_tables(engine)
        except SQLAlchemyError as exc:
            raise NdpLedgerUnavailable(f"create tables: {type(exc).__name__}") from None

    def send(self, folder: Path, *, resend: bool = False) -> SendReport:
        """Send what of the batch may go; what may not is in ``skipped`` with the reason."""
        from integrations.claim_check import check_batch

        try:
            manifest = read_manifest(folder)
        except (OSError, ValueError):
            raise NdpBadBatch("manifest.json missing or unreadable") from None
        checked = check_batch(folder)
        if checked.kind != "ndp" or not checked.ok:
            shown = "; ".join(p.where for p in checked.errors[:5])
            raise NdpBadBatch(f"{checked.error_count} error(s): {shown}")
        files = _Files.read(folder)
        report = SendReport(str(manifest.get("batch") or folder.name), self.client.base_url)
        visits = [v for v in manifest["visits"] if str(v.get("pcucode")) == self.hcode]
        try:
            # Every visit gets its row first (a batch exported before the ledger knew it).
            ledger.add_missing(
                self.engine, self.hcode,
                ((int(v["visitno"]), v.get("close_right_id"), str(v.get("transaction_id") or ""))
                 for v in visits),
                report.batch,
            )  # fmt: skip
            claims = ledger.claims_of(self.engine, self.hcode, (int(v["visitno"]) for v in visits))
        except SQLAlchemyError as exc:
            raise NdpLedgerUnavailable(type(exc).__name__) from None
        moment = self.clock()
        going = []
        for visit in visits:
            row = claims.get(int(visit["visitno"]))
            ruling = ledger.verdict(row, resend=resend, moment=moment)
            if ruling.may_go:
                going.append((visit, row))
            else:
                report.skipped.append({"seq": str(visit["seq"]), "reason": ruling.reason})
        if going:
            # Signed on before any row is written: bad keys or an unreachable NDP leave
            # no row behind, and nothing blocked.
            self.client.token()
        for start in range(0, len(going), self.chunk):
            outcome = self._request(going[start : start + self.chunk], files, report.batch)
            if outcome is None:
                continue
            report.requests.append(outcome)
            if isinstance(outcome.error, _STOPPERS):
                break
        report.sandbox = self.client.sandbox_seen
        return report

    # -- one request ----------------------------------------------------------------------------

    def _request(
        self, chunk: list[tuple[dict[str, Any], dict[str, Any] | None]], files: _Files, batch: str
    ) -> RequestOutcome | None:
        try:
            request_id, taken = self._take(chunk, files, batch)
        except SQLAlchemyError as exc:
            raise NdpLedgerUnavailable(type(exc).__name__) from None
        if not taken:
            return None
        seqs = [str(v["seq"]) for v, _ in taken]
        visitnos = [int(v["visitno"]) for v, _ in taken]
        body = submit_body(self.hcode, files.part(seqs))
        outcome = RequestOutcome(request_id, seqs, "unknown")
        try:
            answer = self.client.submit(body)
        except NhsoError as error:
            outcome.status = "unknown" if error.may_have_acted else "failed"
            outcome.error = error
            values: dict[str, Any] = {"status": outcome.status, "error_code": error.code,
                      "answer_message": error.detail[:255]}  # fmt: skip
            self._record(request_id, values, visitnos, {}, strict=True)
        except BaseException:
            # An interrupt or our own bug mid-send: whether NDP took it is unknown.
            self._record(request_id, {"status": "unknown", "error_code": "internal"}, visitnos,
                         {}, strict=False)  # fmt: skip
            raise
        else:
            outcome.status, outcome.upload_id = "sent", answer.upload_id
            items = {item.seq: item for item in answer.items}
            values = {"status": "sent", "http_status": answer.http_status,
                      "upload_id": answer.upload_id or None}  # fmt: skip
            self._record(request_id, values, visitnos, {s: items.get(s) for s in seqs}, strict=True)
        log.info(
            "NDP batch %s request %d: %d visits %s", batch, request_id, len(seqs), outcome.status
        )
        return outcome

    def _take(
        self, chunk: list[tuple[dict[str, Any], dict[str, Any] | None]], files: _Files, batch: str
    ) -> tuple[int, list[tuple[dict[str, Any], dict[str, Any] | None]]]:
        """Insert the request row and move each visit to ``sending``, in one transaction.

        A visit is taken only if its row is still what we read (status and time):
        another sender that got there first keeps it, and the request goes without it."""
        moment = self.clock()
        c = kiosk_ndp_claim.c
        digest = hashlib.sha256(
            json.dumps(files.part([str(v["seq"]) for v, _ in chunk]), default=bytes.hex).encode()
        ).hexdigest()
        taken: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(kiosk_ndp_request).values(
                    hcode=self.hcode, batch=batch[:120], status="sending", visits=len(chunk),
                    content_sha256=digest, sent_by=self.sent_by, created_at=moment,
                    updated_at=moment,
                )
            )  # fmt: skip
            request_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            for visit, row in chunk:
                values = {"status": "sending", "request_id": request_id, "batch": batch[:120],
                          "sent_by": self.sent_by, "updated_at": moment}  # fmt: skip
                if row is None:
                    continue  # no row to hold it by (send() makes one for every visit)
                moved = conn.execute(
                    update(kiosk_ndp_claim)
                    .where(c.id == row["id"], c.status == row["status"],
                           c.updated_at == row["updated_at"])
                    .values(attempts=c.attempts + 1, **values)
                )  # fmt: skip
                if moved.rowcount != 1:
                    continue  # another sender changed it since we read it: theirs
                taken.append((visit, row))
            conn.execute(
                update(kiosk_ndp_request)
                .where(kiosk_ndp_request.c.id == request_id)
                .values(visits=len(taken))
            )
        return request_id, taken

    def _record(
        self,
        request_id: int,
        values: dict[str, Any],
        visitnos: list[int],
        items: dict[str, Any],
        *,
        strict: bool,
    ) -> None:
        moment = self.clock()
        c = kiosk_ndp_claim.c
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(kiosk_ndp_request)
                    .where(kiosk_ndp_request.c.id == request_id)
                    .values(updated_at=moment, **values)
                )
                for visitno in visitnos:
                    changes = self._claim_values(values, items, visitno, moment)
                    conn.execute(
                        update(kiosk_ndp_claim)
                        .where(c.pcucode == self.hcode, c.visitno == visitno,
                               c.request_id == request_id)
                        .values(**changes)
                    )  # fmt: skip
        except SQLAlchemyError as exc:
            log.error("NDP request %d not recorded: %s", request_id, type(exc).__name__)
            if strict:
                raise NdpNotRecorded(f"request {request_id}: {type(exc).__name__}") from None

    def _claim_values(
        self, values: dict[str, Any], items: dict[str, Any], visitno: int, moment: dt.datetime
    ) -> dict[str, Any]:
        status = values["status"]
        changes: dict[str, Any] = {"status": status, "updated_at": moment,
                                   "error_code": values.get("error_code")}  # fmt: skip
        if status != "sent":
            return changes
        item = items.get(str(visitno))
        if item is None:
            # NDP took the request but said nothing of this visit: we cannot know.
            return {**changes, "status": "unknown", "error_code": "nhso.ndp.no_item"}
        return {
            **changes,
            "uid": item.uid,
            "nhso_code": item.code or None,
            "nhso_message": item.message or None,
            "sent_at": moment,
        }
