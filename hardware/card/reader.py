"""Reading a Thai ID card from a PC/SC reader: the API the kiosk uses."""

from __future__ import annotations

import logging
import time

from common.logs import register_sensitive

from .apdu import read_card_data
from .errors import BadResponse, CardError, CardReadFailed
from .model import CardData
from .pcsc import CardReset, PcscContext, ReaderBusy
from .transport import CountingTransport, RecordingTransport, Trace, Transport

log = logging.getLogger(__name__)


# Failures that a second attempt usually cures: another program reset the card or
# held the reader, or one exchange was garbled. A card that answers with bad data,
# a missing card or reader, or a pulled card is reported at once.
TRANSIENT: tuple[type[CardError], ...] = (CardReset, ReaderBusy, BadResponse)
RETRY_PAUSE_S = 0.2


class ThaiIdCardReader:
    """Reads the card in one reader (``reader_name`` exact or a substring; None = any).

    Each :meth:`read` opens a SHARED connection, reads inside one transaction and
    disconnects, leaving the card to other programs; a :data:`TRANSIENT` failure
    is retried up to ``retries`` times. ``last_exchanges`` and
    ``last_seconds`` describe the latest successful read; with ``record`` the
    exchanges of the latest attempt are kept in ``last_trace`` (personal data: for
    building replay tests from a real card, never for the kiosk).
    """

    def __init__(
        self, reader_name: str | None = None, *, retries: int = 1, record: bool = False
    ) -> None:
        self.reader_name = reader_name or None
        self.retries = retries
        self.record = record
        self.last_trace: Trace | None = None
        self.last_exchanges = 0
        self.last_seconds = 0.0

    def read(self, *, photo: bool = False, nhso: bool = False) -> CardData:
        """A validated :class:`CardData`, or a :class:`CardError` subclass."""
        attempt = 0
        try:
            while True:
                try:
                    data = self._read_once(photo, nhso)
                    break
                except TRANSIENT as exc:
                    if attempt >= self.retries:
                        raise
                    attempt += 1
                    log.info("card read failed (%s); trying again", exc.code)
                    time.sleep(RETRY_PAUSE_S)
        except CardError:
            raise
        except Exception as exc:  # never let a library surprise crash the kiosk
            log.exception("unexpected failure reading the card")
            raise CardReadFailed(type(exc).__name__) from None
        register_sensitive(data.sensitive_values())
        return data

    def _read_once(self, photo: bool, nhso: bool = False) -> CardData:
        started = time.monotonic()
        with PcscContext() as context:
            reader = context.pick_reader_with_card(self.reader_name)
            with context.connect(reader) as card, card.transaction():
                inner: Transport = card
                if self.record:
                    recorder = RecordingTransport(card)
                    self.last_trace, inner = recorder.trace, recorder
                counting = CountingTransport(inner)
                data = read_card_data(counting, photo=photo, nhso=nhso)
        self.last_exchanges = counting.exchanges
        self.last_seconds = time.monotonic() - started
        log.info(
            "card read: %d exchanges in %.0f ms%s",
            counting.exchanges,
            self.last_seconds * 1000,
            " with photo" if photo else "",
        )
        return data


def read_card(
    reader_name: str | None = None, *, photo: bool = False, nhso: bool = False
) -> CardData:
    """Read the card in ``reader_name`` (or the first reader holding a card)."""
    return ThaiIdCardReader(reader_name).read(photo=photo, nhso=nhso)
