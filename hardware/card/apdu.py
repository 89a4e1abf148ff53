"""The MOI applet conversation: SELECT, READ BINARY (80 B0), GET RESPONSE.

Works over any :class:`~hardware.card.transport.Transport`. Each read is one
command and, on T=0 cards, one GET RESPONSE; ``plan()`` keeps the number of reads
as small as the card allows. A card that rejects a combined read (wrong length or
parameters) is read again field by field, so an unexpected chip still works.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from .errors import BadResponse, CardReadFailed, NotThaiIdCard
from .layout import (
    IDENTITY_FIELDS,
    MOI_AID,
    NHSO_AID,
    NHSO_FIELDS,
    PHOTO,
    Field,
    Span,
    field_spans,
    merge_fields,
    plan,
)
from .model import CardData, NhsoCardData
from .parse import parse_card, parse_nhso
from .transport import Transport

log = logging.getLogger(__name__)

SW_OK = (0x90, 0x00)
_MAX_GET_RESPONSE = 8  # a card that keeps saying "more data" is broken


def select_command(aid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def read_command(offset: int, length: int) -> bytes:
    if not 0 < length <= 0xFF or not 0 <= offset <= 0xFFFF:
        raise ValueError("read out of range")
    return bytes([0x80, 0xB0, offset >> 8, offset & 0xFF, 0x02, 0x00, length])


def get_response_p2(atr: bytes) -> int:
    """GET RESPONSE P2: 01 for cards whose ATR starts 3B 67, else 00 (all cards seen)."""
    return 0x01 if atr[:2] == b"\x3b\x67" else 0x00


def get_response_command(p2: int, length: int) -> bytes:
    return bytes([0x00, 0xC0, 0x00, p2, length & 0xFF])


class StatusError(CardReadFailed):
    """The card answered with a status word that is not success."""

    def __init__(self, sw1: int, sw2: int, what: str) -> None:
        self.sw = (sw1, sw2)
        super().__init__(f"{what}: SW {sw1:02X}{sw2:02X}")


def _split(response: bytes, what: str) -> tuple[bytes, int, int]:
    if len(response) < 2:
        raise BadResponse(f"{what}: response of {len(response)} bytes")
    return response[:-2], response[-2], response[-1]


class MoiSession:
    """A selected MOI applet on one transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.p2 = get_response_p2(transport.atr)

    def select(self, aid: bytes = MOI_AID) -> None:
        _, sw1, sw2 = _split(self.transport.transmit(select_command(aid)), "select")
        if sw1 == 0x61 or (sw1, sw2) == SW_OK:
            return
        if sw1 == 0x6A:  # 6A82 file not found, 6A86 bad parameters: another kind of card
            raise NotThaiIdCard(f"select: SW {sw1:02X}{sw2:02X}")
        raise StatusError(sw1, sw2, "select")

    def read(self, offset: int, length: int) -> bytes:
        """Exactly ``length`` bytes from ``offset``, or an error; never fewer."""
        data, sw1, sw2 = _split(self.transport.transmit(read_command(offset, length)), "read")
        if sw1 == 0x6C and sw2:  # wrong Le: the card tells the right one; ask again once
            data, sw1, sw2 = _split(self.transport.transmit(read_command(offset, sw2)), "read")
        chunks = [data]
        rounds = 0
        while sw1 == 0x61:
            rounds += 1
            if rounds > _MAX_GET_RESPONSE:
                raise BadResponse("read: endless GET RESPONSE")
            want = sw2 or 0x100
            response = self.transport.transmit(get_response_command(self.p2, want))
            data, sw1, sw2 = _split(response, "get response")
            chunks.append(data)
        if (sw1, sw2) != SW_OK:
            raise StatusError(sw1, sw2, f"read {offset:04X}+{length}")
        result = b"".join(chunks)
        if len(result) != length:
            raise BadResponse(f"read {offset:04X}: {len(result)} bytes, expected {length}")
        return result

    def read_spans(self, spans: list[Span]) -> dict[int, bytes]:
        """offset -> bytes for each span."""
        return {s.offset: self.read(s.offset, s.length) for s in spans}


def _slice(blocks: dict[int, bytes], f: Field) -> bytes:
    """The bytes of ``f``, stitched from the reads that cover it (it may straddle two)."""
    out = bytearray()
    for start, data in sorted(blocks.items()):
        lo, hi = max(start, f.offset), min(start + len(data), f.end)
        if lo < hi:
            out += data[lo - start : hi - start]
    return bytes(out)


def read_fields(session: MoiSession, fields: list[Field], spans: list[Span]) -> dict[Field, bytes]:
    """Read ``spans`` and slice ``fields`` out of them; field by field if refused."""
    try:
        blocks = session.read_spans(spans)
    except StatusError as exc:
        if exc.sw[0] not in (0x67, 0x6B, 0x6C):
            raise
        log.warning("card refused a combined read (%s); reading field by field", exc.detail)
        blocks = {}
        for f in fields:
            for span in field_spans(f):
                blocks[span.offset] = session.read(span.offset, span.length)
    return {f: _slice(blocks, f) for f in fields}


def read_card_data(transport: Transport, *, photo: bool = False, nhso: bool = False) -> CardData:
    """SELECT the MOI applet, read the identity fields (and photo), validate.

    With ``nhso`` the NHSO applet is read afterwards in the same session; a card
    without that applet gives ``nhso=None`` rather than an error.
    """
    session = MoiSession(transport)
    session.select()
    fields = list(IDENTITY_FIELDS) + ([PHOTO] if photo else [])
    card = parse_card(read_fields(session, fields, plan(photo=photo)), atr=transport.atr)
    if not nhso:
        return card
    return replace(card, nhso=read_nhso_data(session))


def read_nhso_data(session: MoiSession) -> NhsoCardData | None:
    """The NHSO applet's record, or None when the card has no such applet."""
    try:
        session.select(NHSO_AID)
    except NotThaiIdCard:
        log.info("card has no NHSO applet")
        return None
    fields = list(NHSO_FIELDS)
    return parse_nhso(read_fields(session, fields, merge_fields(fields)))
