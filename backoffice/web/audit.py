"""Every write the backoffice makes is recorded in ``kiosk_audit_log``.

Entries name the staff account, the action and its target (a visit key, a setting
name), never a patient's citizen ID, name or phone, nor any secret: details pass
through the same redaction as log lines before they are stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select

from backoffice.web.tables import audit_log
from common.logs import redact


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


class AuditLog:
    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.engine = engine
        self.clock = clock

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
        text = redact(json.dumps(dict(detail or {}), ensure_ascii=False, default=str))
        with self.engine.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=self.clock().replace(microsecond=0),
                    username=(username or "")[:35] or None,
                    role=role,
                    action=action[:64],
                    target=redact(target)[:100] if target else None,
                    outcome=outcome[:16],
                    detail=text,
                    client=(client or "")[:64] or None,
                )
            )

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
