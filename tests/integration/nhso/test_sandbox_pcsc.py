"""The sandbox agent reading a real PC/SC reader: the virtual card in vpcd slot 1."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import NoCard
from integrations.nhso.providers import AgentAuthenProvider
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import PcscCard, SandboxServer

from .people import UNKNOWN

pytestmark = pytest.mark.integration

DEMO_PROFILE = Path(__file__).resolve().parents[3] / "hardware/card/profiles/demo.json"


@pytest.fixture
def slot1(vpcd_ports: list[int]) -> tuple[int, str]:
    # Slot 0 belongs to the card reader's own tests; this one stays out of its way.
    from hardware.card.pcsc import wait_for_card

    port = vpcd_ports[1]
    reader = f"Virtual PCD 00 {port - vpcd_ports[0]:02d}"
    if not wait_for_card(reader, present=False, timeout_s=3):
        pytest.fail(f"{reader} holds a card before the test")
    return port, reader


@pytest.fixture
def pcsc_sandbox(slot1: tuple[int, str]) -> Iterator[SandboxServer]:
    server = SandboxServer(port=0, card_source=PcscCard(slot1[1])).start()
    yield server
    server.stop()


def test_virtual_card_gets_plain_ucs_rights_with_the_cards_names(
    slot1: tuple[int, str], pcsc_sandbox: SandboxServer
) -> None:
    from hardware.card.pcsc import wait_for_card
    from hardware.card.profile import CardProfile
    from hardware.card.virtual import VirtualCard

    profile = dataclasses.replace(CardProfile.load(DEMO_PROFILE), cid=UNKNOWN)
    provider = AgentAuthenProvider(AgentClient(pcsc_sandbox.url, limiter=TokenBucket(100)))
    card = VirtualCard(profile, port=slot1[0]).start()
    try:
        assert wait_for_card(slot1[1], present=True, timeout_s=5)
        rights = provider.rights(UNKNOWN)
        assert (rights.first_name, rights.last_name) == (
            profile.first_name_th,
            profile.last_name_th,
        )
        assert rights.main_inscl_code == "UCS" and rights.claim_types
        assert rights.birth_date is not None and rights.birth_date.year == 1980
    finally:
        card.stop()
    assert wait_for_card(slot1[1], present=False, timeout_s=5)
    with pytest.raises(NoCard):
        provider.rights(UNKNOWN)
    provider.close()
