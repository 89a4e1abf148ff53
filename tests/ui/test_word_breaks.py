"""No line ends inside a word: every kiosk message as the kiosk's labels draw it at the
three kiosk screen sizes, and every text on the ticket at both paper widths.

Thai has no spaces between words, so "inside a word" is judged by the dictionary
segmenter the kiosk uses (common.line_breaks, ICU). A break inside a word is accepted
only where that word alone is wider than the line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageFont

from common.line_breaks import break_opportunities, clusters, segments
from hardware.printer import render as ticket_render
from hardware.printer.ticket import NextAppointment, TicketData
from tests.ui.conftest import run_offscreen

pytestmark = pytest.mark.ui

DRIVER = Path(__file__).with_name("word_break_driver.py")
FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")
KIOSK_SIZES = [(1280, 800), (1024, 600), (800, 1280)]
THAI = range(0x0E00, 0x0E80)


def line_starts(text: str, lines: list[str]) -> list[int]:
    """Where in `text` each line after the first starts (spaces dropped at a break
    are skipped); fails if the lines are not the text in order."""
    starts = []
    pos = 0
    for index, line in enumerate(lines):
        while not text.startswith(line, pos) and pos < len(text) and text[pos] in " \n":
            pos += 1
        assert text.startswith(line, pos), f"line {line!r} is not next in {text!r}"
        if index:
            starts.append(pos)
        pos += len(line)
    assert not text[pos:].strip(), f"{text[pos:]!r} was not drawn"
    return starts


def words_broken(text: str, lines: list[str], too_wide: set[str]) -> list[str]:
    """Each break inside a word, shown as 'before|after', unless the word is one of
    `too_wide` (wider than the line on its own) and the break falls between letters."""
    opportunities = set(break_opportunities(text))
    bad = []
    for start in line_starts(text, lines):
        if start in opportunities:
            continue
        word_start = max([0, *(o for o in opportunities if o < start)])
        word_end = min(o for o in opportunities if o > start)
        word = text[word_start:word_end].strip()
        between_letters = start - word_start in _cluster_ends(text[word_start:word_end])
        if word in too_wide and between_letters:
            continue
        bad.append(f"{text[word_start:start]}|{text[start:word_end]}".strip())
    return bad


def _cluster_ends(word: str) -> set[int]:
    ends, offset = set(), 0
    for cluster in clusters(word):
        offset += len(cluster)
        ends.add(offset)
    return ends


def test_the_check_sees_a_word_split() -> None:
    text = "เบอร์มือถือของท่านถูกต้องหรือไม่"
    assert words_broken(text, ["เบอร์มือถือของท่านถูก", "ต้องหรือไม่"], set()) == []
    assert words_broken(text, ["เบอร์มือถือของท่านถูกต้", "องหรือไม่"], set()) == ["ต้|อง"]
    assert words_broken("Insert the card", ["Insert the", "card"], set()) == []
    assert words_broken("Insert the card", ["Inse", "rt the card"], set()) == ["Inse|rt"]
    assert words_broken("Insert the card", ["Inse", "rt the card"], {"Insert"}) == []


@pytest.fixture(scope="module", params=KIOSK_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def kiosk_report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not FONT.exists():
        pytest.fail("fonts-thai-tlwg is not installed (scripts/install-system-deps.sh)")
    width, height = request.param
    tmp = tmp_path_factory.mktemp("words")
    report = tmp / "report.json"
    args = [str(DRIVER), "--width", str(width), "--height", str(height), "--report", str(report)]
    run_offscreen(args, tmp / "kivy")
    data: dict[str, Any] = json.loads(report.read_text())
    assert data["font_registered"]
    assert data["window"] == [width, height]
    return data


def test_kiosk_labels_break_lines_only_between_words(kiosk_report: dict[str, Any]) -> None:
    renders = kiosk_report["renders"]
    # Every message in both languages, and long Thai among them really wrapped.
    assert {r["lang"] for r in renders} == {"th", "en"}
    wrapped_thai = [
        r for r in renders if len(r["lines"]) > 1 and any(ord(c) in THAI for c in r["text"])
    ]
    assert len(wrapped_thai) > 20
    broken = {}
    for render in renders:
        bad = words_broken(render["text"], render["lines"], set(render["too_wide"]))
        if bad:
            broken[f"{render['key']}/{render['lang']}/{render['box']}"] = bad
    assert broken == {}, f"{len(broken)} labels break inside a word: {broken}"


def test_a_resized_label_wraps_again_between_words(kiosk_report: dict[str, Any]) -> None:
    resized = kiosk_report["resized"]
    assert resized
    for case in resized:
        before, after = case["before"], case["after"]
        assert after["room"] < before["room"]
        assert len(after["lines"]) > len(before["lines"]), case["key"]
        assert words_broken(after["text"], after["lines"], set(after["too_wide"])) == []


# A ticket with everything long that a clinic may configure or a database may hold.
LONG_TICKET = TicketData(
    clinic_name="โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านหนองบัวทองอำเภอเมืองจังหวัดขอนแก่น",
    queue_no="A012",
    issued_at=dt.datetime(2026, 11, 25, 9, 5),
    masked_name="นางสาว สมศรี ใ•••",
    right_name="สิทธิหลักประกันสุขภาพแห่งชาติ (ช่วงอายุ 12-59 ปี)",
    service_name="ตรวจรักษาทั่วไปและรับยาโรคเรื้อรังต่อเนื่อง",
    waiting_ahead=12,
    next_step="ไปที่จุดซักประวัติหน้าห้องตรวจโรคทั่วไปชั้นหนึ่งอาคารผู้ป่วยนอก",
    claim_code="PP1234567890",
    hn="000123",
    visitno=4567,
    footer="ขอบคุณที่ใช้บริการกรุณารอเรียกคิวหน้าห้องตรวจและเตรียมสมุดประจำตัวผู้ป่วยให้พร้อม",
    next_appointment=NextAppointment(
        dt.date(2026, 12, 9), "ตรวจติดตามความดันโลหิตสูงและเบาหวานพร้อมเจาะเลือดหลังอดอาหาร"
    ),
    sandbox=True,
)


@pytest.mark.parametrize("width", [384, 576], ids=["58mm", "80mm"])
@pytest.mark.parametrize("pending", [False, True], ids=["claim-code", "pending"])
def test_ticket_breaks_lines_only_between_words(
    width: int, pending: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = LONG_TICKET
    if pending:
        data = dataclasses.replace(data, claim_code=None, local_queue=True)
    laid_out: list[tuple[str, list[str], set[str]]] = []
    wrap = ticket_render.wrap

    def recording_wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
        lines = wrap(text, font, max_width)
        words = {w.strip() for w in segments(text) if font.getlength(w.strip()) > max_width}
        laid_out.append((text, lines, words))
        return lines

    monkeypatch.setattr(ticket_render, "wrap", recording_wrap)
    ticket_render.render_ticket(data, width)
    assert sum(len(lines) > 1 for _, lines, _ in laid_out) >= 4  # long Thai really wraps
    broken = {
        text: bad for text, lines, wide in laid_out if (bad := words_broken(text, lines, wide))
    }
    assert broken == {}
