"""The NHSO sandbox (agent API and web APIs) used by the demo and the tests."""

from backoffice.nhso.sandbox.cards import CardSource, CardView, FixedCard, PcscCard
from backoffice.nhso.sandbox.eclaim import (
    DEFAULT_ECLAIM_PASSWORD,
    DEFAULT_ECLAIM_USERNAME,
    EclaimSandbox,
)
from backoffice.nhso.sandbox.faults import Faults
from backoffice.nhso.sandbox.server import DEFAULT_CARD_CID, DEFAULT_TOKEN, SandboxServer
from backoffice.nhso.transport import SANDBOX_HEADER

__all__ = [
    "DEFAULT_CARD_CID",
    "DEFAULT_ECLAIM_PASSWORD",
    "DEFAULT_ECLAIM_USERNAME",
    "DEFAULT_TOKEN",
    "SANDBOX_HEADER",
    "CardSource",
    "CardView",
    "EclaimSandbox",
    "Faults",
    "FixedCard",
    "PcscCard",
    "SandboxServer",
]
