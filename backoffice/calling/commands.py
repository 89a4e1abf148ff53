"""``backoffice calling``: waiting-room screens and the announcement clips.

* ``backoffice calling screen add NAME [--base-url URL]``: a new screen; prints its URL
  once (the token is not kept, only its hash).
* ``backoffice calling screen list`` / ``screen revoke ID``.
* ``backoffice calling voice render [DIR]``: speak the announcement clips with
  espeak-ng (build time; default ``<data_dir>/calling-voice``).
* ``backoffice calling voice say NUMBER POINT [COUNTER] --out FILE``: one announcement
  to a WAV file, as the board would play it (to listen to, or for the demo).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from backoffice.calling.line import UnknownPoint, check_place
from backoffice.calling.screens import add_screen, list_screens, revoke_screen
from backoffice.calling.tables import ensure_calling_tables
from backoffice.calling.voice import assemble, clip_dirs, clip_order, render_clips, rendered_dir
from backoffice.web.audit import audit_from_settings
from backoffice.web.tables import ensure_web_tables
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from common.speech.engine import RenderError
from integrations.jhcis.clinic import ClinicDatabase


class CallingOption(BilingualError):
    code = "calling.option"
    message_th = "คำสั่งเรียกคิวไม่ถูกต้อง กรุณาตรวจสอบชื่อจุดบริการ หมายเลขช่อง หรือรหัสจอ"
    message_en = "The calling command is not valid: check the service point, counter or screen id."


class VoiceRenderFailed(BilingualError):
    code = "calling.voice"
    message_th = "สร้างเสียงเรียกคิวไม่สำเร็จ กรุณาติดตั้ง espeak-ng (apt-get install espeak-ng)"
    message_en = (
        "Could not render the calling voice: install espeak-ng (apt-get install espeak-ng)."
    )


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("calling", help="queue calling: display screens, voice clips")
    sub = group.add_subparsers(dest="calling_command", required=True)

    screen = sub.add_parser("screen", help="waiting-room screens")
    screens = screen.add_subparsers(dest="screen_command", required=True)
    add = screens.add_parser("add", help="a new screen; prints its URL once")
    add.add_argument("name", help="where the screen is, e.g. ห้องรอตรวจ")
    add.add_argument("--base-url", default="", help="the backoffice's address for the URL")
    add_db_argument(add)
    add_json_argument(add)
    add.set_defaults(handler=screen_add_command)
    listing = screens.add_parser("list", help="the screens and whether they are revoked")
    add_db_argument(listing)
    add_json_argument(listing)
    listing.set_defaults(handler=screen_list_command)
    revoke = screens.add_parser("revoke", help="stop a screen's URL from opening the board")
    revoke.add_argument("id", type=int)
    add_db_argument(revoke)
    add_json_argument(revoke)
    revoke.set_defaults(handler=screen_revoke_command)

    voice = sub.add_parser("voice", help="the announcement clips")
    voices = voice.add_subparsers(dest="voice_command", required=True)
    render = voices.add_parser("render", help="speak every clip with espeak-ng (build time)")
    render.add_argument("dir", nargs="?", type=Path, help="default <data_dir>/calling-voice")
    render.set_defaults(handler=voice_render_command)
    say = voices.add_parser("say", help="one announcement to a WAV file")
    say.add_argument("number", type=int)
    say.add_argument("point", help="a service point's code from [calling]")
    say.add_argument("counter", type=int, nargs="?")
    say.add_argument("--out", type=Path, required=True)
    say.set_defaults(handler=voice_say_command)


def _clinic(args: argparse.Namespace, settings: Settings) -> ClinicDatabase:
    clinic = ClinicDatabase.from_settings(settings, url=getattr(args, "db", None) or None)
    ensure_calling_tables(clinic.engine)
    return clinic


def _audit_screen(clinic: ClinicDatabase, settings: Settings, action: str, **what: Any) -> None:
    """Who may open the board changed: in the audit trail, as staff actions are."""
    ensure_web_tables(clinic.engine)
    audit_from_settings(clinic.engine, settings).record(
        action, username="(cli)", role=None, target=f"screen/{what['id']}", detail=what
    )


def screen_add_command(args: argparse.Namespace, settings: Settings) -> int:
    name = str(args.name).strip()
    if not name:
        return fail(CallingOption("empty name"), as_json=args.json)
    clinic = _clinic(args, settings)
    try:
        screen, token = add_screen(clinic.engine, name, dt.datetime.now())
        _audit_screen(clinic, settings, "calling_screen_add", id=screen.id, name=screen.name)
    finally:
        clinic.dispose()
    base = args.base_url.rstrip("/") or f"https://{settings.backoffice.host}:8443"
    url = f"{base}/display?s={token}"
    if args.json:
        print_json({"id": screen.id, "name": screen.name, "url": url})
    else:
        print(f"screen {screen.id} ({screen.name}): {url}")
        print("เปิด URL นี้บนจอ (เพิ่ม &lang=en สำหรับภาษาอังกฤษ); จะแสดงครั้งเดียวเท่านั้น")
        print("Open this URL on the screen (add &lang=en for English); it is shown only once.")
    return 0


def screen_list_command(args: argparse.Namespace, settings: Settings) -> int:
    clinic = _clinic(args, settings)
    try:
        screens = list_screens(clinic.engine)
    finally:
        clinic.dispose()
    rows = [
        {"id": s.id, "name": s.name, "created_at": s.created_at, "revoked_at": s.revoked_at}
        for s in screens
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
            print(f"{row['id']:4} {row['name']}  ({state})")
    return 0


def screen_revoke_command(args: argparse.Namespace, settings: Settings) -> int:
    clinic = _clinic(args, settings)
    try:
        done = revoke_screen(clinic.engine, args.id, dt.datetime.now())
        if done:
            _audit_screen(clinic, settings, "calling_screen_revoke", id=args.id)
    finally:
        clinic.dispose()
    if not done:
        return fail(CallingOption(f"screen {args.id}"), as_json=args.json)
    if args.json:
        print_json({"id": args.id, "revoked": True})
    else:
        print(f"screen {args.id} revoked")
    return 0


def voice_render_command(args: argparse.Namespace, settings: Settings) -> int:
    target = args.dir or rendered_dir(settings)
    try:
        made = render_clips(target, settings.calling)
    except RenderError as exc:
        return fail(VoiceRenderFailed(str(exc)[:200]), as_json=False)
    print(f"{len(made)} clips in {target}")
    return 0


def voice_say_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        check_place(settings.calling, args.point, args.counter)
    except UnknownPoint:
        return fail(CallingOption(f"{args.point}/{args.counter}"), as_json=False)
    names = clip_order(settings.calling, args.number, args.point, args.counter)
    spoken = assemble(names, clip_dirs(settings))
    args.out.write_bytes(spoken.wav_bytes)
    print(f"{args.out}: {spoken.duration_s:.2f} s; clips: {' '.join(spoken.used)}")
    if spoken.missing:
        print(f"missing (render them: backoffice calling voice render): {' '.join(spoken.missing)}")
    return 0
