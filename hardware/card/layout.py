"""Where each field lives in the MOI applet's binary area, and how to read it.

Offsets and lengths are protocol facts gathered from several independent public
readers (see shared/reference/card-printer-kiosk.md §1.4). The fields are
contiguous, so one read can return several of them; a read returns at most
``MAX_READ`` bytes (the Le of a short APDU as used by every known reader).
"""

from __future__ import annotations

from dataclasses import dataclass

MOI_AID = bytes.fromhex("A000000054480001")
NHSO_AID = bytes.fromhex("A000000054480083")
MAX_READ = 0xFF


@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    length: int

    @property
    def end(self) -> int:
        return self.offset + self.length


CID = Field("cid", 0x0004, 13)
NAME_TH = Field("name_th", 0x0011, 100)
NAME_EN = Field("name_en", 0x0075, 100)
BIRTH_DATE = Field("birth_date", 0x00D9, 8)
SEX = Field("sex", 0x00E1, 1)
REQUEST_NO = Field("request_no", 0x00E2, 20)  # meaning inferred; read only as filler
ISSUER = Field("issuer", 0x00F6, 100)
OFFICER = Field("officer", 0x015A, 13)  # meaning inferred; read only as filler
ISSUE_DATE = Field("issue_date", 0x0167, 8)
EXPIRE_DATE = Field("expire_date", 0x016F, 8)
PHOTO = Field("photo", 0x017B, 0x1579 - 0x017B)  # JPEG, padded after its FF D9
ADDRESS = Field("address", 0x1579, 100)

# NHSO (สปสช.) applet: the rights recorded on the card when it was last updated.
NHSO_MAIN_INSCL = Field("main_inscl", 0x0004, 0x3C)
NHSO_SUB_INSCL = Field("sub_inscl", 0x0040, 0x64)
NHSO_MAIN_HOSPITAL = Field("main_hospital", 0x00A4, 0x50)
NHSO_SUB_HOSPITAL = Field("sub_hospital", 0x00F4, 0x50)
NHSO_PAID_TYPE = Field("paid_type", 0x0144, 1)
NHSO_ISSUE_DATE = Field("nhso_issue_date", 0x0145, 8)
NHSO_EXPIRE_DATE = Field("nhso_expire_date", 0x014D, 8)
NHSO_UPDATE_DATE = Field("nhso_update_date", 0x0155, 8)
NHSO_CHANGE_COUNT = Field("change_hospital_count", 0x015D, 1)
NHSO_FIELDS: tuple[Field, ...] = (
    NHSO_MAIN_INSCL,
    NHSO_SUB_INSCL,
    NHSO_MAIN_HOSPITAL,
    NHSO_SUB_HOSPITAL,
    NHSO_PAID_TYPE,
    NHSO_ISSUE_DATE,
    NHSO_EXPIRE_DATE,
    NHSO_UPDATE_DATE,
    NHSO_CHANGE_COUNT,
)

IDENTITY_FIELDS: tuple[Field, ...] = (
    CID,
    NAME_TH,
    NAME_EN,
    BIRTH_DATE,
    SEX,
    ISSUER,
    ISSUE_DATE,
    EXPIRE_DATE,
    ADDRESS,
)
# How the common open-source readers fetch the photo: 20 chunks of 255 bytes.
PHOTO_CHUNKS_FIELD_BY_FIELD: tuple[Field, ...] = tuple(
    Field(f"photo{i}", PHOTO.offset + (i - 1) * MAX_READ, MAX_READ) for i in range(1, 21)
)


@dataclass(frozen=True)
class Span:
    """One read: ``length`` bytes from ``offset`` (length <= MAX_READ)."""

    offset: int
    length: int

    @property
    def end(self) -> int:
        return self.offset + self.length


def merge_fields(fields: tuple[Field, ...] | list[Field], *, max_gap: int = 32) -> list[Span]:
    """The fewest reads that cover ``fields``.

    Fields closer than ``max_gap`` bytes are merged into one region (reading a few
    unused bytes is cheaper than another pair of exchanges); each region is then
    cut into reads of at most MAX_READ bytes.
    """
    regions: list[list[int]] = []
    for f in sorted(fields, key=lambda f: f.offset):
        if regions and f.offset - regions[-1][1] <= max_gap:
            regions[-1][1] = max(regions[-1][1], f.end)
        else:
            regions.append([f.offset, f.end])
    spans: list[Span] = []
    for start, end in regions:
        spans.extend(_cut(start, end))
    return spans


def field_spans(f: Field) -> list[Span]:
    """The reads for one field alone."""
    return _cut(f.offset, f.end)


def _cut(start: int, end: int) -> list[Span]:
    # Equal-sized reads: no tiny trailing read, same exchange count.
    total = end - start
    count = -(-total // MAX_READ)
    spans = []
    offset = start
    for i in range(count):
        length = total // count + (1 if i < total % count else 0)
        spans.append(Span(offset, length))
        offset += length
    return spans


def plan(*, photo: bool) -> list[Span]:
    """Reads for the identity fields (and the photo): the combined plan."""
    fields = list(IDENTITY_FIELDS)
    if photo:
        fields.append(PHOTO)
    return merge_fields(fields)


def field_by_field_plan(*, photo: bool) -> list[Span]:
    """One read per field, photo in 20 chunks: the baseline of the benchmark."""
    fields = list(IDENTITY_FIELDS)
    if photo:
        fields.extend(PHOTO_CHUNKS_FIELD_BY_FIELD)
    return [Span(f.offset, f.length) for f in fields]
