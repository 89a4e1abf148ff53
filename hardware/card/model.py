"""What a Thai ID card says about its holder, as plain immutable data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from common.cid import mask_cid, mask_name
from common.thaidate import PartialDate, format_date_th

Sex = Literal["male", "female"]

JSON_KEYS: tuple[str, ...] = (
    "cid",
    "title_th",
    "first_name_th",
    "middle_name_th",
    "last_name_th",
    "title_en",
    "first_name_en",
    "middle_name_en",
    "last_name_en",
    "birth_date",
    "sex",
    "issuer",
    "issue_date",
    "expire_date",
    "address",
)
ADDRESS_KEYS: tuple[str, ...] = (
    "house_no",
    "moo",
    "soi",
    "road",
    "subdistrict",
    "district",
    "province",
)


@dataclass(frozen=True)
class Address:
    """Address parts as printed on the card (words like หมู่ที่/ตำบล are kept)."""

    house_no: str = ""
    moo: str = ""
    soi: str = ""
    road: str = ""
    subdistrict: str = ""
    district: str = ""
    province: str = ""

    def to_json_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in ADDRESS_KEYS}

    def one_line(self) -> str:
        return " ".join(p for p in (getattr(self, k) for k in ADDRESS_KEYS) if p)


@dataclass(frozen=True)
class NhsoCardData:
    """The NHSO applet: rights as last written to the card (may be out of date).

    Meanings of ``paid_type`` and the change counter are not documented publicly;
    they are passed on as found. Dates are CE, None when blank.
    """

    main_inscl: str
    sub_inscl: str
    main_hospital: str
    sub_hospital: str
    paid_type: str
    issue_date: dt.date | None
    expire_date: dt.date | None
    update_date: dt.date | None
    change_hospital_count: int | None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "main_inscl": self.main_inscl,
            "sub_inscl": self.sub_inscl,
            "main_hospital": self.main_hospital,
            "sub_hospital": self.sub_hospital,
            "paid_type": self.paid_type,
            "issue_date": _iso(self.issue_date),
            "expire_date": _iso(self.expire_date),
            "update_date": _iso(self.update_date),
            "change_hospital_count": self.change_hospital_count,
        }


@dataclass(frozen=True)
class CardData:
    """One complete, validated read of the MOI applet.

    ``birth_date`` is a :class:`PartialDate` because cards of older people carry
    only a year or a year and month; ``expire_date`` is None on a lifetime card;
    ``issue_date`` is None when the card carries no usable date. All are CE.
    """

    cid: str
    title_th: str
    first_name_th: str
    middle_name_th: str
    last_name_th: str
    title_en: str
    first_name_en: str
    middle_name_en: str
    last_name_en: str
    birth_date: PartialDate | None
    sex: Sex
    issuer: str
    issue_date: dt.date | None
    expire_date: dt.date | None
    address: Address = field(default_factory=Address)
    photo: bytes | None = field(default=None, repr=False)
    atr: bytes = field(default=b"", repr=False)
    nhso: NhsoCardData | None = field(default=None, repr=False)  # only when asked for

    def __repr__(self) -> str:  # a stray repr in a log line must not carry the person
        return f"CardData(cid={mask_cid(self.cid)}, photo={'yes' if self.photo else 'no'})"

    __str__ = __repr__

    def to_json_dict(self) -> dict[str, Any]:
        """The ``read --json`` contract: CE ISO dates, empty strings for missing parts.

        An ``nhso`` object is added only when the NHSO applet was read.
        """
        data: dict[str, Any] = {
            "cid": self.cid,
            "title_th": self.title_th,
            "first_name_th": self.first_name_th,
            "middle_name_th": self.middle_name_th,
            "last_name_th": self.last_name_th,
            "title_en": self.title_en,
            "first_name_en": self.first_name_en,
            "middle_name_en": self.middle_name_en,
            "last_name_en": self.last_name_en,
            "birth_date": self.birth_date.iso() if self.birth_date else None,
            "sex": self.sex,
            "issuer": self.issuer,
            "issue_date": _iso(self.issue_date),
            "expire_date": _iso(self.expire_date),
            "address": self.address.to_json_dict(),
        }
        if self.nhso is not None:
            data["nhso"] = self.nhso.to_json_dict()
        return data

    @property
    def full_name_th(self) -> str:
        return _join(self.title_th + self.first_name_th, self.middle_name_th, self.last_name_th)

    @property
    def full_name_en(self) -> str:
        return _join(self.title_en, self.first_name_en, self.middle_name_en, self.last_name_en)

    def sensitive_values(self) -> list[str]:
        """Names to hand to ``common.logs.register_sensitive`` (not house numbers: too short)."""
        return [
            self.first_name_th,
            self.middle_name_th,
            self.last_name_th,
            self.first_name_en,
            self.middle_name_en,
            self.last_name_en,
        ]

    def is_expired(self, on: dt.date) -> bool:
        return self.expire_date is not None and self.expire_date < on

    def summary(self, *, show_pii: bool = False) -> str:
        """A few human-readable lines; CID and names masked unless asked otherwise."""
        if show_pii:
            cid, name_th, name_en = self.cid, self.full_name_th, self.full_name_en
        else:
            cid = mask_cid(self.cid)
            name_th = mask_name(self.first_name_th, self.last_name_th, self.title_th)
            name_en = mask_name(self.first_name_en, self.last_name_en, self.title_en)
        address = self.address.one_line() if show_pii else self.address.province
        birth = self.birth_date.iso() if self.birth_date else "-"
        expire = format_date_th(self.expire_date) if self.expire_date else "ตลอดชีพ (lifetime)"
        lines = [
            f"เลขประจำตัวประชาชน / CID: {cid}",
            f"ชื่อ / Name: {name_th} / {name_en}",
            f"เกิด / Born: {birth}  เพศ / Sex: {self.sex}",
            f"บัตรหมดอายุ / Expires: {expire}",
            f"ที่อยู่ / Address: {address or '-'}",
            f"รูปถ่าย / Photo: {len(self.photo)} bytes" if self.photo else "รูปถ่าย / Photo: -",
        ]
        if self.nhso is not None:
            lines.append(f"สิทธิในบัตร / NHSO on card: {self.nhso.main_inscl or '-'}")
        return "\n".join(lines)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
