"""A card's content described in JSON, and the applet memory built from it.

Profile keys (all strings unless said): ``cid``, ``title_th``, ``first_name_th``,
``middle_name_th``, ``last_name_th``, the same four ``*_en``, ``birth_date``,
``issue_date``, ``expire_date`` (as on the card: Buddhist era ``YYYYMMDD``, so
``99999999`` for a lifetime card and ``25230000`` for a year-only birth date are
possible), ``sex`` (``male``/``female``), ``issuer``, ``address`` (an object with
``house_no, moo, soi, road, subdistrict, district, province``), optional ``photo``
(a JPEG path, relative to the profile file), optional ``atr`` (hex) and optional
``nhso`` (an object with ``main_inscl, sub_inscl, main_hospital, sub_hospital,
paid_type, issue_date, expire_date, update_date, change_hospital_count``, dates
BE ``YYYYMMDD``): without it the card has no NHSO applet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .layout import (
    ADDRESS,
    BIRTH_DATE,
    CID,
    EXPIRE_DATE,
    ISSUE_DATE,
    ISSUER,
    NAME_EN,
    NAME_TH,
    NHSO_FIELDS,
    PHOTO,
    SEX,
    Field,
)

NHSO_MEMORY_SIZE = 0x200
DEFAULT_ATR = bytes.fromhex("3B 79 96 00 00 54 48 20 4E 49 44 20 31 38")  # "TH NID 18"
MEMORY_SIZE = 0x1700
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEMO_PROFILE = PROFILES_DIR / "demo.json"


class ProfileError(ValueError):
    """A profile that cannot be put on a card (bad key, too long, unencodable)."""


@dataclass(frozen=True)
class CardProfile:
    cid: str
    title_th: str = ""
    first_name_th: str = ""
    middle_name_th: str = ""
    last_name_th: str = ""
    title_en: str = ""
    first_name_en: str = ""
    middle_name_en: str = ""
    last_name_en: str = ""
    birth_date: str = ""
    sex: str = "male"
    issuer: str = "กรมการปกครอง"
    issue_date: str = ""
    expire_date: str = ""
    address: dict[str, str] = field(default_factory=dict)
    nhso: dict[str, str] | None = None
    photo: bytes | None = field(default=None, repr=False)
    atr: bytes = DEFAULT_ATR

    @classmethod
    def from_dict(cls, data: dict[str, Any], base_dir: Path | None = None) -> CardProfile:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ProfileError(f"unknown profile keys: {', '.join(sorted(unknown))}")
        values = dict(data)
        photo = values.pop("photo", None)
        if isinstance(photo, str):
            path = Path(photo)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            try:
                values["photo"] = path.read_bytes()
            except OSError as exc:
                raise ProfileError(f"photo file unreadable: {exc.strerror}") from None
        elif photo is not None:
            raise ProfileError("photo is a file name")
        if "atr" in values:
            try:
                values["atr"] = bytes.fromhex(values["atr"])
            except (TypeError, ValueError):
                raise ProfileError("atr is not hex") from None
        if "cid" not in values:
            raise ProfileError("profile needs a cid")
        return cls(**values)

    @classmethod
    def load(cls, path: Path | str) -> CardProfile:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ProfileError(f"cannot read profile {path.name}: {exc}") from None
        if not isinstance(data, dict):
            raise ProfileError("a profile is a JSON object")
        return cls.from_dict(data, path.parent)


def _encode(text: str, f: Field) -> bytes:
    try:
        raw = text.encode("cp874")
    except UnicodeEncodeError:
        raise ProfileError(f"{f.name} has characters a card cannot carry") from None
    if len(raw) > f.length:
        raise ProfileError(f"{f.name} is longer than {f.length} bytes")
    return raw.ljust(f.length, b" ")


def _address_text(parts: dict[str, str]) -> str:
    keys = ("house_no", "moo", "soi", "road", None, "subdistrict", "district", "province")
    return "#".join(parts.get(k, "") if k else "" for k in keys)


def build_memory(profile: CardProfile) -> bytes:
    """The MOI applet's binary area for ``profile``."""
    memory = bytearray(b" " * MEMORY_SIZE)
    sex = {"male": "1", "female": "2"}.get(profile.sex, profile.sex)
    names = {
        NAME_TH: (profile.title_th, profile.first_name_th, profile.middle_name_th),
        NAME_EN: (profile.title_en, profile.first_name_en, profile.middle_name_en),
    }
    texts = {
        CID: profile.cid,
        NAME_TH: "#".join([*names[NAME_TH], profile.last_name_th]),
        NAME_EN: "#".join([*names[NAME_EN], profile.last_name_en]),
        BIRTH_DATE: profile.birth_date,
        SEX: sex,
        ISSUER: profile.issuer,
        ISSUE_DATE: profile.issue_date,
        EXPIRE_DATE: profile.expire_date,
        ADDRESS: _address_text(profile.address),
    }
    for f, text in texts.items():
        memory[f.offset : f.end] = _encode(text, f)
    photo_area = b"\x00" * PHOTO.length
    if profile.photo:
        if len(profile.photo) > PHOTO.length:
            raise ProfileError(f"photo is larger than {PHOTO.length} bytes")
        photo_area = profile.photo.ljust(PHOTO.length, b"\x00")
    memory[PHOTO.offset : PHOTO.end] = photo_area
    return bytes(memory)


def build_nhso_memory(profile: CardProfile) -> bytes | None:
    """The NHSO applet's binary area, or None for a card without one."""
    if profile.nhso is None:
        return None
    by_name = {f.name.removeprefix("nhso_"): f for f in NHSO_FIELDS}
    unknown = set(profile.nhso) - set(by_name)
    if unknown:
        raise ProfileError(f"unknown nhso keys: {', '.join(sorted(unknown))}")
    memory = bytearray(b" " * NHSO_MEMORY_SIZE)
    for name, value in profile.nhso.items():
        f = by_name[name]
        memory[f.offset : f.end] = _encode(str(value), f)
    return bytes(memory)
