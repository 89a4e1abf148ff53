"""Issue 21 in Chromium: two caller pages and a waiting-room board on one live backoffice
(MariaDB, uvicorn), a call reaching the board and the other caller, the board surviving a
server restart and a silently dropped connection on its own, one announcement at a time
even when clips fail or stall, the limits on streams and double taps, a stale page's
press refused, and the board's golden pictures."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect
from sqlalchemy import func, select

from backoffice.app import create_app
from backoffice.calling import line, streams, web
from backoffice.calling.hub import BoardHub
from backoffice.calling.screens import add_screen
from backoffice.calling.tables import call_event, ensure_calling_tables
from backoffice.calling.voice import CHIME, render_clips, rendered_dir
from backoffice.testing import make_deps, seed_day
from backoffice.web.deps import WebDeps
from backoffice.web.tables import audit_log
from common.config import CallingSettings, ServicePoint
from common.speech import wav
from integrations.jhcis.clinic import ClinicDatabase

from .conftest import CHROMIUM, CHROMIUM_ARGS, NOW, SHOTS, Clock, sign_in

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


class Relay:
    """A TCP relay in front of a server, which can go silent without closing anything
    (what a dropped Wi-Fi or a stuck proxy does to a stream) or refuse everyone."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.silent = threading.Event()
        self.refusing = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.silent.is_set():  # held, never sent, never closed
                    time.sleep(0.05)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def drop_all(self) -> None:
        """Every relayed connection closed (as a NAT that lost its state)."""
        with self.lock:
            held, self.sockets = self.sockets, []
        for end in held:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
                end.close()

    def go_silent(self) -> None:
        self.silent.set()

    def speak_again(self) -> None:
        self.drop_all()
        self.silent.clear()

    def refuse(self) -> None:
        self.refusing = True
        self.drop_all()

    def close(self) -> None:
        self.refuse()
        self.listener.close()


def _context(
    browser: Any, live: tuple[RestartableServer, str], size: tuple[int, int], url: str = ""
) -> Any:
    context = browser.new_context(
        base_url=url or live[0].url, locale="th-TH",
        viewport={"width": size[0], "height": size[1]},
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _caller(browser: Any, live: tuple[RestartableServer, str], who: str, counter: int) -> Any:
    page = _context(browser, live, (430, 900))  # a phone at the desk
    page.on("dialog", lambda dialog: dialog.accept())  # "done" asks first
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
    browser: Any, live: tuple[RestartableServer, str], size: tuple[int, int], lang: str,
    url: str = "",
) -> Any:  # fmt: skip
    page = _context(browser, live, size, url)
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


def test_the_announcement_is_served_with_its_chime_first(
    browser: Any, live: Any, tmp_path: Path
) -> None:
    server, token = live
    deps = server.deps
    now = NOW.replace(hour=11)
    got = line.call_next(
        deps.clinic.engine, deps.settings.calling, day=now.date(), point="screening",
        counter=2, username="t_staff", now=now,
    )  # fmt: skip
    assert got is not None and got.queue_no is not None
    with deps.clinic.engine.connect() as conn:
        call_id = conn.execute(
            select(call_event.c.id).where(call_event.c.entry_id == got.id)
        ).scalar_one()
    board = _context(browser, live, (1366, 768))
    reply = board.request.get(f"/display/announce.wav?s={token}&call={call_id}")
    assert reply.status == 200 and reply.headers["content-type"] == "audio/wav"
    (tmp_path / "served.wav").write_bytes(reply.body())
    served = wav.read_pcm16(tmp_path / "served.wav")
    chime = wav.read_pcm16(rendered_dir(deps.settings) / CHIME)
    assert served is not None and chime is not None
    # The chime first, sample for sample, then speech: the served audio is longer than
    # the chime by at least the words "ขอเชิญหมายเลข", a number, "ที่" and the place.
    assert served.rate == chime.rate
    assert list(served.samples[: len(chime.samples)]) == list(chime.samples)
    seconds = len(served.samples) / served.rate
    assert len(chime.samples) / chime.rate + 1.5 < seconds < 10.0, seconds
    spoken = served.samples[len(chime.samples) :]
    assert max(abs(v) for v in spoken) > 1000  # words, not silence
    # Another token gets nothing.
    assert board.request.get(f"/display/announce.wav?s=nope&call={call_id}").status == 404
    assert board.request.get("/display?s=nope").status == 404
    board.context.close()


def _more_waiting(deps: WebDeps, count: int, first_no: int) -> list[int]:
    """Patients waiting at the screening desk, beyond the seeded day's few."""
    from backoffice.calling.tables import call_entry

    day = NOW.date()
    ids = []
    with deps.clinic.engine.begin() as conn:
        for n in range(first_no, first_no + count):
            ids.append(
                conn.execute(
                    call_entry.insert().values(
                        pcucode="99901", visitno=90_000 + n, visitdate=day, pcucodeperson="99901",
                        pid=90_000 + n, queue_no=n, masked_name="ท*** ท•••",
                        first_point="screening", point="screening", status="waiting", calls=0,
                        enqueued_at=NOW.replace(hour=12) + dt.timedelta(seconds=n), updated_at=NOW,
                    )
                ).inserted_primary_key[0]
            )  # fmt: skip
    return [int(i) for i in ids]


def desk_one_calls(deps: WebDeps, entry_id: int) -> line.Entry:
    """A colleague at screening desk 1 calls this patient (as their page would)."""
    return line.call_this(
        deps.clinic.engine, deps.settings.calling, entry_id, counter=1, username="t_staff",
        now=NOW.replace(hour=12),
    )  # fmt: skip


def _calls(deps: WebDeps) -> int:
    with deps.clinic.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(call_event).where(call_event.c.action == "call")
            ).scalar_one()
        )


def test_a_board_whose_stream_goes_silent_says_so_and_reconnects(
    browser: Any, live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops sending without closing (a relay in between holds everything):
    the board notices from the missing pings, says "ขาดการเชื่อมต่อ", and comes back by
    itself once the way is clear, live again."""
    server = live[0]
    monkeypatch.setattr(web, "KEEPALIVE_S", 1.0)
    relay = Relay(server.port)
    try:
        board = _board(browser, live, (1366, 768), "th", relay.url)
        silence = int(board.get_attribute("body", "data-silence-ms"))
        assert silence == 2500
        board.wait_for_selector("body[data-connected='1']")
        relay.go_silent()
        board.wait_for_selector("#offline:not([hidden])", timeout=silence + 5000)
        assert "ขาดการเชื่อมต่อ" in board.inner_text("#offline")
        relay.speak_again()
        board.wait_for_selector("#offline", state="hidden", timeout=silence + 10_000)
        (number,) = _more_waiting(server.deps, 1, 301)
        got = desk_one_calls(server.deps, number)
        expect(board.locator(".board-latest-no")).to_have_text(str(got.queue_no), timeout=3000)
        board.context.close()
    finally:
        relay.close()


TRACK_AUDIO = """
window.__playing = 0; window.__mostAtOnce = 0; window.__played = [];
const RealAudio = window.Audio;
window.Audio = function (src) {
  const audio = new RealAudio(src);
  let on = false;
  audio.addEventListener("playing", () => {
    if (on) return;
    on = true;
    window.__playing += 1;
    window.__mostAtOnce = Math.max(window.__mostAtOnce, window.__playing);
    window.__played.push(new URL(src, location.href).searchParams.get("call"));
  });
  const off = () => { if (on) { on = false; window.__playing -= 1; } };
  ["ended", "pause", "error", "emptied"].forEach((e) => audio.addEventListener(e, off));
  return audio;
};
"""


def _call_ids(deps: WebDeps, entry_ids: list[int]) -> list[str]:
    with deps.clinic.engine.connect() as conn:
        rows = conn.execute(
            select(call_event.c.entry_id, call_event.c.id).where(
                call_event.c.entry_id.in_(entry_ids), call_event.c.action == "call"
            )
        ).all()
    by_entry = dict(rows)
    return [str(by_entry[e]) for e in entry_ids]


def test_one_announcement_at_a_time_even_when_a_clip_fails_or_stalls(
    browser: Any, live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three calls in a row: the first clip cannot be loaded, the second never arrives
    (a stalled download), the third plays. Never two at once, each settled once, and the
    third is still said."""
    server = live[0]
    monkeypatch.setattr(web, "CLIP_LIMIT_S", 3.0)  # to start; a playing clip gets its length
    loud = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    try:
        board = _context(loud, live, (1366, 768))
        board.add_init_script(TRACK_AUDIO)
        fates: dict[str, str] = {}

        def route(request_route: Any) -> None:
            call = parse_qs(urlparse(request_route.request.url).query)["call"][0]
            if call not in fates:
                fates[call] = ("fail", "stall", "play")[min(len(fates), 2)]
            if fates[call] == "fail":
                request_route.fulfill(status=404, body="gone")
            elif fates[call] == "play":
                request_route.continue_()
            # "stall": never answered

        board.route("**/display/announce.wav*", route)
        board.goto(f"/display?s={live[1]}&lang=th")
        board.wait_for_selector("body[data-rendered]")
        entries = _more_waiting(server.deps, 3, 311)
        for entry_id in entries:
            desk_one_calls(server.deps, entry_id)
        calls = _call_ids(server.deps, entries)
        board.wait_for_function(
            "n => (document.body.dataset.said || '').split(',').filter(Boolean).length >= n",
            arg=3, timeout=30_000,
        )  # fmt: skip
        said = board.get_attribute("body", "data-said").split(",")
        unsaid = board.get_attribute("body", "data-unsaid").split(",")
        assert said == calls, (said, calls)  # in order, each once
        assert unsaid == calls[:2]  # the failed and the stalled one
        assert board.evaluate("window.__played") == [calls[2]]
        assert board.evaluate("window.__mostAtOnce") == 1
        assert board.is_hidden("#sound")  # a failed clip is no reason to ask for a touch
        board.context.close()
    finally:
        loud.close()


def test_sound_turned_on_late_does_not_replay_old_calls(
    browser: Any, live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser that wants a touch before sound: the board asks once; a call learnt
    longer ago than the limit is not said when the touch finally comes."""
    server = live[0]
    monkeypatch.setattr(web, "STALE_CALL_S", 1.5)
    # Headless Chromium here plays without a touch whatever the autoplay switch says, so
    # the page is given the policy of a browser that does not: play() is refused with
    # NotAllowedError until the screen was touched (the board's code is the real one).
    touch_first = """
    let touched = false;
    document.addEventListener("pointerdown", () => { touched = true; }, true);
    const realPlay = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function () {
      if (!touched) {
        return Promise.reject(new DOMException("touch first", "NotAllowedError"));
      }
      return realPlay.call(this);
    };
    """
    try:
        board = _context(browser, live, (1366, 768))
        board.add_init_script(TRACK_AUDIO + touch_first)
        board.goto(f"/display?s={live[1]}&lang=th")
        board.wait_for_selector("body[data-rendered]")
        entries = _more_waiting(server.deps, 1, 321)
        desk_one_calls(server.deps, entries[0])
        board.wait_for_selector("#sound:not([hidden])", timeout=5000)
        time.sleep(2.0)  # the call is older than the limit now
        board.click("#sound")
        board.wait_for_function("() => Boolean(document.body.dataset.unsaid)", timeout=5000)
        assert board.get_attribute("body", "data-unsaid") == _call_ids(server.deps, entries)[0]
        assert board.evaluate("window.__played") == []
    finally:
        board.context.close()


def test_a_screen_holds_at_most_three_streams(live: Any) -> None:
    import httpx

    server = live[0]
    _, token = add_screen(server.deps.clinic.engine, "จอสำรอง", NOW)
    timeout = httpx.Timeout(5, read=40)
    with httpx.Client(base_url=server.url, timeout=timeout) as client:
        with contextlib.ExitStack() as held:
            for _ in range(streams.PER_SCREEN):
                reply = held.enter_context(client.stream("GET", f"/display/events?s={token}"))
                assert reply.status_code == 200
            extra = client.get(f"/display/events?s={token}")
            assert extra.status_code == 503
            assert extra.headers["retry-after"] == str(streams.RETRY_AFTER_S)
            # Another screen is not held up by this one.
            assert client.get(f"/display?s={live[1]}").status_code == 200
        # Closed streams give their places back.
        deadline = time.monotonic() + 10
        while True:
            with client.stream("GET", f"/display/events?s={token}") as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed streams kept their places"
            time.sleep(0.3)


def test_a_double_tap_on_call_next_calls_one_patient(browser: Any, live: Any) -> None:
    server = live[0]
    _more_waiting(server.deps, 3, 331)
    caller = _caller(browser, live, "t_staff", 1)
    before = _calls(server.deps)
    caller.dblclick("#call-next")
    caller.wait_for_selector("#calling-done[data-done=called]")
    caller.wait_for_timeout(500)
    assert _calls(server.deps) == before + 1
    # The same form posted twice (a resent form, a tap the page could not stop): one call,
    # and the second answer shows the first's.
    fields = caller.eval_on_selector(
        ".calling-next-form",
        "f => Object.fromEntries(new FormData(f).entries())",
    )
    first = caller.request.post("/calling/next", form=fields, max_redirects=0)
    second = caller.request.post("/calling/next", form=fields, max_redirects=0)
    assert first.status == second.status == 303
    assert first.headers["location"] == second.headers["location"]
    assert "no=" in first.headers["location"]
    assert _calls(server.deps) == before + 2
    caller.context.close()


def test_an_open_panel_is_not_swept_away_and_a_stale_press_changes_nothing(
    browser: Any, live: Any
) -> None:
    server = live[0]
    deps = server.deps
    _more_waiting(deps, 3, 341)
    nurse = _caller(browser, live, "t_admin", 2)
    row = nurse.locator("#calling-waiting li").first
    entry_id = int(row.get_attribute("data-entry"))
    row.locator("summary").click()
    desk_one_calls(deps, entry_id)  # a colleague calls exactly this patient meanwhile
    nurse.wait_for_selector("#calling-line[data-stale='1']", timeout=5000)
    assert nurse.locator(f'#calling-waiting li[data-entry="{entry_id}"] details[open]').count() == 1
    # The nurse finishes the visit from the panel as it was: refused, and said so.
    row.locator(".act-done").click()
    expect(nurse.locator("body")).to_contain_text("มีการเปลี่ยนแปลงโดยเจ้าหน้าที่อีกคน")
    called = line.entry(deps.clinic.engine, entry_id)
    assert called is not None and (called.status, called.counter) == ("called", 1)
    # Back on the line: a change while a panel is open waits until the panel closes.
    nurse.goto("/calling?point=screening&counter=2")
    row = nurse.locator("#calling-waiting li").first
    other = int(row.get_attribute("data-entry"))
    row.locator("summary").click()
    desk_one_calls(deps, other)
    nurse.wait_for_selector("#calling-line[data-stale='1']", timeout=5000)
    row.locator("summary").click()  # closed: what waited comes in
    nurse.wait_for_selector("#calling-line:not([data-stale])", timeout=5000)
    expect(nurse.locator(f'#calling-waiting li[data-entry="{other}"]')).to_have_count(0)
    nurse.context.close()


def test_a_board_says_the_database_cannot_be_read_before_its_first_board(
    jhcis_mariadb_utf8_url: str,
) -> None:
    """The database goes away before the hub ever read a line: the stream says so at once
    (the page shows "ไม่สามารถอ่านคิวจากฐานข้อมูลได้") rather than staying blank."""
    from sqlalchemy.engine import make_url

    url = make_url(jhcis_mariadb_utf8_url)
    relay = Relay(int(url.port or 3306))
    clinic = ClinicDatabase.from_url(
        url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    )
    try:
        ensure_calling_tables(clinic.engine)
        clinic.engine.dispose()
        relay.refuse()  # from here on nobody reaches the database

        class StillThere:
            async def is_disconnected(self) -> bool:
                return False

        async def first_board() -> str:
            hub = BoardHub(clinic, CallingSettings(), lambda: NOW)
            slot = streams.StreamSlots().take("screen", "1")
            assert slot is not None
            stream = web._board_stream(StillThere(), hub, True, slot)  # type: ignore[arg-type]
            try:
                async for chunk in stream:
                    if "event: board" in chunk:
                        return chunk
            finally:
                await stream.aclose()
            return ""

        # In a thread of its own: Playwright's sync API keeps a loop running in this one.
        found: list[str] = []
        runner = threading.Thread(
            target=lambda: found.append(asyncio.run(asyncio.wait_for(first_board(), 15)))
        )
        runner.start()
        runner.join(timeout=30)
        assert found, "no board event within 15 s"
        chunk = found[0]
        data = json.loads(chunk.split("data: ", 1)[1])
        assert data == {"online": False, "points": [], "calls": []}
    finally:
        relay.close()
        clinic.dispose()
