"""`kiosk demo --out DIR`: the kiosk on the simulators, start to finish.

Without a display (no ``$DISPLAY``/``$WAYLAND_DISPLAY``, or ``--headless``) it performs
one scripted check-in through the real pieces: the virtual card goes in through pcscd
and vpcd and is read over PC/SC, the person is found or registered in the clinic
database, rights and the claim code come from the NHSO sandbox over HTTP, the visit is
opened with the claim fields, and the ticket is printed to the loopback ESC/POS
printer and decoded back to a picture. It writes to DIR:

* ``ticket.png``: the ticket as the printer received it (decoded from ESC/POS);
* ``screens/NN-<step>-<lang>.png``: every screen the check-in passed, Thai and English;
* ``audio/NN-<clip>.wav`` and ``audio/played.txt``: every voice prompt and tone the
  kiosk played, in order, with what each says (kiosk/README.md, "Voice");
* ``summary.json`` and ``summary.txt``: steps, claim code, visit and queue number,
  what the database and the QR say (names masked, no citizen ID).

With a display it opens the kiosk window; ``i`` inserts and ``r`` removes the card.
Exit status 0 only when the check-in ended with a printed ticket whose QR, the visit
row and the flow all carry the same claim code (or, on a repeat run the same day, the
reprint of today's visit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.config import Settings
from common.errors import BilingualError
from kiosk import flow as f

log = logging.getLogger(__name__)


@dataclass
class CheckinRecord:
    """What the demo saw of the check-in (no personal data beyond the masked name)."""

    steps: list[str] = field(default_factory=lambda: [f.Step.IDLE.value])
    session: f.Session | None = None
    counter_reason: str | None = None

    def observe(self, state: f.FlowState) -> None:
        if not self.steps or self.steps[-1] != state.step.value:
            self.steps.append(state.step.value)
        if state.session is not None and state.session.visit is not None:
            self.session = state.session
        if state.counter_reason is not None:
            self.counter_reason = state.counter_reason


class VirtualReaderMissing(BilingualError):
    code = "demo_no_virtual_reader"
    message_th = (
        "ไม่พบเครื่องอ่านบัตรเสมือน (pcscd + vsmartcard-vpcd) "
        "กรุณาเปิด pcscd ก่อน (make demo ในฐานะ root จะเปิดให้เอง)"
    )
    message_en = (
        "The virtual card reader (pcscd + vsmartcard-vpcd) is not there. "
        "Start pcscd first (make demo run as root starts it for you)."
    )


def wait_for_virtual_reader(reader_name: str, timeout_s: float = 10.0) -> None:
    """The demo's card goes through pcscd: say so plainly when pcscd or vpcd is missing."""
    from hardware.card import CardError
    from hardware.card.pcsc import PcscContext

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with PcscContext() as context:
                if reader_name in context.readers():
                    return
        except CardError:
            pass  # pcscd not (yet) reachable
        if time.monotonic() > deadline:
            raise VirtualReaderMissing(reader_name)
        time.sleep(0.25)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def decode_qr(image: Any) -> list[str]:
    """The QR codes' texts in a picture (zxing-cpp; empty when it is not installed)."""
    try:
        import zxingcpp
    except ImportError:
        log.warning("zxing-cpp not installed: the ticket's QR is not checked")
        return []
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def summarize(
    record: CheckinRecord, runtime: Any, out_dir: Path, screenshots: list[Path]
) -> dict[str, Any]:
    """Collect the evidence of one check-in: flow, database row, printed ticket."""
    session = record.session
    summary: dict[str, Any] = {
        "steps": record.steps,
        "screens": [str(p.relative_to(out_dir)) for p in screenshots],
        "nhso": "sandbox" if runtime.sandbox is not None else str(runtime.settings.nhso.mode),
        "card": "virtual (pcscd + vpcd)" if runtime.virtual_card is not None else "reader",
        "database": "demo SQLite" if runtime.settings.is_demo_db else "configured",
        "completed": "done" in record.steps,
        "counter_reason": record.counter_reason,
    }
    if session is None or session.visit is None:
        summary["error"] = "no visit was opened"
        return summary
    visit = session.visit
    authen = session.authen
    summary.update(
        masked_name=session.identity.masked_name if session.identity else "",
        newly_registered=bool(session.patient and session.patient.newly_registered),
        claim_type=session.claim_type.code if session.claim_type else None,
        authen_status=session.authen_status,
        claim_code=authen.claim_code if authen else visit.claim_code,
        reprint=session.reprint,
        visit={
            "pcucode": visit.pcucode,
            "visitno": visit.visitno,
            "queue": visit.queue_label,
            "local": visit.local,
        },
    )
    if not visit.local:
        row = runtime.clinic_db.get_visit(visit.pcucode, visit.visitno)
        claim = runtime.clinic_db.visit_claim(row)
        summary["database_row"] = {
            "visitno": row.visitno,
            "visitdate": row.visitdate.isoformat(),
            "claim_type": claim.claim_type,
            "claim_code": claim.claim_code,
            "main_inscl": claim.main_inscl,
        }
    ticket = _ticket_picture(runtime, out_dir)
    if ticket is not None:
        summary["ticket_png"] = str(ticket.relative_to(out_dir))
        from PIL import Image

        with Image.open(ticket) as picture:
            summary["ticket_qr"] = decode_qr(picture)
    return summary


def _ticket_picture(runtime: Any, out_dir: Path) -> Path | None:
    target = out_dir / "ticket.png"
    loopback = runtime.loopback
    if loopback is not None:
        try:
            jobs = loopback.wait_for_jobs(1, timeout=5)
        except TimeoutError:
            return None
        job = jobs[-1] if not loopback.jobs else loopback.jobs[-1]
        if job.image is None:
            return None
        job.image.save(target)
        return target
    result = runtime.printer.last
    path = getattr(result, "path", None) if result is not None else None
    if path is None:
        return None
    shutil.copyfile(path, target)
    return target


def verdict(summary: dict[str, Any]) -> str | None:
    """None when the evidence agrees, else what is wrong."""
    if summary.get("error"):
        return str(summary["error"])
    if not summary["completed"]:
        return f"the check-in ended at {summary['steps'][-2:]}"
    code = summary.get("claim_code")
    if summary.get("authen_status") in ("ok", "reused") and code:
        row = summary.get("database_row") or {}
        if row.get("claim_code") != code:
            return "the visit row does not carry the claim code"
        if "ticket_qr" in summary and summary["ticket_qr"] and summary["ticket_qr"] != [code]:
            return "the ticket's QR does not hold the claim code"
    if "ticket_png" not in summary:
        return "no ticket reached the printer"
    return None


def human_summary(summary: dict[str, Any]) -> str:
    visit = summary.get("visit") or {}
    lines = [
        "JHCIS kiosk demo: one check-in on the simulators",
        f"  screens passed : {' -> '.join(summary['steps'])}",
        f"  card           : {summary['card']}; NHSO: {summary['nhso']}; "
        f"database: {summary['database']}",
        f"  patient        : {summary.get('masked_name', '-')}"
        + (" (registered now as a walk-in)" if summary.get("newly_registered") else ""),
        f"  claim type     : {summary.get('claim_type') or '-'}",
        f"  claim code     : {summary.get('claim_code') or '(pending)'}"
        f" [{summary.get('authen_status')}]"
        + (" (reprint of today's visit)" if summary.get("reprint") else ""),
        f"  visit          : {visit.get('pcucode', '-')}/{visit.get('visitno', '-')}"
        f", queue {visit.get('queue', '-')}",
    ]
    row = summary.get("database_row")
    if row:
        lines.append(
            f"  database row   : visit {row['visitno']} on {row['visitdate']}, "
            f"claim {row['claim_type']} {row['claim_code'] or '(pending)'}"
        )
    if "ticket_png" in summary:
        qr = ", ".join(summary.get("ticket_qr") or []) or "(none)"
        lines.append(f"  ticket         : {summary['ticket_png']} (QR: {qr})")
    lines.append(f"  screenshots    : {len(summary['screens'])} in screens/")
    if "audio" in summary:
        lines.append(f"  voice          : {len(summary['audio'])} clips in audio/ (played.txt)")
    problem = summary.get("problem")
    lines.append(f"  result         : {'FAILED: ' + problem if problem else 'OK'}")
    return "\n".join(lines) + "\n"


def _tidy_names(screenshots: list[Path]) -> list[Path]:
    """Kivy numbers every screenshot (``name0001.png``); the step already says which."""
    tidy = []
    for path in screenshots:
        target = path.with_name(path.name.replace("0001.png", ".png"))
        if path.exists() and target != path:
            path.rename(target)
        tidy.append(target)
    return tidy


def run_headless(settings: Settings, out_dir: Path, *, timeout_s: float = 90.0) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # Kivy leaves Python's logging (level, handlers, the PII filter) as configured.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    from kiosk.app import build_controller, configure_kivy
    from kiosk.ui.scripted import scripted_checkin
    from kiosk.voice.player import RecordingPlayer
    from kiosk.voice.wiring import start_voice
    from kiosk.wiring import start_runtime

    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    screens = out_dir / "screens"
    if screens.exists():
        shutil.rmtree(screens)
    runtime = start_runtime(settings)
    try:
        if runtime.virtual_card is not None and runtime.reader_name:
            wait_for_virtual_reader(runtime.reader_name)
        shown = runtime.display_settings
        configure_kivy(shown)
        controller = build_controller(shown, runtime.services)
        voice = RecordingPlayer(out_dir / "audio")  # what the kiosk said, in order
        announcer = start_voice(shown, controller, player=voice)
        record = CheckinRecord()
        controller.subscribe(record.observe)
        run = scripted_checkin(
            shown,
            controller,
            insert=runtime.insert_card,
            remove=runtime.remove_card,
            out_dir=screens,
            timeout_s=timeout_s,
        )
        if announcer is not None:
            announcer.stop()
        summary = summarize(record, runtime, out_dir, _tidy_names(run.screenshots))
        summary["audio"] = voice.names
        if run.error:
            summary.setdefault("error", run.error)
    finally:
        runtime.close()
    summary["problem"] = verdict(summary)
    summary["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    text = human_summary(summary)
    (out_dir / "summary.txt").write_text(text, encoding="utf-8")
    print(text, end="")
    return 0 if summary["problem"] is None else 1


def run_windowed(settings: Settings) -> int:
    from kiosk.app import run
    from kiosk.wiring import start_runtime

    runtime = start_runtime(settings)
    try:
        print("i: insert the virtual card, r: remove it", file=sys.stderr)
        keys = {"i": runtime.insert_card, "r": runtime.remove_card}
        return run(runtime.display_settings, runtime.services, key_actions=keys)
    finally:
        runtime.close()


def demo_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.headless or not has_display():
            return run_headless(settings, Path(args.out))
        return run_windowed(settings)
    except BilingualError as exc:
        print(f"{exc.th}\n{exc.en}", file=sys.stderr)
        return 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="one check-in on the simulators (window, or headless)")
    demo.add_argument("--out", default="demo-out", help="where the ticket and screenshots go")
    demo.add_argument("--headless", action="store_true", help="scripted, even with a display")
    demo.set_defaults(handler=demo_command)
