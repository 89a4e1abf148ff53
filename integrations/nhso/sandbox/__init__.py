"""The NHSO sandbox (agent API and web APIs) used by the demo and the tests."""

from integrations.nhso.sandbox.cards import CardSource, CardView, FixedCard, PcscCard
from integrations.nhso.sandbox.eclaim import (
    DEFAULT_ECLAIM_PASSWORD,
    DEFAULT_ECLAIM_USERNAME,
    EclaimSandbox,
)
from integrations.nhso.sandbox.faults import Faults
from integrations.nhso.sandbox.server import DEFAULT_CARD_CID, DEFAULT_TOKEN, SandboxServer
from integrations.nhso.transport import SANDBOX_HEADER

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
