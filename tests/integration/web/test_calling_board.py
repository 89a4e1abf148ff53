"""Issue 21 in Chromium: two caller pages and a waiting-room board on one live backoffice
(MariaDB, uvicorn), a call reaching the board and the other caller, the board surviving a
server restart on its own, its announcement audio, and its golden pictures."""

from __future__ import annotations

import io
import os
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice.app import create_app
from backoffice.calling.screens import add_screen
from backoffice.calling.voice import CHIME, INVITE, render_clips, rendered_dir
from backoffice.testing import make_deps, seed_day
from backoffice.web.deps import WebDeps
from backoffice.web.tables import audit_log
from common.config import CallingSettings, ServicePoint

from .conftest import NOW, SHOTS, Clock, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "golden" / "display"
GOLDEN_SCALE = 2
CHANGED_PIXELS_ALLOWED = 0.004  # share of pixels differing by more than 48 in a channel
SIZES = ((1920, 1080), (1366, 768))
DISPLAY_WITHIN_MS = 1000


class RestartableServer:
    """The app under uvicorn on a fixed loopback port, which can be stopped and started
    again (as systemd restarts ``backoffice serve``)."""

    def __init__(self, deps: WebDeps) -> None:
        import socket

        self.deps = deps
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            create_app(self.deps), host="127.0.0.1", port=self.port, log_config=None,
            access_log=False, server_header=False, timeout_graceful_shutdown=1,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        assert self.thread is not None
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "server did not stop"


@pytest.fixture(scope="module")
def live(
    jhcis_mariadb_utf8_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RestartableServer, str]]:
    clock = Clock()
    deps = make_deps(jhcis_mariadb_utf8_url, tmp_path_factory.mktemp("calling"), clock=clock)
    # Two nurses at the screening desk; the rest as the default clinic has them.
    points = list(deps.settings.calling.points)
    points[0] = ServicePoint(
        code="screening", th="ซักประวัติ", en="Screening", counter_th="โต๊ะ", counter_en="Desk",
        counters=2,
    )  # fmt: skip
    deps.settings.calling = CallingSettings(points=points)
    render_clips(rendered_dir(deps.settings), deps.settings.calling)
    seed_day(deps.clinic, NOW.replace(hour=8))
    _, token = add_screen(deps.clinic.engine, "ห้องรอตรวจ", NOW)
    server = RestartableServer(deps)
    server.start()
    try:
        yield server, token
    finally:
        server.stop()
        deps.clinic.dispose()


def _context(browser: Any, live: tuple[RestartableServer, str], size: tuple[int, int]) -> Any:
    context = browser.new_context(
        base_url=live[0].url, locale="th-TH", viewport={"width": size[0], "height": size[1]}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _caller(browser: Any, live: tuple[RestartableServer, str], who: str, counter: int) -> Any:
    page = _context(browser, live, (430, 900))  # a phone at the desk
    sign_in(page, who)
    page.goto(f"/calling?point=screening&counter={counter}")
    page.wait_for_selector("#call-next")
    return page


def _call_next(caller: Any) -> str:
    """Finish whoever this counter serves, call the next one; returns their number."""
    while caller.locator(".calling-card .act-done").count():
        caller.click(".calling-card .act-done")
        caller.wait_for_selector("#calling-done[data-done=done]")
    caller.click("#call-next")
    caller.wait_for_selector("#calling-done[data-done=called]")
    number = caller.get_attribute(".calling-card", "data-queue")
    assert number
    return str(number)


def _board(
    browser: Any, live: tuple[RestartableServer, str], size: tuple[int, int], lang: str
) -> Any:
    page = _context(browser, live, size)
    page.goto(f"/display?s={live[1]}&lang={lang}")
    page.wait_for_selector("body[data-rendered]")
    return page


def _half(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    return rgb.resize((rgb.width // GOLDEN_SCALE, rgb.height // GOLDEN_SCALE), Image.BOX)


def test_the_board_matches_its_golden_pictures(browser: Any, live: Any) -> None:
    caller = _caller(browser, live, "t_staff", 1)
    _call_next(caller)
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    differing: dict[str, float] = {}
    for size in SIZES:
        for lang in ("th", "en"):
            board = _board(browser, live, size, lang)
            board.wait_for_selector(".board-latest-no")
            png = board.screenshot()
            SHOTS.mkdir(parents=True, exist_ok=True)
            (SHOTS / f"display-{size[0]}x{size[1]}-{lang}.png").write_bytes(png)
            # Called numbers are read from 5 m: at least 15 % of the screen's height.
            heights = board.eval_on_selector_all(
                ".board-no, .board-latest-no",
                "els => els.map(e => e.getBoundingClientRect().height)",
            )
            assert heights and min(heights) >= 0.15 * size[1], heights
            produced = _half(png)
            golden = GOLDEN / f"{size[0]}x{size[1]}-{lang}.png"
            if update:
                golden.parent.mkdir(parents=True, exist_ok=True)
                produced.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(
                    golden, optimize=True
                )
            else:
                assert golden.exists(), f"no golden {golden.name}: UPDATE_GOLDEN=1 makes it"
                with Image.open(golden) as kept:
                    expected = kept.convert("RGB")
                diff = ImageChops.difference(expected, produced).convert("L")
                changed = diff.point(lambda v: 255 if v > 48 else 0).histogram()[255]
                share = changed / (produced.width * produced.height)
                if share > CHANGED_PIXELS_ALLOWED:
                    differing[golden.name] = round(share, 4)
            board.context.close()
    caller.context.close()
    assert differing == {}, f"the board differs from tests/golden/display: {differing}"


def test_a_call_reaches_the_board_and_the_other_caller_and_survives_a_restart(
    browser: Any, live: Any
) -> None:
    server = live[0]
    first = _caller(browser, live, "t_staff", 1)
    second = _caller(browser, live, "t_admin", 2)
    board = _board(browser, live, (1366, 768), "th")
    waiting_before = second.eval_on_selector_all(
        "#calling-waiting li", "els => els.map(e => e.dataset.queue)"
    )
    assert waiting_before, "the seeded day should leave patients waiting"

    called = _call_next(first)
    # The board shows it (the newest call, large) within a second of the call.
    expect(board.locator(".board-latest-no")).to_have_text(called, timeout=DISPLAY_WITHIN_MS)
    # The other caller's line loses the number, and shows it as called at desk 1.
    expect(second.locator(f'#calling-waiting li[data-queue="{called}"]')).to_have_count(
        0, timeout=3000
    )
    expect(second.locator(f'#calling-elsewhere li[data-queue="{called}"]')).to_have_count(1)
    first.screenshot(path=str(SHOTS / "calling-caller.png"), full_page=True)
    # Every button and choice on the phone is a comfortable target (>= 44 px).
    small = first.eval_on_selector_all(
        "button, select, summary",
        "els => els.filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 80))",
    )
    assert small == [], small
    # The second caller calls the next one: never the same patient.
    assert _call_next(second) != called

    # The server goes away: the board says so by itself ...
    server.stop()
    board.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert "ขาดการเชื่อมต่อ" in board.inner_text("#offline")
    shot_path = SHOTS / "display-offline.png"
    board.screenshot(path=str(shot_path))
    # ... and comes back with it, without anyone touching the screen.
    server.start()
    board.wait_for_selector("#offline", state="hidden", timeout=15_000)
    first.goto("/calling?point=screening&counter=1")
    again = _call_next(first)
    expect(board.locator(".board-latest-no")).to_have_text(again, timeout=DISPLAY_WITHIN_MS)
    for page in (first, second, board):
        page.context.close()
    # Every call and every action is in the audit trail, with who and which visit.
    with server.deps.clinic.engine.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.action, audit_log.c.username, audit_log.c.target).where(
                audit_log.c.action.like("call_%")
            )
        ).all()
    calls = [a for a in audited if a.action == "call_next"]
    assert {a.username for a in calls} >= {"t_staff", "t_admin"}
    assert all(a.target and "/" in a.target for a in calls)  # pcucode/visitno
    assert any(a.action == "call_done" for a in audited)


def test_the_announcement_is_served_with_its_chime_first(browser: Any, live: Any) -> None:
    board = _board(browser, live, (1366, 768), "th")
    call_id = board.get_attribute("#latest", "data-call")
    assert call_id
    reply = board.request.get(f"/display/announce.wav?s={live[1]}&call={call_id}")
    assert reply.status == 200 and reply.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(reply.body()), "rb") as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 2.0 < seconds < 8.0, seconds
    # Another token gets nothing.
    assert board.request.get(f"/display/announce.wav?s=nope&call={call_id}").status == 404
    assert board.request.get("/display?s=nope").status == 404
    board.context.close()
    assert CHIME and INVITE  # the clip names the README documents
