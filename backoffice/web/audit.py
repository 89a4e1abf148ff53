"""Every write the backoffice makes, and every read of personal data, in ``kiosk_audit_log``.

Entries name the staff account, the action and its target (a visit key, a setting
name), never a patient's citizen ID, name or phone, nor any secret: details pass
through the same redaction as log lines before they are stored.

The trail is tamper-evident: each entry is sealed (``kiosk_audit_seal``) with an
HMAC-SHA-256 over its content and the previous entry's seal, keyed with the
appliance's ``audit_key`` secret. Changing, inserting or deleting an entry in the
database breaks the chain at that point (:meth:`AuditLog.verify`), and without the
key nobody can forge a new chain. Entries are chained in the order a one-row head
(``kiosk_audit_head``) hands out sequence numbers, under its row lock, so parallel
writers never fork the chain. A retention purge removes the oldest entries and
records where the chain now starts (the anchor), so what is left still verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backoffice.web.db_retry import once_more_on_deadlock
from backoffice.web.tables import audit_head, audit_log, audit_seal
from common.config import Settings
from common.logs import redact
from common.secrets import Secrets, generated_secret, load_secrets

log = logging.getLogger(__name__)

ZERO_HASH = "0" * 64
HEAD_ID = 1
_FIELDS = ("at", "username", "role", "action", "target", "outcome", "detail", "client")


def ensure_audit_key(secrets_file: Path, loaded: Secrets) -> str:
    """The secrets file's ``audit_key``; else one derived from the session key (made if
    missing), so that an appliance provisioned before the chain existed, whose secrets
    file the service cannot write, still seals with a stable key."""
    if loaded.audit_key is not None and loaded.audit_key.get_secret_value():
        return loaded.audit_key.get_secret_value()
    session = generated_secret(secrets_file, loaded, "session_key")
    return hmac.new(session.encode("utf-8"), b"kiosk-audit-chain", hashlib.sha256).hexdigest()


def audit_from_settings(
    engine: Engine, settings: Settings, *, clock: Callable[[], dt.datetime] = dt.datetime.now
) -> AuditLog:
    """The audit trail with the appliance's key (made now if it has none yet)."""
    key = ensure_audit_key(settings.secrets_file, load_secrets(settings.secrets_file))
    return AuditLog(engine, key=key, clock=clock)


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    username: str | None
    role: str | None
    action: str
    target: str | None
    outcome: str
    detail: str
    client: str | None


@dataclass(frozen=True)
class ChainReport:
    """What :meth:`AuditLog.verify` found."""

    ok: bool
    sealed: int  # entries checked against the chain
    unsealed: int  # entries from before the chain existed (older versions)
    first_bad_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "sealed": self.sealed,
            "unsealed": self.unsealed,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }


def _canonical(seq: int, audit_id: int, row: Mapping[str, Any]) -> bytes:
    values: list[object] = [seq, audit_id]
    for name in _FIELDS:
        value = row.get(name)
        values.append(value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class AuditLog:
    def __init__(
        self,
        engine: Engine,
        *,
        key: str,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.engine = engine
        self._key = key.encode("utf-8")
        self.clock = clock
        self._head_ready = False

    def _seal(self, prev_hash: str, seq: int, audit_id: int, row: Mapping[str, Any]) -> str:
        message = prev_hash.encode("ascii") + b"|" + _canonical(seq, audit_id, row)
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def record(
        self,
        action: str,
        *,
        username: str | None,
        role: str | None,
        target: str | None = None,
        outcome: str = "ok",
        detail: Mapping[str, Any] | None = None,
        client: str | None = None,
    ) -> None:
        row = {
            "at": self.clock().replace(microsecond=0),
            "username": (username or "")[:35] or None,
            "role": role,
            "action": action[:64],
            "target": redact(target)[:100] if target else None,
            "outcome": outcome[:16],
            "detail": redact(json.dumps(dict(detail or {}), ensure_ascii=False, default=str)),
            "client": (client or "")[:64] or None,
        }
        self._ensure_head()

        def write() -> None:
            with self.engine.begin() as conn:
                seq, prev = self._take_seq(conn)
                inserted = conn.execute(insert(audit_log).values(row)).inserted_primary_key
                assert inserted is not None
                audit_id = int(inserted[0])
                sealed = self._seal(prev, seq, audit_id, row)
                conn.execute(
                    insert(audit_seal).values(
                        audit_id=audit_id, seq=seq, prev_hash=prev, hash=sealed
                    )
                )
                conn.execute(
                    update(audit_head).where(audit_head.c.id == HEAD_ID).values(hash=sealed)
                )

        once_more_on_deadlock(write)

    def _take_seq(self, conn: Connection) -> tuple[int, str]:
        """The next sequence number and the previous seal, under the head's row lock
        (the UPDATE comes first: on SQLite it takes the write lock at once)."""
        conn.execute(
            update(audit_head).where(audit_head.c.id == HEAD_ID).values(seq=audit_head.c.seq + 1)
        )
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID)
        ).one()
        return int(head.seq), str(head.hash)

    def _ensure_head(self) -> None:
        if self._head_ready:
            return
        with self.engine.connect() as conn:
            present = conn.execute(select(audit_head.c.id).where(audit_head.c.id == HEAD_ID))
            if present.first():
                self._head_ready = True
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(audit_head).values(
                        id=HEAD_ID, seq=0, hash=ZERO_HASH, anchor_seq=0, anchor_hash=ZERO_HASH
                    )
                )
        except IntegrityError:
            pass  # another writer made it
        self._head_ready = True

    # -- reading -------------------------------------------------------------------

    def recent(self, limit: int = 200, *, action: str | None = None) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if action:
            query = query.where(audit_log.c.action == action)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            AuditEntry(
                at=r["at"],
                username=r["username"],
                role=r["role"],
                action=r["action"],
                target=r["target"],
                outcome=r["outcome"],
                detail=r["detail"] or "",
                client=r["client"],
            )
            for r in rows
        ]

    def count(self, action: str | None = None) -> int:
        query = select(func.count()).select_from(audit_log)
        if action:
            query = query.where(audit_log.c.action == action)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def count_before(self, cutoff: dt.datetime) -> int:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.at < cutoff)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # -- the chain -----------------------------------------------------------------

    def verify(self, *, batch: int = 2000) -> ChainReport:
        """Walk the chain from its anchor to its head; the first break is reported."""
        with self.engine.connect() as conn:
            head = conn.execute(select(audit_head).where(audit_head.c.id == HEAD_ID)).first()
            total = int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
        if head is None:
            return ChainReport(ok=True, sealed=0, unsealed=total)
        expected_seq, prev = int(head.anchor_seq) + 1, str(head.anchor_hash)
        sealed = 0
        while True:
            with self.engine.connect() as conn:
                rows = (
                    conn.execute(
                        select(audit_seal, *(audit_log.c[n] for n in _FIELDS), audit_log.c.id)
                        .select_from(
                            audit_seal.outerjoin(audit_log, audit_log.c.id == audit_seal.c.audit_id)
                        )
                        .where(audit_seal.c.seq >= expected_seq)
                        .order_by(audit_seal.c.seq)
                        .limit(batch)
                    )
                    .mappings()
                    .all()
                )
            if not rows:
                break
            for r in rows:
                seq = int(r["seq"])
                if seq != expected_seq:
                    return _broken(sealed, total, expected_seq, "an entry is missing")
                if r["id"] is None:
                    return _broken(sealed, total, seq, "an entry was deleted")
                if r["prev_hash"] != prev:
                    return _broken(sealed, total, seq, "the link to the previous entry differs")
                expected = self._seal(prev, seq, int(r["audit_id"]), dict(r))
                if not hmac.compare_digest(expected, str(r["hash"])):
                    return _broken(sealed, total, seq, "the entry was changed")
                prev, expected_seq, sealed = str(r["hash"]), seq + 1, sealed + 1
        if expected_seq - 1 != int(head.seq) or prev != str(head.hash):
            return _broken(sealed, total, expected_seq, "the newest entries are missing")
        return ChainReport(ok=True, sealed=sealed, unsealed=total - sealed)

    def purge_before(self, cutoff: dt.datetime) -> int:
        """Remove entries older than `cutoff` (retention); the chain's anchor moves to the
        last one removed, so the rest still verifies. Returns how many were removed."""
        self._ensure_head()

        def work() -> int:
            with self.engine.begin() as conn:
                # The head's lock first: no entry is sealed while the anchor moves.
                conn.execute(
                    update(audit_head)
                    .where(audit_head.c.id == HEAD_ID)
                    .values(seq=audit_head.c.seq)
                )
                # Whole chain links only: everything up to the newest old entry's seal
                # (clocks may run a second apart between writers), and the unsealed
                # entries older versions wrote.
                last = conn.execute(
                    select(audit_seal.c.seq, audit_seal.c.hash)
                    .select_from(
                        audit_seal.join(audit_log, audit_log.c.id == audit_seal.c.audit_id)
                    )
                    .where(audit_log.c.at < cutoff)
                    .order_by(audit_seal.c.seq.desc())
                    .limit(1)
                ).first()
                sealed_ids = select(audit_seal.c.audit_id)
                old_unsealed = select(audit_log.c.id).where(
                    audit_log.c.at < cutoff, audit_log.c.id.not_in(sealed_ids)
                )
                ids: list[int] = list(conn.execute(old_unsealed).scalars())
                if last is not None:
                    ids += conn.execute(
                        select(audit_seal.c.audit_id).where(audit_seal.c.seq <= int(last.seq))
                    ).scalars()
                if not ids:
                    return 0
                removed = 0
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    conn.execute(delete(audit_seal).where(audit_seal.c.audit_id.in_(chunk)))
                    removed += int(
                        conn.execute(delete(audit_log).where(audit_log.c.id.in_(chunk))).rowcount
                        or 0
                    )
                if last is not None:
                    conn.execute(
                        update(audit_head)
                        .where(audit_head.c.id == HEAD_ID)
                        .values(anchor_seq=int(last.seq), anchor_hash=str(last.hash))
                    )
                return removed

        return once_more_on_deadlock(work)


def _broken(sealed: int, total: int, seq: int, reason: str) -> ChainReport:
    return ChainReport(
        ok=False, sealed=sealed, unsealed=total - sealed, first_bad_seq=seq, reason=reason
    )
