"""Every staff page in Chromium at a clinic PC's 1366×768 and a phone's 390×844, in Thai
and in English (issue 22, items 1 and 2): it matches its golden picture, nothing scrolls
sideways, and everything a finger aims at is at least 44 px square.

One browser, one server, one signed-in context per language; each page is loaded once
per width. The pages come from ``backoffice.app.ROUTES``: a GET route that answers HTML
is a page, so a new page is measured as soon as it is mounted (a route with an id in
its path needs an entry in ``IDS``). Screens go to ``var/test/web/layout``; goldens
(half size, palette) to ``tests/golden/backoffice`` (``UPDATE_GOLDEN=1`` remakes them).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from backoffice.app import ROUTES
from integrations.jhcis.records import Visit
from integrations.jhcis.tables import person
from tests.pictures import compare

from .conftest import ROOT, Site, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]

SHOTS = ROOT / "var" / "test" / "web" / "layout"
GOLDEN = ROOT / "tests" / "golden" / "backoffice"
WIDTHS = {"pc": (1366, 768), "phone": (390, 844)}
TARGET_PX = 44

#: Routes that are not pages a person looks at: redirects, and the queue's table alone
#: (the queue page fetches it every few seconds and shows it; measured there).
NOT_PAGES = {"/", "/lang/{lang}", "/queue/rows"}

#: The waiting-room board is a television, not a staff page (its goldens and size checks
#: are in test_calling_board.py); the caller's line fragment and event stream are parts of
#: /calling, which is measured here.
OTHERS = ("/display", "/calling/line", "/calling/events")

#: Query strings that give a page rows to show (the seeded clinic's busy days).
QUERIES = {
    "/reminders": "?date=2026-01-15&days=60",
}

# Measures what a person can aim at: visible links, buttons, fields, and the label of a
# radio or checkbox (the label is the target; the box inside it is not measured apart).
TARGETS_JS = """
(px) => {
  const small = [];
  const seen = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || Number(s.opacity) === 0) return false;
    // A closed <details> keeps its content laid out but unpainted (content-visibility).
    if (el.checkVisibility && !el.checkVisibility({contentVisibilityAuto: true})) return false;
    return el.getClientRects().length > 0;
  };
  const inLabel = (el) => el.closest('label') !== null;
  const q = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
  for (const el of document.querySelectorAll(q)) {
    if (!seen(el)) continue;
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (tag === 'label' && !el.querySelector('input[type=checkbox], input[type=radio]')
        && !el.htmlFor) continue;
    if (tag === 'input' && (type === 'checkbox' || type === 'radio') && inLabel(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width + 0.5 < px || r.height + 0.5 < px) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
      const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
      small.push(`${tag}${el.id ? '#' + el.id : ''} "${text.slice(0, 30)}" ${size}`);
    }
  }
  return small;
}
"""


def _job_url(context: Any, form_page: str, submit: str) -> str:
    """Start a dry-run job from its form, as staff would; the URL of its job page."""
    page = context.new_page()
    page.goto(form_page)
    page.check('input[name="dry_run"]')
    page.click(submit)
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+$"))
    page.wait_for_selector("#job-progress")
    for _ in range(60):  # the job page reloads itself every 2 s until the job is done
        if page.locator("meta[http-equiv=refresh]").count() == 0:
            break
        page.wait_for_timeout(500)
        page.reload()
    path = urlsplit(page.url).path
    page.close()
    return path


def _cid_of(site: Site, visit: Visit) -> str:
    from sqlalchemy import select

    with site.deps.clinic.engine.connect() as conn:
        return str(
            conn.execute(
                select(person.c.idcard).where(
                    person.c.pcucodeperson == visit.pcucodeperson, person.c.pid == visit.pid
                )
            ).scalar_one()
        )


def _pages(ids: dict[str, str], fixed: dict[str, str]) -> dict[str, str]:
    """Page name -> URL for every GET route but the sign-in page (`fixed`: whole URLs)."""
    out: dict[str, str] = {}
    for spec in ROUTES:
        if spec.method != "GET" or spec.path in NOT_PAGES or spec.path == "/login":
            continue
        if spec.path.startswith(OTHERS):
            continue
        path = fixed.get(spec.path, spec.path)
        for key, value in ids.items():
            path = path.replace("{" + key + "}", value)
        if "{" in path:
            if re.search(r"\.(png|jpg|pdf|csv|xlsx)$|/files/", spec.path):
                continue  # a file, not a page
            pytest.fail(f"no id for {spec.path}: add one to the ids of test_layout.py")
        name = spec.path.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"
        out[name] = path + QUERIES.get(spec.path, "")
    return out


@pytest.fixture(scope="module")
def measured(browser: Any, site: Site) -> dict[str, Any]:
    """Load every page at both widths in both languages: screenshots and measurements."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots: dict[str, Path] = {}
    wide: dict[str, int] = {}
    small: dict[str, list[str]] = {}
    not_html: list[str] = []
    visit = site.day["coded"][0]

    def measure(target: Any, key: str) -> None:
        """Screenshot; how far wider than the screen; what is too small to aim at."""
        shots[key] = SHOTS / f"{key}.png"
        target.screenshot(path=str(shots[key]), full_page=True)
        wide[key] = target.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        small[key] = target.evaluate(TARGETS_JS, TARGET_PX)

    for lang in ("th", "en"):
        context = browser.new_context(
            base_url=site.url, locale="th-TH", viewport={"width": 1366, "height": 768}
        )
        context.add_cookies([{"name": "kb_lang", "value": lang, "url": site.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc, seen=errors: seen.append(str(exc)))
        sign_in(page, "t_admin")
        page.wait_for_url("**/queue")
        fixed = {
            "/exports/jobs/{job_id}": _job_url(
                context, "/exports", 'form[action="/exports/run"] button[type=submit]'
            ),
            "/claims/jobs/{job_id}": _job_url(
                context,
                "/claims/close-right",
                'form[action="/claims/close-right/send"] button[type=submit]',
            ),
        }
        ids = {"pcucode": visit.pcucode, "visitno": str(visit.visitno)}
        pages = {"login": "/login", **_pages(ids, fixed)}
        for name, url in pages.items():
            if name != "login":
                reply = context.request.get(url)
                if "text/html" not in reply.headers.get("content-type", ""):
                    not_html.append(name)
                    continue
            for size, (width, height) in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                if name == "login":
                    anonymous = browser.new_context(
                        base_url=site.url, viewport={"width": width, "height": height}
                    )
                    anonymous.add_cookies([{"name": "kb_lang", "value": lang, "url": site.url}])
                    target = anonymous.new_page()
                else:
                    target = page
                target.goto(url)
                target.wait_for_load_state("load")
                measure(target, f"{name}-{size}-{lang}")
                if name == "login":
                    anonymous.close()
                elif name == "queue" and size == "phone":
                    # the folded menu, opened: every group and the account, all reachable
                    page.click("label.menu-button")
                    page.wait_for_selector("nav.main .group a", state="visible")
                    measure(page, f"menu-{size}-{lang}")
                elif name == "calling":
                    # a waiting patient's folded actions, opened: lane, send-on, done
                    page.click("#calling-waiting details.calling-more summary >> nth=0")
                    page.wait_for_selector("details.calling-more[open] select", state="visible")
                    measure(page, f"calling-panel-{size}-{lang}")
        # pages a form answers: the person found for an assisted check-in, and a
        # vaccine history looked up by citizen ID
        cid = _cid_of(site, visit)
        for size, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto("/checkin")
            page.fill("#cid", cid)
            page.click("#find")
            page.wait_for_selector("#person-name")
            measure(page, f"checkin-person-{size}-{lang}")
            page.goto("/reminders")
            page.fill("#history-form input[name=cid]", cid)
            page.click("#history-form button[type=submit]")
            page.wait_for_selector("#timeline")
            measure(page, f"vaccine-history-{size}-{lang}")
        context.close()
        assert errors == [], errors
    found = {"shots": {k: str(v) for k, v in shots.items()}, "wide": wide, "small": small}
    (SHOTS / "measured.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    return {"shots": shots, "wide": wide, "small": small, "not_html": not_html}


def test_every_page_is_measured_in_both_languages_at_both_widths(measured: dict[str, Any]) -> None:
    names = {k.rsplit("-", 2)[0] for k in measured["shots"]}
    for must in ("login", "queue", "visits-pcucode-visitno", "checkin", "claims", "reports-authen",
                 "exports", "exports-jobs-job_id", "claims-moph", "claims-close-right",
                 "claims-jobs-job_id", "claims-ndp", "reminders", "reminders-log", "phr",
                 "health", "settings", "staff", "audit", "menu", "checkin-person",
                 "vaccine-history", "calling", "calling-panel"):  # fmt: skip
        assert must in names
    for name in names:
        for size in WIDTHS:
            for lang in ("th", "en"):
                assert f"{name}-{size}-{lang}" in measured["shots"] or name == "menu"


def test_no_page_scrolls_sideways(measured: dict[str, Any]) -> None:
    sideways = {k: px for k, px in measured["wide"].items() if px > 0}
    assert sideways == {}, f"wider than the screen by (px): {sideways}"


def test_every_target_is_44px(measured: dict[str, Any]) -> None:
    small = {k: v for k, v in measured["small"].items() if v}
    assert small == {}, f"targets under {TARGET_PX} px: {small}"


def test_every_page_matches_its_golden_picture(measured: dict[str, Any]) -> None:
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    differing: dict[str, float] = {}
    for key, shot in measured["shots"].items():
        share = compare(shot, GOLDEN / f"{key}.png", update=update, colors=64)
        if share is not None:
            differing[key] = share
    assert differing == {}, (
        f"pages differ from tests/golden/backoffice (look at var/test/web/layout): {differing}"
    )


def test_dates_are_typed_and_picked_in_the_buddhist_era(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    field = page.locator("input[name=date][data-be-date]")
    assert field.input_value() == "15/1/2569"  # the clinic's today, Buddhist era
    assert page.locator("input[type=date]").count() == 0
    field.fill("2/1/2569")
    page.click("form.filter button[type=submit]")
    page.wait_for_url("**/queue?date=2026-01-02")
    assert "2 ม.ค. 2569" in page.inner_text("h1")
    # the calendar: the month in Thai with its Buddhist-era year, a day picked by touch
    page.click(".be-open")
    calendar = page.locator(".be-calendar")
    assert "มกราคม พ.ศ. 2569" in calendar.inner_text()
    calendar.locator(".be-nav").first.click()
    assert "ธันวาคม พ.ศ. 2568" in calendar.inner_text()
    calendar.locator('.be-day[data-date="2025-12-30"]').click()
    assert field.input_value() == "30/12/2568"
    page.click("form.filter button[type=submit]")
    page.wait_for_url("**/queue?date=2025-12-30")
    # a date that does not exist is refused where it is typed, not sent
    field.fill("31/2/2569")
    page.click("form.filter button[type=submit]")
    assert page.evaluate("document.querySelector('[data-be-date]').validationMessage")
    assert page.url.endswith("date=2025-12-30")


def test_the_phone_menu_opens_by_touch_and_by_keyboard(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    menu = page.locator("nav.main")
    assert not menu.is_visible()  # folded: the queue is the first thing on a phone
    page.click("label.menu-button")
    assert menu.is_visible()
    groups = [h.inner_text() for h in menu.locator("h2").all()]
    assert groups == ["วันนี้", "เคลม", "นัดหมาย"]  # ระบบ is for administrators only
    page.click("label.menu-button")
    assert not menu.is_visible()
    page.reload()
    page.keyboard.press("Tab")  # the first stop on the page is the menu's switch
    assert page.evaluate("document.activeElement.id") == "menu-open"
    page.keyboard.press("Space")
    assert menu.is_visible()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.reload()
    assert menu.is_visible()  # a sidebar on a wide screen, always open
    assert not page.locator("label.menu-button").is_visible()
