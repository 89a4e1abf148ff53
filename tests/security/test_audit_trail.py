"""Item 5: the audit trail is tamper-evident (an HMAC chain) and has a retention.

Every entry the server writes is sealed; ``backoffice audit verify`` walks the chain.
Changing an entry, deleting one from the middle or dropping the newest is found and
named by its sequence number; a retention purge removes the oldest entries and the
rest still verifies. The probes write through the real server, then tamper with the
database directly, as someone with the database account could.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select, text

from backoffice.web.tables import audit_log, audit_seal

from .conftest import THAI, Site, backoffice


def verify(site: Site, db_url: str) -> tuple[int, dict[str, object], str]:
    done = backoffice(
        "--config", str(site.deps.config_path), "audit", "verify", "--db", db_url, "--json"
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def some_traffic(site: Site) -> None:
    staff = site.signed_in("t_staff")
    for path in ("/queue", "/reports/authen.csv?date=2026-01-15&to=2026-01-15", "/reminders"):
        staff.http.get(path)
    site.browser("127.0.0.20").sign_in("t_staff", "wrong")


def test_the_chain_verifies_and_every_kind_of_tampering_is_found(site: Site, db_url: str) -> None:
    some_traffic(site)
    code, report, _ = verify(site, db_url)
    assert code == 0 and report["ok"] and int(report["sealed"]) >= 4, report  # type: ignore[call-overload]
    engine = site.deps.clinic.engine
    with engine.connect() as conn:
        ids = list(conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars())
    middle = ids[len(ids) // 2]

    # 1. An entry's content changed: found at that entry.
    with engine.begin() as conn:
        original = conn.execute(
            select(audit_log.c.outcome).where(audit_log.c.id == middle)
        ).scalar()
        conn.execute(audit_log.update().where(audit_log.c.id == middle).values(outcome="forged"))
        seq = conn.execute(select(audit_seal.c.seq).where(audit_seal.c.audit_id == middle)).scalar()
    code, report, _ = verify(site, db_url)
    assert (
        code == 1 and report["first_bad_seq"] == seq and report["reason"] == "the entry was changed"
    )
    assert report["error_code"] == "audit.chain_broken" and THAI.search(str(report["message_th"]))
    with engine.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == middle).values(outcome=original))
    assert verify(site, db_url)[0] == 0

    # 2. An entry deleted from the middle (with or without its seal): found.
    with engine.begin() as conn:
        row = dict(conn.execute(select(audit_log).where(audit_log.c.id == middle)).mappings().one())
        conn.execute(audit_log.delete().where(audit_log.c.id == middle))
    code, report, _ = verify(site, db_url)
    assert code == 1 and report["first_bad_seq"] == seq, report
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(row))
    assert verify(site, db_url)[0] == 0

    # 3. The newest entry dropped with its seal: the head still names it.
    with engine.begin() as conn:
        newest = conn.execute(select(func.max(audit_seal.c.seq))).scalar_one()
        audit_id = conn.execute(
            select(audit_seal.c.audit_id).where(audit_seal.c.seq == newest)
        ).scalar()
        conn.execute(audit_seal.delete().where(audit_seal.c.seq == newest))
        conn.execute(audit_log.delete().where(audit_log.c.id == audit_id))
    code, report, _ = verify(site, db_url)
    assert code == 1 and report["reason"] == "the newest entries are missing", report


def test_retention_purge_keeps_the_rest_verifiable(
    site: Site, db_url: str, tmp_path: object
) -> None:
    engine = site.deps.clinic.engine
    with engine.begin() as conn:  # a clean chain for this test (the previous one broke it)
        for table in ("kiosk_audit_seal", "kiosk_audit_log", "kiosk_audit_head"):
            conn.execute(text(f"DELETE FROM {table}"))
    site.deps.audit._head_ready = False
    saved = site.clock.now
    start = dt.datetime.now().replace(microsecond=0)  # the purge command's own clock
    site.clock.now = start - dt.timedelta(days=1200)  # older than the 1095-day retention
    some_traffic(site)
    site.clock.now = start
    some_traffic(site)
    site.clock.now = saved
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    done = backoffice(
        "--config", str(site.deps.config_path), "retention", "purge", "--db", db_url, "--json"
    )
    assert done.returncode == 0, done.stderr
    purged = json.loads(done.stdout)
    assert purged["audit_entries"] >= 4
    with engine.connect() as conn:
        left = conn.execute(select(audit_log.c.action, audit_log.c.at)).all()
    assert len(left) == before - purged["audit_entries"] + 1  # + the purge's own entry
    assert all(at > start - dt.timedelta(days=1095) for _action, at in left)
    assert "retention_purge" in {action for action, _at in left}
    code, report, _ = verify(site, db_url)
    assert code == 0 and report["ok"], report
