"""The kiosk's health for staff: words not codes, the banner on every page, the tickets
that did not print (reprinted in one click) and a test print. The health file is written
by the kiosk's own HealthRecorder; the printer is the preview printer (PNG files). The
browser test with the loopback printer is tests/integration/web/test_kiosk_banner.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backoffice.devices.words import PROBLEMS
from backoffice.testing import seed_day
from backoffice.web.deps import WebDeps
from kiosk.health import HealthRecorder

from .conftest import NOW, csrf_of

ClientFor = Callable[[str | None], TestClient]


def recorder(deps: WebDeps, at: dt.datetime = NOW) -> HealthRecorder:
    path = deps.settings.data_dir / "kiosk-health.json"
    return HealthRecorder(path, clock=lambda: at, write_interval_s=0)


def visible(html: str) -> str:
    """The page's text as a person reads it (no tags, no attributes)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def banner(html: str) -> str:
    found = re.search(r'<section class="kiosk-banner".*?</section>', html, re.S)
    return visible(found.group(0)) if found else ""


def tickets_dir(deps: WebDeps) -> Path:
    return deps.settings.data_dir.parent / "tickets"


def test_every_problem_says_what_and_what_to_do_in_both_languages() -> None:
    for code, problem in PROBLEMS.items():
        for index in (0, 1):
            assert problem.what[index] and problem.todo[index], code
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in problem.what[0] + problem.todo[0])
        assert not any("\u0e00" <= ch <= "\u0e7f" for ch in problem.what[1] + problem.todo[1])
    assert PROBLEMS["printer.paper_out"].todo[0] == "เติมกระดาษ"
    assert PROBLEMS["nhso.unreachable"].todo[0] == "ตรวจสอบการเชื่อมต่ออินเทอร์เน็ต"


def test_health_in_words_with_version_and_address(deps: WebDeps, client_for: ClientFor) -> None:
    health = recorder(deps)
    health.state("idle")
    health.about("0.1.0", "192.168.1.23")
    health.component("printer", "failed", "paper_out")
    health.component("nhso", "down", "unreachable")
    health.component("reader", "ok")
    health.component("database", "ok")
    health.journal_pending(2)
    page = client_for("t_viewer").get("/health").text
    text = visible(page)
    assert "เครื่องพิมพ์บัตรคิวกระดาษหมด" in text and "เติมกระดาษ" in text
    assert "ตู้ติดต่อ สปสช. ไม่ได้" in text and "ตรวจสอบการเชื่อมต่ออินเทอร์เน็ต" in text
    assert "รอส่งเข้า JHCIS" in text and "journal" not in text
    assert "พร้อมใช้งาน" in text  # the kiosk's state, not "idle"
    assert 'id="kiosk-version">0.1.0<' in page and 'id="kiosk-address">192.168.1.23<' in page
    for code in ("paper_out", "unreachable", "failed", "down", "nhso_unavailable"):
        assert not re.search(rf"\b{code}\b", text), code  # codes stay out of what staff read
    assert "test-print" not in page  # a viewer cannot print
    english = client_for("t_viewer")
    english.cookies.set("kb_lang", "en")
    text_en = visible(english.get("/health").text)
    assert "The ticket printer is out of paper" in text_en and "Load paper" in text_en
    assert "Check the internet connection" in text_en


def test_the_banner_is_on_every_page_while_something_is_wrong(
    deps: WebDeps, client_for: ClientFor
) -> None:
    client = client_for("t_staff")
    assert banner(client.get("/queue").text) == ""  # the kiosk never reported
    health = recorder(deps)
    health.component("printer", "failed", "paper_out")
    for path in ("/queue", "/checkin", "/claims", "/health", "/reports/authen"):
        shown = banner(client.get(path).text)
        assert "เครื่องพิมพ์บัตรคิวกระดาษหมด — เติมกระดาษ" in shown, path
    health.component("printer", "warning", "paper_near_end")
    assert "กระดาษบัตรคิวใกล้หมด — เตรียมกระดาษม้วนใหม่ไว้เติม" in banner(client.get("/queue").text)
    health.component("printer", "ok")
    health.component("reader", "card_error")  # the patient's card, not the kiosk
    assert banner(client.get("/queue").text) == ""
    health.state("stopped")
    assert "โปรแกรมตู้ปิดอยู่" in banner(client.get("/queue").text)
    assert banner(client_for(None).get("/login").text) == ""  # not before signing in


def test_failed_tickets_are_listed_and_reprinted_in_one_click(
    deps: WebDeps, client_for: ClientFor
) -> None:
    day = seed_day(deps.clinic, NOW.replace(hour=8))
    first, second = day["coded"][0], day["uncoded"][0]
    moments = [NOW - dt.timedelta(days=1)]
    health = HealthRecorder(
        deps.settings.data_dir / "kiosk-health.json",
        clock=lambda: moments[-1],
        write_interval_s=0,
    )
    health.print_failure(first.pcucode, 77, "99", "paper_out")  # yesterday's: not listed
    moments.append(NOW.replace(hour=9))
    health.component("printer", "failed", "paper_out")
    health.print_failure(first.pcucode, first.visitno, "3", "paper_out")
    health.print_failure(second.pcucode, second.visitno, "4", "cover_open")
    health.print_failure(first.pcucode, 990001, "L001", "paper_out", local=True)
    health.component("printer", "ok")  # paper loaded
    client = client_for("t_staff")
    page = client.get("/health").text
    assert "บัตรคิวพิมพ์ไม่สำเร็จ 2 ใบ รอพิมพ์ซ้ำ" in banner(page)
    rows = re.findall(r'<tr data-visit="([^"]+)" data-local="(\w+)">', page)
    assert rows == [
        (f"{first.pcucode}/{first.visitno}", "no"),
        (f"{second.pcucode}/{second.visitno}", "no"),
        (f"{first.pcucode}/990001", "yes"),
    ]
    assert "ฝาเครื่องพิมพ์เปิด" in visible(page) and "รอส่งเข้า JHCIS ก่อน" in visible(page)
    before = set(tickets_dir(deps).glob("*.png"))
    reply = client.post(
        f"/visits/{first.pcucode}/{first.visitno}/reprint",
        data={"csrf_token": csrf_of(client, "/health"), "next": "/health"},
        follow_redirects=False,
    )
    assert (reply.status_code, reply.headers["location"]) == (303, "/health?done=printed")
    assert len(set(tickets_dir(deps).glob("*.png")) - before) == 1
    page = client.get("/health?done=printed").text
    assert "ส่งพิมพ์บัตรคิวแล้ว" in page
    assert f'/visits/{first.pcucode}/{first.visitno}/reprint"' not in page
    assert f'/visits/{second.pcucode}/{second.visitno}/reprint"' in page
    assert "พิมพ์ซ้ำแล้ว 10:00" in visible(page)
    assert "บัตรคิวพิมพ์ไม่สำเร็จ 1 ใบ รอพิมพ์ซ้ำ" in banner(page)


def test_reprint_never_redirects_off_site(deps: WebDeps, client_for: ClientFor) -> None:
    visit = seed_day(deps.clinic, NOW.replace(hour=8))["coded"][0]
    client = client_for("t_staff")
    reply = client.post(
        f"/visits/{visit.pcucode}/{visit.visitno}/reprint",
        data={"csrf_token": csrf_of(client), "next": "//evil.example/x?y"},
        follow_redirects=False,
    )
    assert reply.headers["location"] == "/queue?done=printed"


@pytest.mark.parametrize("role", ["t_staff", "t_admin"])
def test_test_print_prints_a_slip_that_is_not_a_ticket(
    role: str, deps: WebDeps, client_for: ClientFor
) -> None:
    client = client_for(role)
    before = set(tickets_dir(deps).glob("*.png"))
    reply = client.post(
        "/health/test-print",
        data={"csrf_token": csrf_of(client, "/health")},
        follow_redirects=False,
    )
    assert (reply.status_code, reply.headers["location"]) == (303, "/health?done=test_printed")
    (slip,) = set(tickets_dir(deps).glob("*.png")) - before
    assert slip.name.endswith("-test.png")
    assert "ส่งหน้าทดสอบไปที่เครื่องพิมพ์แล้ว" in client.get("/health?done=test_printed").text
    actions = [e.action for e in deps.audit.recent(5)]
    assert "test_print" in actions


def test_the_list_still_shows_when_jhcis_cannot_say(
    deps: WebDeps, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backoffice.devices import failed_prints
    from integrations.jhcis.errors import JhcisUnavailable

    def down(*_args: object, **_kwargs: object) -> None:
        raise JhcisUnavailable("test")

    client = client_for("t_staff")
    monkeypatch.setattr(failed_prints, "visits_between", down)
    recorder(deps).print_failure("99901", 12, "7", "paper_out")
    page = client.get("/health")
    assert page.status_code == 200
    assert "ติดต่อฐานข้อมูล JHCIS ไม่ได้ พิมพ์ซ้ำได้เมื่อกลับมา" in visible(page.text)
    assert "/reprint" not in page.text
    assert "บัตรคิวพิมพ์ไม่สำเร็จ 1 ใบ รอพิมพ์ซ้ำ" in banner(page.text)
