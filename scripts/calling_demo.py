"""The demo's queue call: the demo patient called at the first service point, the
waiting-room board's screenshot and the announcement audio, into demo-out/.

Run by scripts/demo.sh after the kiosk demo, on the same demo database (it reads the
visit the kiosk opened from demo-out/summary.json). The board is served by the real
backoffice app under uvicorn and photographed by Debian's Chromium through Playwright;
without Chromium only the audio is written. It runs only on the embedded demo database
(never a clinic's JHCIS: it calls a patient and adds a screen), and revokes the screen it
added when done. Usage: calling_demo.py DEMO_OUT
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from backoffice.app import build_deps
from backoffice.calling import line
from backoffice.calling.arrivals import take_in_arrivals
from backoffice.calling.screens import add_screen, revoke_screen
from backoffice.calling.voice import assemble, clip_dirs, clip_order, render_clips, rendered_dir
from backoffice.testing import running_server
from backoffice.web.deps import WebDeps
from common.config import Settings, load_settings

CHROMIUM = "/usr/bin/chromium"
SHOT_SIZE = (1920, 1080)


def main(out: Path) -> int:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    visit = summary.get("visit") or {}
    if not visit.get("visitno"):
        print("calling demo: the kiosk demo opened no visit; nothing to call", file=sys.stderr)
        return 1
    day = dt.date.fromisoformat((summary.get("database_row") or {})["visitdate"])
    with tempfile.TemporaryDirectory(prefix="calling-demo-") as scratch:
        # The demo's own session and audit keys: never the machine's secrets file.
        settings = load_settings().model_copy(
            update={"secrets_file": Path(scratch) / "secrets.toml"}
        )
        if not settings.is_demo_db:
            print(
                "calling demo: refused: [database] url is set; the demo calls a patient and"
                " adds a screen, so it runs only on the embedded demo database",
                file=sys.stderr,
            )
            return 2
        now = dt.datetime.combine(day, dt.datetime.now().time())
        deps = build_deps(settings, clock=lambda: now)
        try:
            return _call_and_show(deps, settings, out, visit, now)
        finally:
            deps.clinic.dispose()


def _call_and_show(
    deps: WebDeps, settings: Settings, out: Path, visit: dict[str, Any], now: dt.datetime
) -> int:
    calling = settings.calling
    engine = deps.clinic.engine
    take_in_arrivals(deps.clinic, calling, now.date(), now)
    ours = [
        e for e in line.entries(engine, now.date())
        if e.visitno == int(visit["visitno"]) and e.pcucode == visit.get("pcucode", e.pcucode)
    ]  # fmt: skip
    if not ours:
        print("calling demo: the demo visit is not in any line", file=sys.stderr)
        return 1
    entry = ours[0]
    if entry.status == line.WAITING:
        entry = line.call_this(engine, calling, entry.id, counter=1, username="demo", now=now)
    if not any(f.is_file() for f in rendered_dir(settings).glob("call-*.wav")):
        render_clips(rendered_dir(settings), calling)
    names = clip_order(calling, entry.queue_no, entry.point, entry.counter)
    spoken = assemble(names, clip_dirs(settings))
    (out / "calling").mkdir(exist_ok=True)
    audio = out / "calling" / "announcement.wav"
    audio.write_bytes(spoken.wav_bytes)
    (out / "calling" / "announcement.txt").write_text(
        f"{spoken.duration_s:.2f} s\n" + "\n".join(spoken.used) + "\n", encoding="utf-8"
    )
    print(f"calling demo: number {entry.number} called; {audio} ({spoken.duration_s:.1f} s)")
    if not Path(CHROMIUM).exists():
        print("calling demo: no Chromium, no board screenshot", file=sys.stderr)
        return 0
    screen, token = add_screen(engine, "demo", now)
    try:
        _photograph(deps, out, token)
    finally:
        revoke_screen(engine, screen.id, now)
    return 0


def _photograph(deps: WebDeps, out: Path, token: str) -> None:
    from playwright.sync_api import sync_playwright

    with running_server(deps) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for lang in ("th", "en"):
            page = browser.new_page(viewport={"width": SHOT_SIZE[0], "height": SHOT_SIZE[1]})
            page.goto(f"{url}/display?s={token}&lang={lang}")
            page.wait_for_selector(".board-latest-no")
            shot = out / "calling" / f"display-{lang}.png"
            page.screenshot(path=str(shot))
            print(f"calling demo: {shot}")
            page.close()
        browser.close()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-out")))
