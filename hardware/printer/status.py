"""What the printer says about itself (DLE EOT n=1..4 and GS r 1), read into one shape.

Reply bytes follow the ESC/POS pattern 0xx1xx10 for DLE EOT; anything else is treated
as no answer. A printer that cannot answer (a device file, CUPS, a printer without a
return channel) has an unknown status: printing then goes ahead, because the issue
asks to check "wherever the printer can answer".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from hardware.printer.errors import CoverOpen, PaperOut, PrinterOffline

DLE_EOT = b"\x10\x04"
GS_R = b"\x1dr"


def is_status_byte(value: int) -> bool:
    """DLE EOT replies always have bits 1 and 4 set and bits 0 and 7 clear."""
    return value & 0x93 == 0x12


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    """One reading. None means "the printer did not say"."""

    reachable: bool
    online: bool | None = None
    paper: PaperState = PaperState.UNKNOWN
    cover_open: bool | None = None
    error: bool | None = None

    @classmethod
    def unreachable(cls) -> PrinterStatus:
        return cls(reachable=False, online=False)

    @classmethod
    def unknown(cls) -> PrinterStatus:
        """Connected, but the printer cannot or did not answer status requests."""
        return cls(reachable=True)

    @classmethod
    def from_replies(
        cls, printer: int | None, offline: int | None, error: int | None, paper: int | None
    ) -> PrinterStatus:
        """Combine the replies to DLE EOT 1 (printer), 2 (offline cause), 3 (error), 4 (paper)."""
        online = None if printer is None else not printer & 0x08
        cover = None if offline is None else bool(offline & 0x04)
        paper_state = PaperState.UNKNOWN
        if paper is not None:
            paper_state = paper_from_eot4(paper)
        elif offline is not None and offline & 0x20:
            paper_state = PaperState.OUT
        failed: bool | None = None
        if offline is not None or error is not None:
            failed = bool((offline or 0) & 0x40) or bool((error or 0) & 0x2C)
        return cls(True, online, paper_state, cover, failed)

    @property
    def answered(self) -> bool:
        return self.online is not None

    @property
    def ready(self) -> bool:
        """Nothing known stands in the way of printing (unknown counts as ready)."""
        return (
            self.reachable
            and self.online is not False
            and self.paper is not PaperState.OUT
            and not self.cover_open
            and not self.error
        )

    @property
    def near_end(self) -> bool:
        return self.paper is PaperState.NEAR_END

    def raise_if_not_ready(self) -> None:
        """Raise the most specific error for what stops printing, if anything does."""
        if not self.reachable:
            raise PrinterOffline("printer not reachable")
        if self.cover_open:
            raise CoverOpen("printer reports cover open")
        if self.paper is PaperState.OUT:
            raise PaperOut("printer reports paper end")
        if self.online is False or self.error:
            raise PrinterOffline("printer reports offline or error")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["paper"] = self.paper.value
        data["ready"] = self.ready
        data["answered"] = self.answered
        return data


def paper_from_eot4(value: int) -> PaperState:
    """DLE EOT 4: bits 5-6 paper end, bits 2-3 paper near end."""
    if value & 0x60:
        return PaperState.OUT
    if value & 0x0C:
        return PaperState.NEAR_END
    return PaperState.OK


def paper_from_gs_r1(value: int) -> PaperState:
    """GS r 1 (sent after the job): bits 2-3 paper end, bits 0-1 near end."""
    if value & 0x0C:
        return PaperState.OUT
    if value & 0x03:
        return PaperState.NEAR_END
    return PaperState.OK
