"""The rights and authen ports over ``integrations.nhso``'s :class:`AuthenProvider`.

Whatever way the clinic talks to NHSO (agent, endpoint, our sandbox), the flow sees
three answers: rights (empty claim types = no right), a claim code (``reused`` when
NHSO already had today's code for the claim type: the provider's no-double rule), or
one of two failures. NHSO that cannot be asked now (down, timeout, lost answer, the
agent not seeing the card, a token to renew) is ``NhsoUnavailable``: the visit opens
with the code pending and the backoffice catches up. NHSO answering no is
``NhsoRefused`` with NHSO's machine reason (never personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from integrations.nhso.errors import (
    AgentNotRunning,
    AuthenOutcomeUnknown,
    CardMismatch,
    MalformedResponse,
    NhsoError,
    NhsoTimeout,
    NoCard,
    NoReader,
    NoRights,
    NotConfigured,
    RateLimited,
    TokenInvalid,
)
from integrations.nhso.errors import NhsoUnavailable as ProviderUnavailable
from integrations.nhso.models import Rights as NhsoRights
from integrations.nhso.providers import AuthenProvider
from kiosk.ports import (
    AuthenOutcome,
    AuthenRequest,
    ClaimType,
    Identity,
    NhsoRefused,
    NhsoUnavailable,
    Rights,
)

# NHSO could not be asked, or its answer was lost: try again later, never refuse.
NOT_NOW: tuple[type[NhsoError], ...] = (
    AgentNotRunning,
    AuthenOutcomeUnknown,
    CardMismatch,
    MalformedResponse,
    NoCard,
    NoReader,
    NotConfigured,
    NhsoTimeout,
    ProviderUnavailable,
    RateLimited,
    TokenInvalid,
)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except NOT_NOW as exc:
        raise NhsoUnavailable(exc.code) from None
    except NhsoError as exc:
        raise NhsoRefused(exc.code) from None


@contextmanager
def _translated_except_no_rights() -> Iterator[None]:
    try:
        yield
    except NoRights:
        raise
    except NhsoError:
        with _translated():
            raise


def kiosk_rights(rights: NhsoRights, *, usable: bool = True) -> Rights:
    return Rights(
        claim_types=tuple(ClaimType(c.code, c.name) for c in rights.claim_types) if usable else (),
        main_inscl=rights.main_inscl_code or "",
        main_inscl_name=rights.main_inscl_name or "",
        sub_inscl=rights.sub_inscl_code or "",
        hosp_main=rights.hosp_main.hcode if rights.hosp_main else "",
        hosp_sub=rights.hosp_sub.hcode if rights.hosp_sub else "",
        correlation_id=rights.correlation_id or "",
    )


class ProviderRights:
    """RightsPort: NHSO's rights and the claim types this person may use today."""

    def __init__(self, provider: AuthenProvider) -> None:
        self.provider = provider

    def ping(self) -> None:
        """NhsoUnavailable(code) unless NHSO can be asked now (the device watcher's look:
        asks about nobody). The code says which hop failed: ``nhso.agent_not_running``
        for the agent, another ``nhso.*`` code for NHSO itself."""
        with _translated():
            self.provider.ping()

    def check(self, identity: Identity) -> Rights:
        try:
            with _translated_except_no_rights():
                return kiosk_rights(self.provider.rights(identity.cid))
        except NoRights as exc:
            # Still a person NHSO knows: the visit opens and staff finish at the counter.
            if exc.rights is None:
                return Rights(claim_types=())
            return kiosk_rights(exc.rights, usable=False)


class ProviderAuthen:
    """AuthenPort: one claim code per person, claim type and day (provider's rule)."""

    def __init__(
        self,
        provider: AuthenProvider,
        *,
        hcode: str | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.provider = provider
        self.hcode = hcode or None
        self.clock = clock

    def authenticate(self, request: AuthenRequest) -> AuthenOutcome:
        patient = request.patient
        with _translated():
            result = self.provider.authen(
                request.identity.cid,
                request.claim_type,
                request.mobile,
                hn=str(patient.pid) if patient.pid is not None else None,
                hcode=self.hcode,
                correlation_id=request.correlation_id or None,
            )
        return AuthenOutcome(
            claim_code=result.claim_code,
            claim_type=result.claim_type or request.claim_type,
            created_at=result.created_at or self.clock(),
            reused=result.existing,
        )
