"""`kiosk voice render [DIR]` and `kiosk voice play [NAME ...]`.

``render`` writes every clip with espeak-ng (default: ``<data_dir>/voice``, where the
kiosk looks). ``play`` sounds the clips the kiosk would use, with its volume and device,
one after the other: for judging them by ear at the clinic.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.config import Settings
from common.speech.engine import RenderError
from kiosk.voice.catalogue import LANGUAGES, describe, file_names
from kiosk.voice.clips import ClipLibrary, clip_dirs, rendered_dir
from kiosk.voice.player import AplayPlayer
from kiosk.voice.render import render_all
from kiosk.voice.settings import voice_settings

LONGEST_CLIP_S = 30.0


def render_command(args: argparse.Namespace, settings: Settings) -> int:
    out = Path(args.dir) if args.dir else rendered_dir(settings)
    try:
        rendered = render_all(out, tuple(args.language or LANGUAGES))
    except RenderError as exc:
        print(f"voice: {exc}", file=sys.stderr)
        return 2
    for clip in rendered:
        print(f"{clip.path}\t{clip.duration_s:.2f} s\t{describe(clip.path.name)}")
    return 0


def play_command(args: argparse.Namespace, settings: Settings) -> int:
    config = voice_settings(settings)
    if config.volume == 0:
        print("voice: the kiosk is silent (volume 0); playing at full volume to check")
    library = ClipLibrary(clip_dirs(settings), config.volume or 100)
    player = AplayPlayer(config.device)
    names = args.name or file_names()
    unknown = [name for name in names if name not in file_names()]
    if unknown:
        print(f"voice: no such clip: {', '.join(unknown)}", file=sys.stderr)
        return 2
    missing = 0
    try:
        for name in names:
            clip = library.path(name)
            if clip is None:
                print(f"{name}\t(missing)")
                missing += 1
                continue
            print(f"{name}\t{library.source(name)}\t{describe(name)}", flush=True)
            player.play(clip)
            player.wait(LONGEST_CLIP_S)
    finally:
        player.stop()
        library.close()
    return 1 if missing or player.failing else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    voice = sub.add_parser("voice", help="voice prompts: render them, or play them")
    voice_sub = voice.add_subparsers(dest="voice_command", required=True)
    render = voice_sub.add_parser("render", help="render every prompt with espeak-ng")
    render.add_argument("dir", nargs="?", help="output folder (default: <data_dir>/voice)")
    render.add_argument("--language", action="append", choices=LANGUAGES)
    render.set_defaults(handler=render_command)
    play = voice_sub.add_parser("play", help="play clips as the kiosk would (all by default)")
    play.add_argument("name", nargs="*", help="clip file names, e.g. insert_card.th.wav")
    play.set_defaults(handler=play_command)
