"""Item 5: every read is scoped to this unit, viewers see masked names, personal reads
are audited (who, when, what; never the citizen ID).

Before the fix a viewer read 59 of 59 full names by stepping visit numbers, another
unit's visits opened by their key, and ``/checkin/find`` named anyone whose citizen ID
was typed; none of those reads left a trace.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from backoffice.testing import seed_day, walkin_cid
from backoffice.web.tables import audit_log
from integrations.jhcis.tables import house, person, visit

from .conftest import NOW, Site, error_code

OTHER_UNIT = "99902"
CID = re.compile(r"(?<!\d)\d{13}(?!\d)")


def _copy(conn: Any, table: Any, row: dict[str, Any], **changes: Any) -> None:
    conn.execute(table.insert().values({**row, **changes}))


def plant_other_unit(engine: Engine) -> tuple[int, str]:
    """A person and a visit of another unit in the same database (as merged data has)."""
    with engine.begin() as conn:
        if engine.dialect.name != "sqlite":
            conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        one_visit = dict(conn.execute(select(visit).limit(1)).mappings().one())
        who = dict(
            conn.execute(
                select(person).where(
                    person.c.pcucodeperson == one_visit["pcucodeperson"],
                    person.c.pid == one_visit["pid"],
                )
            )
            .mappings()
            .one()
        )
        home = dict(
            conn.execute(
                select(house).where(
                    house.c.pcucode == who["pcucodeperson"], house.c.hcode == who["hcode"]
                )
            )
            .mappings()
            .one()
        )
        cid = walkin_cid(424242)
        _copy(conn, house, home, pcucode=OTHER_UNIT)
        _copy(conn, person, who, pcucodeperson=OTHER_UNIT, idcard=cid, fname="อื่นหน่วย")
        _copy(conn, visit, one_visit, pcucode=OTHER_UNIT, pcucodeperson=OTHER_UNIT, username=None,
              visitno=970001)  # fmt: skip
        if engine.dialect.name != "sqlite":
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    return 970001, cid


@pytest.fixture(scope="module")
def planted(site: Site) -> dict[str, Any]:
    visitno, cid = plant_other_unit(site.deps.clinic.engine)
    day = seed_day(site.deps.clinic, NOW.replace(hour=8))
    return {"other_visitno": visitno, "other_cid": cid, "day": day}


def audit_rows(site: Site, action: str | None = None) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id)
    if action:
        query = query.where(audit_log.c.action == action)
    with site.deps.clinic.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def test_another_units_visit_is_not_found(site: Site, planted: dict[str, Any]) -> None:
    admin = site.signed_in("t_admin")
    base = f"/visits/{OTHER_UNIT}/{planted['other_visitno']}"
    assert admin.http.get(base).status_code == 404
    assert admin.http.get(f"{base}/ticket.png").status_code == 404
    reprint = admin.http.post(f"{base}/reprint", data={"csrf_token": admin.csrf()})
    assert reprint.status_code == 404
    assert admin.http.get(f"/persons/{OTHER_UNIT}/1/photo.jpg").status_code == 404


def test_a_viewer_stepping_visit_numbers_reads_no_full_name(
    site: Site, planted: dict[str, Any]
) -> None:
    viewer = site.signed_in("t_viewer")
    staff = site.signed_in("t_staff")
    unit = site.deps.clinic.unit_code()
    visits = [v for kind in planted["day"].values() for v in kind][:6]
    full_names = 0
    for visitno in [v.visitno for v in visits] + list(range(1, 40)):
        page = viewer.http.get(f"/visits/{unit}/{visitno}")
        if page.status_code != 200:
            continue
        shown = re.search(r'id="full-name">([^<]*)<', page.text)
        assert shown is not None
        staff_view = re.search(
            r'id="full-name">([^<]*)<', staff.http.get(f"/visits/{unit}/{visitno}").text
        )
        assert staff_view is not None
        if shown.group(1) == staff_view.group(1):
            full_names += 1
        assert "•" in shown.group(1)  # the queue's mask, e.g. "ด.ช. ธนากร บุ•••"
    assert full_names == 0


def test_a_citizen_id_of_another_unit_names_nobody_and_lookups_are_audited(
    site: Site, planted: dict[str, Any]
) -> None:
    staff = site.signed_in("t_staff")
    token = staff.csrf("/checkin")
    other = staff.http.post(
        "/checkin/find", data={"csrf_token": token, "cid": planted["other_cid"]}
    )
    assert other.status_code == 404 and "อื่นหน่วย" not in other.text
    own_visit = planted["day"]["coded"][0]
    with site.deps.clinic.engine.connect() as conn:
        own_cid = conn.execute(
            select(person.c.idcard).where(
                person.c.pcucodeperson == own_visit.pcucodeperson, person.c.pid == own_visit.pid
            )
        ).scalar_one()
    own = staff.http.post("/checkin/find", data={"csrf_token": token, "cid": own_cid})
    assert own.status_code == 200
    lookups = audit_rows(site, "cid_lookup")[-2:]
    assert [r["outcome"] for r in lookups] == ["not_found", "ok"]
    assert lookups[1]["target"] == f"{own_visit.pcucodeperson}/{own_visit.pid}"
    assert all(r["username"] == "t_staff" and r["at"] is not None for r in lookups)


def test_personal_reads_are_audited_and_no_audit_row_holds_a_citizen_id(
    site: Site, planted: dict[str, Any]
) -> None:
    staff = site.signed_in("t_staff")
    visit_one = planted["day"]["coded"][0]
    before = len(audit_rows(site))
    assert staff.http.get(f"/visits/{visit_one.pcucode}/{visit_one.visitno}").status_code == 200
    assert staff.http.get("/reports/authen.csv?date=2026-01-15&to=2026-01-15").status_code == 200
    assert staff.http.get("/reminders?date=2026-01-15").status_code == 200
    assert staff.http.get("/reminders/due.pdf?date=2026-01-15").status_code == 200
    new = audit_rows(site)[before:]
    actions = [r["action"] for r in new]
    for wanted in ("visit_view", "report_download", "reminders_view", "reminders_pdf"):
        assert wanted in actions, actions
    view = next(r for r in new if r["action"] == "visit_view")
    assert (
        view["target"] == f"{visit_one.pcucode}/{visit_one.visitno}"
        and view["username"] == "t_staff"
    )
    everything = " ".join(str(v) for row in audit_rows(site) for v in row.values())
    assert CID.search(everything) is None


def test_errors_of_scoped_reads_say_not_found(site: Site, planted: dict[str, Any]) -> None:
    viewer = site.signed_in("t_viewer")
    reply = viewer.http.get(f"/visits/{OTHER_UNIT}/{planted['other_visitno']}")
    assert reply.status_code == 404 and error_code(reply) == "web.not_found"
