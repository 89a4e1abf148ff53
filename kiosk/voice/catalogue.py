"""Everything the kiosk says or beeps, and the file each one lives in.

One place for the texts: the renderer speaks them, the README lists them, the demo's
``played.txt`` quotes them. A clinic replaces a clip by dropping a WAV file of the same
name into its voice folder (:mod:`kiosk.voice.clips`), so the names are stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["th", "en"]
LANGUAGES: tuple[Language, ...] = ("th", "en")


@dataclass(frozen=True)
class Prompt:
    name: str
    th: str
    en: str

    def text(self, language: Language) -> str:
        return self.th if language == "th" else self.en

    def file_name(self, language: Language) -> str:
        return f"{self.name}.{language}.wav"


@dataclass(frozen=True)
class Tone:
    """A short signal without words, the same in both languages."""

    name: str
    notes_hz: tuple[float, ...]
    note_s: float
    meaning: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.wav"

    @property
    def duration_s(self) -> float:
        return self.note_s * len(self.notes_hz)


Cue = Prompt | Tone

# Spoken numbers are written out: espeak-ng reads "10" digit by digit in some voices.
INSERT_CARD = Prompt(
    "insert_card",
    "กรุณาเสียบบัตรประชาชนที่ช่องด้านล่าง หันชิปขึ้น",
    "Please insert your Thai ID card in the slot below, chip facing up.",
)
CHOOSE_CLAIM_TYPE = Prompt(
    "choose_claim_type",
    "กรุณาเลือกประเภทการรับบริการ บนหน้าจอ",
    "Please choose the service you came for, on the screen.",
)
# The words of the buttons they name are kiosk/i18n.py's ("confirm": ใช่ เบอร์นี้).
CONFIRM_MOBILE = Prompt(
    "confirm_mobile",
    "เบอร์มือถือบนหน้าจอ เป็นเบอร์ของท่านไหม ถ้าใช่ กด ใช่ เบอร์นี้",
    "Is the mobile number on the screen yours? If it is, press Yes, this number.",
)
ENTER_MOBILE = Prompt(
    "enter_mobile",
    "กรุณากรอกเบอร์มือถือ สิบหลัก แล้วกดตกลง",
    "Please type your ten-digit mobile number, then press OK.",
)
TAKE_TICKET_AND_CARD = Prompt(
    "take_ticket_and_card",
    "กรุณารับบัตรคิว และดึงบัตรประชาชนออกด้วย",
    "Please take your queue ticket, and take your ID card too.",
)
GO_TO_COUNTER = Prompt(
    "go_to_counter",
    "กรุณาดึงบัตรประชาชนออก แล้วติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
    "Please take your ID card, and see the staff at the counter.",
)
CARD_ERROR = Prompt(
    "card_error",
    "อ่านบัตรไม่ได้ กรุณาดึงบัตรออก แล้วเสียบใหม่ หันชิปขึ้น",
    "The card could not be read. Please take it out and insert it again, chip facing up.",
)
STILL_THERE = Prompt(
    "still_there",
    "ยังทำต่ออยู่ไหม ถ้าทำต่อ กรุณาแตะหน้าจอ",
    "Are you still there? To carry on, please touch the screen.",
)
CANCELLED = Prompt(
    "cancelled",
    "ยกเลิกแล้ว ถ้าต้องการลงทะเบียน กรุณาเสียบบัตรใหม่",
    "Cancelled. To check in, please insert your card again.",
)
TAKE_CARD = Prompt(
    "take_card",
    "กรุณาดึงบัตรประชาชนออก",
    "Please take your ID card.",
)

PROMPTS: tuple[Prompt, ...] = (
    INSERT_CARD,
    CHOOSE_CLAIM_TYPE,
    CONFIRM_MOBILE,
    ENTER_MOBILE,
    TAKE_TICKET_AND_CARD,
    GO_TO_COUNTER,
    CARD_ERROR,
    STILL_THERE,
    CANCELLED,
    TAKE_CARD,
)

# A rising blip says "got it"; two falling notes say "something is wrong": told apart by
# their shape, not only their pitch, for listeners who hear high notes poorly.
CARD_READ_TONE = Tone("tone_card_read", (880.0, 1320.0), 0.07, "the card was read")
ERROR_TONE = Tone("tone_error", (523.0, 349.0), 0.18, "something went wrong")

TONES: tuple[Tone, ...] = (CARD_READ_TONE, ERROR_TONE)


def file_names(languages: tuple[Language, ...] = LANGUAGES) -> list[str]:
    """Every clip file, prompts in each language then tones."""
    names = [p.file_name(lang) for lang in languages for p in PROMPTS]
    return names + [t.file_name for t in TONES]


def describe(file_name: str) -> str:
    """What a clip says (its text, or a tone's meaning); empty for an unknown name."""
    for tone in TONES:
        if tone.file_name == file_name:
            return f"({tone.meaning})"
    for prompt in PROMPTS:
        for lang in LANGUAGES:
            if prompt.file_name(lang) == file_name:
                return prompt.text(lang)
    return ""
