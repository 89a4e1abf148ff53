"""Thai national ID card over PC/SC: reader, presence monitor, virtual card.

The kiosk uses :func:`read_card` / :class:`ThaiIdCardReader` and
:class:`CardMonitor`; tests and the demo use :class:`VirtualCard`. Importing this
package does not load pyscard: the reader and the monitor load it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    BadResponse,
    CardError,
    CardMalformed,
    CardReadFailed,
    CardRemoved,
    InvalidCid,
    NoCard,
    NoReader,
    NotThaiIdCard,
    ReaderServiceDown,
)
from .model import Address, CardData

if TYPE_CHECKING:
    from .applet import Fault
    from .monitor import CardEvent, CardEventKind, CardMonitor
    from .profile import CardProfile
    from .reader import ThaiIdCardReader, read_card
    from .virtual import VirtualCard

_LAZY = {
    "read_card": "reader",
    "ThaiIdCardReader": "reader",
    "CardMonitor": "monitor",
    "CardEvent": "monitor",
    "CardEventKind": "monitor",
    "VirtualCard": "virtual",
    "CardProfile": "profile",
    "Fault": "applet",
}

__all__ = [
    "Address",
    "BadResponse",
    "CardData",
    "CardError",
    "CardEvent",
    "CardEventKind",
    "CardMalformed",
    "CardMonitor",
    "CardProfile",
    "CardReadFailed",
    "CardRemoved",
    "Fault",
    "InvalidCid",
    "NoCard",
    "NoReader",
    "NotThaiIdCard",
    "ReaderServiceDown",
    "ThaiIdCardReader",
    "VirtualCard",
    "read_card",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
