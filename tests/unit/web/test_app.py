"""The staff web app end to end in-process: pages, roles, CSRF, injections, audit."""

from __future__ import annotations

import datetime as dt
import re
import stat
import tomllib
from collections.abc import Callable
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.testclient import TestClient

from backoffice.app import ROUTES, RouteSpec, create_app
from backoffice.claims import web as claims_web
from backoffice.exports import web as exports_web
from backoffice.phr import web as phr_web
from backoffice.reminders import web as reminders_web
from backoffice.testing import XSS, seed_day
from backoffice.web.auth import role_rank
from backoffice.web.deps import WebDeps
from backoffice.web.tables import audit_log

from .conftest import NOW, csrf_of, login_token

ClientFor = Callable[[str | None], TestClient]
# The waiting-room board opens by its screen token, not a sign-in (backoffice/calling).
PUBLIC = {"/", "/login", "/lang/{lang}", "/display", "/display/events", "/display/announce.wav"}


def _path(spec: RouteSpec, deps: WebDeps) -> str:
    unit = deps.clinic.unit_code()
    # Mounted rooms' pages (exports, claims, reminders) take a job, file or action too.
    return spec.path.format(
        pcucode=unit, visitno=1, pid=1, lang="en", job_id="nojob", name="x.txt", action="cancel"
    )


def _audit(deps: WebDeps, action: str) -> list[dict[str, object]]:
    with deps.clinic.engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action)).mappings()
        return [dict(r) for r in rows]


def test_the_rooms_pages_are_mounted() -> None:
    mounted = {(spec.path, spec.method) for spec in ROUTES}
    for room in (exports_web, claims_web, reminders_web, phr_web):
        assert {(path, method) for path, method, _ in room.ROUTES} <= mounted, room.__name__


def test_every_route_declares_a_role_and_every_private_route_has_one() -> None:
    for spec in ROUTES:
        assert hasattr(spec.endpoint, "min_role"), spec.path
        assert (spec.min_role is None) == (spec.path in PUBLIC), spec.path


@pytest.mark.parametrize("spec", ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_unauthenticated_access_is_refused(
    spec: RouteSpec, deps: WebDeps, client_for: ClientFor
) -> None:
    client = client_for(None)
    path = _path(spec, deps)
    if spec.min_role is None:
        return
    if spec.method == "GET":
        reply = client.get(path, follow_redirects=False)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/login?next=")
        fragment = client.get(path, headers={"X-Requested-With": "fetch"})
        assert fragment.status_code == 401
    else:
        reply = client.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert reply.status_code == 401
        assert 'data-error-code="auth.required"' in reply.text


@pytest.mark.parametrize("who", ["t_viewer", "t_staff"])
def test_roles_cannot_escalate(who: str, deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for(who)
    token = csrf_of(client)
    rank = role_rank("viewer" if who == "t_viewer" else "staff")
    refused = 0
    for spec in ROUTES:
        if spec.min_role is None or role_rank(spec.min_role) <= rank:
            continue
        path = _path(spec, deps)
        if spec.method == "GET":
            reply = client.get(path, follow_redirects=False)
        else:
            reply = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert reply.status_code == 403, (spec.path, reply.status_code)
        assert 'data-error-code="auth.forbidden"' in reply.text
        refused += 1
    assert refused >= (3 if who == "t_staff" else 10)
    assert len(_audit(deps, "denied")) == refused


def test_csrf_is_required_on_every_post(deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for("t_admin")
    for spec in ROUTES:
        if spec.method != "POST" or spec.path == "/login":
            continue
        path = _path(spec, deps)
        for data in ({}, {"csrf_token": "forged"}):
            reply = client.post(path, data=data, follow_redirects=False)
            assert reply.status_code == 403, spec.path
            assert 'data-error-code="auth.csrf"' in reply.text
    # A token of another session is no good either.
    other = client_for("t_staff")
    stolen = csrf_of(other)
    reply = client.post("/logout", data={"csrf_token": stolen}, follow_redirects=False)
    assert reply.status_code == 403


def test_login_form_needs_its_own_token(client_for: ClientFor) -> None:
    client = client_for(None)
    reply = client.post(
        "/login", data={"username": "t_admin", "password": "admin-pass-1", "login_token": "x"}
    )
    assert reply.status_code == 403
    assert "kb_session" not in client.cookies


def test_session_cookie_flags(client_for: ClientFor, deps: WebDeps) -> None:
    client = client_for(None)
    token = login_token(client)
    reply = client.post(
        "/login",
        data={"username": "t_staff", "password": "staff-pass-1", "login_token": token},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in reply.headers.multi_items() if k == "set-cookie" and "kb_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie
    deps.secure_cookies = True
    client2 = TestClient(create_app(deps), base_url="https://testserver")
    reply = client2.post(
        "/login",
        data={
            "username": "t_staff",
            "password": "staff-pass-1",
            "login_token": login_token(client2),
        },
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in reply.headers.multi_items() if k == "set-cookie" and "kb_session" in v
    )
    assert "Secure" in cookie


def test_security_headers(client_for: ClientFor) -> None:
    reply = client_for("t_viewer").get("/queue")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["cache-control"] == "no-store"


def test_sign_in_out_and_lockout_are_audited(deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for("t_staff")
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert client.get("/queue", follow_redirects=False).status_code == 303
    bad = client_for(None)
    codes = []
    for _ in range(3):
        reply = bad.post(
            "/login",
            data={"username": "t_viewer", "password": "nope", "login_token": login_token(bad)},
        )
        codes.append(re.search(r'data-error-code="([^"]+)"', reply.text).group(1))  # type: ignore[union-attr]
    assert codes == ["auth.failed", "auth.failed", "auth.locked"]
    outcomes = [r["outcome"] for r in _audit(deps, "sign_in")]
    assert outcomes.count("ok") == 1 and "auth.locked" in outcomes
    assert [r["action"] for r in _audit(deps, "sign_out")] == ["sign_out"]
    # The typed password is in no audit row.
    with deps.clinic.engine.connect() as conn:
        text = " ".join(str(v) for row in conn.execute(select(audit_log)) for v in row)
    assert "nope" not in text and "staff-pass-1" not in text


def test_queue_shows_flags_and_masks_names(deps: WebDeps, client_for: ClientFor) -> None:
    seeded = seed_day(deps.clinic, NOW.replace(hour=8), walkin_name=XSS)
    client = client_for("t_viewer")
    page = client.get("/queue").text
    total = sum(len(v) for v in seeded.values())
    assert f'id="count-total">{total}<' in page
    assert 'id="count-pending">1<' in page
    assert 'id="count-new">1<' in page
    assert f'id="count-missing">{total - 2}<' in page
    assert XSS not in page and "&lt;script&gt;" in page
    fragment = client.get("/queue/rows", headers={"X-Requested-With": "fetch"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'data-visitno="{seeded["walkin"][0].visitno}"' in fragment.text
    other_day = client.get("/queue?date=2025-06-01").text
    assert 'id="count-total">' in other_day


def test_visit_detail_preview_and_reprint(deps: WebDeps, client_for: ClientFor) -> None:
    seeded = seed_day(deps.clinic, NOW.replace(hour=8))
    visit = seeded["coded"][0]
    base = f"/visits/{visit.pcucode}/{visit.visitno}"
    viewer = client_for("t_viewer")
    page = viewer.get(base).text
    assert "PP9" in page and "x-xxxx-xxxxx-" in page
    png = viewer.get(f"{base}/ticket.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert 'id="reprint"' not in page  # viewers may look, not print
    staff = client_for("t_staff")
    reply = staff.post(
        f"{base}/reprint", data={"csrf_token": csrf_of(staff)}, follow_redirects=False
    )
    assert reply.status_code == 303 and reply.headers["location"].endswith("done=printed")
    tickets = list((deps.settings.data_dir.parent / "tickets").glob("*.png"))
    assert len(tickets) == 1
    assert [r["target"] for r in _audit(deps, "reprint")] == [f"{visit.pcucode}/{visit.visitno}"]
    assert viewer.get(f"/visits/{visit.pcucode}/999999").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/queue?date=2026-01-15'%20OR%201=1--",
        "/queue?date=<script>",
        "/visits/99901/1%20OR%201=1",
        "/visits/9990'/1",
        "/visits/99901/1;DROP%20TABLE%20visit",
        "/reports/authen?date=2026-01-01&to=2026-01-15'--",
        "/claims?date=';DELETE%20FROM%20visit;--",
    ],
)
def test_injection_in_urls_is_harmless(path: str, deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for("t_admin")
    reply = client.get(path)
    assert reply.status_code in (200, 400, 404)
    assert "<script>" not in reply.text
    with deps.clinic.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM visit").scalar_one() > 0


@pytest.mark.parametrize(
    "value",
    ["1' OR '1'='1", "1234567890123; DROP TABLE person", XSS, "9" * 500, "\x00\x01"],
)
def test_injection_in_forms_is_harmless(value: str, deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for("t_admin")
    token = csrf_of(client)
    replies = [
        client.post("/checkin/find", data={"csrf_token": token, "cid": value}),
        client.post(
            "/checkin/open",
            data={
                "csrf_token": token,
                "mode": value,
                "pid": value,
                "pcucodeperson": value,
                "idem": value,
            },
        ),
        client.post(
            "/claims/confirm",
            data={"csrf_token": token, "pcucode": value, "visitno": value, "claim_code": value},
        ),
        client.post("/staff/role", data={"csrf_token": token, "username": value, "role": "admin"}),
        client.post(
            "/claims/sync", data={"csrf_token": token, "date": value, "to": value, "dry_run": "1"}
        ),
    ]
    sign_in = client_for(None)
    replies.append(
        sign_in.post(
            "/login",
            data={"username": value, "password": value, "login_token": login_token(sign_in)},
        )
    )
    for reply in replies:
        assert reply.status_code < 500, reply.text[:300]
        assert "<script>alert" not in reply.text
    with deps.clinic.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM person").scalar_one() > 0


def test_settings_are_validated_and_tokens_write_only(deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for("t_admin")
    token = csrf_of(client, "/settings")
    form = {
        "csrf_token": token,
        "hcode": "12345",
        "clinic_name": XSS,
        "printer_uri": "tcp://192.0.2.10:9100",
        "nhso_mode": "endpoint",
        "nhso_token": "tok-SECRET-123",
        "nhso_claim_token": "",
        "current_password": "admin-pass-1",
    }
    reply = client.post("/settings", data=form, follow_redirects=False)
    assert reply.status_code == 303
    config = tomllib.loads((deps.config_path).read_text())  # type: ignore[union-attr]
    assert config["clinic"]["hcode"] == "12345" and config["nhso"]["mode"] == "endpoint"
    assert config["printer"]["uri"] == "tcp://192.0.2.10:9100"
    secrets_file = deps.settings.secrets_file
    assert 'nhso_token = "tok-SECRET-123"' in secrets_file.read_text()
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    page = client.get("/settings").text
    assert "tok-SECRET-123" not in page
    assert 'id="nhso_token-state">(ตั้งค่าแล้ว)' in page
    assert XSS not in page and "&lt;script&gt;" in page
    bad = client.post("/settings", data={**form, "hcode": "12", "nhso_token": ""})
    assert bad.status_code == 400
    assert tomllib.loads(deps.config_path.read_text())["clinic"]["hcode"] == "12345"  # type: ignore[union-attr]
    audit = " ".join(str(r["detail"]) + str(r["target"]) for r in _audit(deps, "token_set"))
    assert "nhso_token" in audit and "SECRET" not in audit


def test_admin_sets_roles_and_they_apply_at_once(deps: WebDeps, client_for: ClientFor) -> None:
    staff = client_for("t_staff")
    assert staff.get("/settings").status_code == 403
    admin = client_for("t_admin")
    reply = admin.post(
        "/staff/role",
        data={"csrf_token": csrf_of(admin, "/staff"), "username": "t_staff", "role": "admin"},
    )
    assert reply.status_code == 200
    assert staff.get("/settings").status_code == 200
    admin.post(
        "/staff/role", data={"csrf_token": csrf_of(admin), "username": "t_staff", "role": "none"}
    )
    assert staff.get("/queue", follow_redirects=False).status_code == 303
    own = admin.post(
        "/staff/role", data={"csrf_token": csrf_of(admin), "username": "t_admin", "role": "viewer"}
    )
    assert own.status_code == 400
    assert [r["target"] for r in _audit(deps, "role_set")][-2:] == ["t_staff", "t_staff"]


def test_health_page_with_and_without_kiosk_report(deps: WebDeps, client_for: ClientFor) -> None:
    client = client_for("t_viewer")
    assert 'id="no-health"' in client.get("/health").text
    path = deps.settings.data_dir / "kiosk-health.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{"state": "idle", "updated_at": "2026-01-15T09:59:00", "last_checkin_at": '
        '"2026-01-15T09:58:00", "components": {"printer": {"status": "warning", '
        '"code": "paper_near_end", "at": "2026-01-15T09:50:00"}, "reader": {"status": "ok"}}}'
    )
    page = client.get("/health").text
    assert 'data-component="printer"' in page and 'data-code="paper_near_end"' in page
    assert "กระดาษบัตรคิวใกล้หมด" in page and "เตรียมกระดาษม้วนใหม่ไว้เติม" in page
    assert "15 ม.ค. 2569 09:58" in page
    assert 'id="db-status">เชื่อมต่อได้' in page
    path.write_text("{not json")
    assert 'id="no-health"' in client.get("/health").text


def test_authen_report_and_downloads(deps: WebDeps, client_for: ClientFor) -> None:
    seeded = seed_day(deps.clinic, NOW.replace(hour=8), walkin_name="=HYPERLINK(1)")
    client = client_for("t_staff")
    page = client.get("/reports/authen?date=2026-01-15&to=2026-01-15").text
    total = sum(len(v) for v in seeded.values())
    assert f'id="report-total">{total}<' in page
    assert 'id="total-with_code">2<' in page and 'id="total-pending">1<' in page
    summary = client.get("/reports/authen.csv?date=2026-01-15&to=2026-01-15")
    assert summary.content.startswith("\ufeff".encode())
    text = summary.content.decode("utf-8-sig")
    assert "2026-01-15,PG0060001,with_code,ได้รหัสยืนยันสิทธิ,2" in text
    missing = client.get("/reports/authen.csv?date=2026-01-15&to=2026-01-15&part=missing")
    lines = missing.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + total - 2
    # The masked name starts with the title, so this cell is not a formula.
    assert any("นาย =HYPERLINK(1)" in line for line in lines)
    xlsx = client.get("/reports/authen.xlsx?date=2026-01-15&to=2026-01-15")
    book = load_workbook(BytesIO(xlsx.content))
    assert book.sheetnames == ["summary", "missing", "charts"]
    assert book["missing"].max_row == 1 + total - 2
    assert client.get("/reports/authen?date=2025-01-01&to=2025-12-31").status_code == 400
    assert dt.date(2026, 1, 15)  # the report ran on the synthetic clinic's last day


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_no_open_redirects(target: str, client_for: ClientFor) -> None:
    client = client_for(None)
    reply = client.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert reply.headers["location"] == "/queue"
    page = client.get("/login", params={"next": target})
    assert 'name="next" value="/queue"' in page.text


def test_the_admin_chooses_the_kiosk_provider_from_jhcis_accounts(
    deps: WebDeps, client_for: ClientFor
) -> None:
    from integrations.jhcis.synth import DEMO_PROVIDER

    client = client_for("t_admin")
    page = client.get("/settings").text
    assert f'<option value="{DEMO_PROVIDER}"' in page  # the unit's own staff, by name
    assert '<option value="adm"' not in page  # JHCIS's system accounts are no providers
    form = {
        "csrf_token": csrf_of(client, "/settings"),
        "hcode": deps.settings.clinic.hcode,
        "clinic_name": deps.settings.clinic.name,
        "printer_uri": deps.settings.printer.uri,
        "nhso_mode": str(deps.settings.nhso.mode),
        "provider": "kiosk",  # no JHCIS account: refused, nothing saved
        "current_password": "admin-pass-1",
    }
    refused = client.post("/settings", data=form, follow_redirects=False)
    assert refused.status_code == 400 and "kiosk.provider" in refused.text
    form["provider"] = DEMO_PROVIDER
    saved = client.post("/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303
    config = tomllib.loads(deps.config_path.read_text())  # type: ignore[union-attr]
    assert config["kiosk"]["provider"] == DEMO_PROVIDER
