"""The card reader and the card monitor ports over ``hardware.card`` (PC/SC).

:class:`PcscCardReader` reads the MOI applet once per check-in and hands the flow an
:class:`~kiosk.ports.Identity`; :class:`PcscCardMonitor` turns the hardware
monitor's inserted/removed events into the controller's callbacks. A card that goes
during the read is ``CardRemovedFailure``; anything else the card or reader does wrong
is ``CardReadFailure`` (the patient is asked to insert it again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from hardware.card import CardData, CardError, CardRemoved, NoCard
from kiosk.ports import CardReadFailure, CardRemovedFailure, Identity

if TYPE_CHECKING:
    from hardware.card import CardEvent, CardMonitor

log = logging.getLogger(__name__)

SEX_CODES = {"male": "1", "female": "2"}  # JHCIS's person.sex


def identity_from_card(data: CardData) -> Identity:
    """The kiosk's view of a card read (CE dates; a year-only birth date is its year)."""
    birth = data.birth_date.to_date() if data.birth_date is not None else None
    return Identity(
        cid=data.cid,
        title_th=data.title_th,
        first_th=" ".join(p for p in (data.first_name_th, data.middle_name_th) if p),
        last_th=data.last_name_th,
        first_en=" ".join(p for p in (data.first_name_en, data.middle_name_en) if p),
        last_en=data.last_name_en,
        birth_date=birth,
        sex=SEX_CODES.get(data.sex, ""),
        # '#' separates the parts on the card; the walk-in registration parses this line.
        address="#".join(
            getattr(data.address, part)
            for part in ("house_no", "moo", "soi", "road", "subdistrict", "district", "province")
        ),
        title_en=data.title_en,
        birth_year=data.birth_date.year if data.birth_date is not None else None,
        photo=data.photo or None,
    )


class PcscCardReader:
    """CardReader port: one validated read of the card in `reader_name` (None = any)."""

    def __init__(
        self, reader_name: str | None = None, *, retries: int = 1, photo: bool = False
    ) -> None:
        from hardware.card import ThaiIdCardReader

        self.reader_name = reader_name or None
        self.photo = photo  # the clinic's consent setting: the photo costs ~0.8 s to read
        self._reader = ThaiIdCardReader(self.reader_name, retries=retries)

    def read(self) -> Identity:
        try:
            data = self._reader.read(photo=self.photo)
        except (CardRemoved, NoCard) as exc:
            raise CardRemovedFailure(exc.code) from None
        except CardError as exc:
            raise CardReadFailure(exc.code) from None
        return identity_from_card(data)


class PcscCardMonitor:
    """CardMonitor port over :class:`hardware.card.CardMonitor` (its own thread).

    A card already in the reader when the monitor starts is reported as an insertion
    (the hardware monitor starts from "no card known"). The reader coming and going
    (unplugged, pcscd restarting) goes to the :meth:`on_presence` listeners at once.
    """

    def __init__(self, reader_name: str | None = None, *, settle_s: float = 0.5) -> None:
        self.reader_name = reader_name or None
        self.settle_s = settle_s
        self._monitor: CardMonitor | None = None
        self._presence: list[Callable[[bool], None]] = []

    def on_presence(self, listener: Callable[[bool], None]) -> None:
        """Call `listener(connected)` on the monitor's thread when the reader comes or goes."""
        self._presence.append(listener)

    def start(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        from hardware.card import CardEventKind, CardMonitor

        def deliver(event: CardEvent) -> None:
            if event.kind is CardEventKind.INSERTED:
                on_inserted()
            elif event.kind is CardEventKind.REMOVED:
                on_removed()
            else:
                connected = event.kind is CardEventKind.READER_PRESENT
                for listener in list(self._presence):
                    listener(connected)

        self.stop()
        self._monitor = CardMonitor(
            self.reader_name, settle_s=self.settle_s, on_event=deliver, reader_events=True
        )
        self._monitor.start()

    @property
    def connected(self) -> bool | None:
        """Whether the watched reader is there (None before the monitor started)."""
        monitor = self._monitor
        if monitor is None or not monitor.running:
            return None
        return monitor.reader_name is not None

    def stop(self) -> None:
        monitor, self._monitor = self._monitor, None
        if monitor is not None:
            monitor.stop()
