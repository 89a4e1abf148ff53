"""What the kiosk asks of NHSO, whichever way the clinic talks to it.

:class:`AuthenProvider` is the one interface; :class:`AgentAuthenProvider` goes through
the Secure SmartCard Agent (a real one, or our sandbox), :class:`EndpointAuthenProvider`
uses NHSO's RealPerson / AuthenCode / check-authen-status web APIs with no agent at
all. :func:`authen_provider_from_settings` picks one from ``settings.nhso.mode``.

Both apply the no-double rule (:func:`authen_once`): a same-day code for the same
claim type is returned instead of asking again, and when an authen answer is lost
(timeout, dropped connection, 5xx) the provider looks the code up before it would
ever ask again; it asks again at most once, and only after a lookup that worked
said there is no code.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import httpx
from pydantic import SecretStr

from common.cid import is_valid_cid
from common.config import NhsoMode, Settings
from common.logs import register_sensitive
from common.secrets import Secrets
from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import (
    AlreadyAuthenticated,
    AuthenOutcomeUnknown,
    CardMismatch,
    InvalidCid,
    InvalidMobile,
    InvalidRequest,
    NhsoError,
    NoCard,
    NoReader,
    NoRights,
    NotConfigured,
)
from integrations.nhso.models import (
    AuthenCodeRequest,
    AuthenResult,
    ClaimType,
    ConfirmSaveRequest,
    Rights,
)
from integrations.nhso.ratelimit import shared_limiter
from integrations.nhso.web import NhsoUrls, NhsoWebClient

log = logging.getLogger(__name__)

GENERAL_VISIT = ClaimType(code="PG0060001", name="เข้ารับบริการรักษาทั่วไป (OPD/ IPD/ PP)")
SOURCE_ID = "JHCIS-KIOSK"
#: The token our sandbox accepts when no nhso_token secret is set (sandbox mode only).
SANDBOX_TOKEN = "sandbox-token"  # noqa: S105 - a public test value, not a credential

_MOBILE_RE = re.compile(r"^0\d{9}$")


@runtime_checkable
class AuthenProvider(Protocol):
    """Rights, authen and same-day lookups for one clinic."""

    #: "agent", "endpoint" or "sandbox"; screens say so when it is the sandbox.
    kind: str

    def rights(self, cid: str) -> Rights:
        """NHSO rights and claim types for `cid`; NoRights (with .rights) when none."""
        ...

    def authen(
        self,
        cid: str,
        claim_type: str,
        mobile: str,
        *,
        hn: str | None = None,
        hcode: str | None = None,
        correlation_id: str | None = None,
    ) -> AuthenResult:
        """A claim code for today, never a second one for the same claim type."""
        ...

    def latest(self, cid: str, day: dt.date) -> list[AuthenResult]:
        """This clinic's codes for `cid` on `day`, newest first."""
        ...

    def ping(self) -> None:
        """Return when NHSO (and the agent in front of it) answers; raise NhsoError otherwise.

        Cheap and about nobody: no citizen ID, no card read, no token sent.
        """
        ...

    def close(self) -> None: ...


def check_cid(cid: str) -> str:
    cid = cid.strip()
    if not is_valid_cid(cid):
        raise InvalidCid("citizen ID fails the checksum")
    return cid


def check_mobile(mobile: str) -> str:
    digits = re.sub(r"[\s-]", "", mobile)
    if not _MOBILE_RE.match(digits):
        raise InvalidMobile("mobile must be 10 digits starting with 0")
    return digits


def same_day(results: list[AuthenResult], claim_type: str, day: dt.date) -> AuthenResult | None:
    for result in results:
        if result.claim_type == claim_type and result.on_day(day):
            return result.model_copy(update={"existing": True})
    return None


def authen_once(
    issue: Callable[[], AuthenResult],
    lookup: Callable[[], list[AuthenResult]],
    claim_type: str,
    today: dt.date,
    *,
    retries: int = 1,
) -> AuthenResult:
    """The no-double rule around a non-idempotent `issue`.

    `lookup` returns today's codes for the person at this clinic.
    """
    existing = same_day(lookup(), claim_type, today)
    if existing is not None:
        log.info("authen: same-day code for %s already exists; reusing it", claim_type)
        return existing
    attempt = 0
    while True:
        try:
            return issue()
        except AlreadyAuthenticated as exc:
            found = lookup()
            match = same_day(found, claim_type, today)
            if match is not None:
                return match
            exc.existing = [r for r in found if r.on_day(today)]
            raise
        except NhsoError as exc:
            # An unreadable answer to an authen is as good as a lost one: a code may exist.
            if not exc.may_have_acted:
                raise
            log.warning(
                "authen: answer lost (%s); looking the code up before anything else", exc.code
            )
            try:
                match = same_day(lookup(), claim_type, today)
            except NhsoError as lookup_exc:
                raise AuthenOutcomeUnknown(
                    f"answer lost ({exc.code}) and lookup failed ({lookup_exc.code})"
                ) from None
            if match is not None:
                log.info("authen: the lost answer's code was found by lookup")
                return match
            if attempt >= retries:
                raise
            attempt += 1
            log.info("authen: lookup shows no code; asking once more")


@dataclass(frozen=True)
class AuthenAsk:
    """One authen request as the kiosk put it (validated)."""

    cid: str
    claim_type: str
    mobile: str
    hn: str | None
    hcode: str | None
    correlation_id: str | None


class _NoDoubleProvider:
    """authen() with the no-double rule; subclasses say how to issue and how to look up."""

    hcode: str | None
    _today: Callable[[], dt.date]

    def authen(
        self,
        cid: str,
        claim_type: str,
        mobile: str,
        *,
        hn: str | None = None,
        hcode: str | None = None,
        correlation_id: str | None = None,
    ) -> AuthenResult:
        cid = check_cid(cid)
        mobile = check_mobile(mobile)
        own_hcode = hcode or self.hcode
        today = self._today()
        self._ready(own_hcode)
        return authen_once(
            lambda: self._issue(AuthenAsk(cid, claim_type, mobile, hn, own_hcode, correlation_id)),
            lambda: self.latest(cid, today, hcode=own_hcode),
            claim_type,
            today,
        )

    def _ready(self, hcode: str | None) -> None:
        """Raise NotConfigured before anything is sent, when something is missing."""

    def _issue(self, ask: AuthenAsk) -> AuthenResult:
        raise NotImplementedError

    def latest(self, cid: str, day: dt.date, hcode: str | None = None) -> list[AuthenResult]:
        raise NotImplementedError


class AgentAuthenProvider(_NoDoubleProvider):
    """Through NHSO's Secure SmartCard Agent (or our sandbox, which speaks its API)."""

    def __init__(
        self,
        agent: AgentClient,
        *,
        hcode: str | None = None,
        kind: str = "agent",
        today: Callable[[], dt.date] = dt.date.today,
        internet: NhsoWebClient | None = None,
    ) -> None:
        self.agent = agent
        self.hcode = hcode or None
        self.kind = kind
        self._today = today
        # NHSO's own API host: the agent may run while the clinic's internet is down.
        self.internet = internet

    def close(self) -> None:
        self.agent.close()
        if self.internet is not None:
            self.internet.close()

    def ping(self) -> None:
        self.agent.ping()
        if self.internet is not None:
            self.internet.ping()

    def read_inserted(self, *, image: bool = False) -> Rights:
        """Rights of whatever card is in the reader (NoReader / NoCard when none)."""
        try:
            wire = self.agent.read(image=image)
        except NoCard:
            if not self.agent.terminals():
                raise NoReader("terminals: empty list") from None
            raise
        rights = wire.to_rights()
        register_sensitive([rights.first_name, rights.last_name])
        if not rights.claim_types:
            raise NoRights("read: no claim types", rights=rights)
        return rights

    def rights(self, cid: str) -> Rights:
        cid = check_cid(cid)
        try:
            rights = self.read_inserted()
        except NoRights as exc:
            # Someone else's card without rights is a wrong card, not "no rights" for
            # this patient.
            if exc.rights is not None and exc.rights.cid != cid:
                raise CardMismatch("the card's citizen ID differs from the patient's") from None
            raise
        if rights.cid != cid:
            raise CardMismatch("the card's citizen ID differs from the patient's")
        return rights

    def _issue(self, ask: AuthenAsk) -> AuthenResult:
        corr = ask.correlation_id
        if not corr:
            # A fresh read binds the request to the card in the reader (§5.2).
            rights = self.rights(ask.cid)
            if not rights.offers(ask.claim_type):
                raise InvalidRequest("claim type not offered to this person today")
            corr = rights.correlation_id
        if not corr:
            raise NoCard("read gave no correlationId")
        request = ConfirmSaveRequest(
            pid=ask.cid,
            claim_type=ask.claim_type,
            mobile=ask.mobile,
            correlation_id=corr,
            hn=ask.hn,
            hcode=ask.hcode,
        )
        return self.agent.confirm_save(request).to_result(hcode=ask.hcode)

    def latest(self, cid: str, day: dt.date, hcode: str | None = None) -> list[AuthenResult]:
        cid = check_cid(cid)
        here = self.agent.latest_authen_code(cid)
        own = hcode or self.hcode or next((r.hcode for r in here if r.hcode), None)
        results = list(here)
        if own:
            results += [r for r in self.agent.latest_5_all_hospitals(cid) if r.hcode == own]
        return _newest_unique(r for r in results if r.on_day(day))


class EndpointAuthenProvider(_NoDoubleProvider):
    """NHSO's web APIs with a Bearer token: no agent, no card needed."""

    def __init__(
        self,
        web: NhsoWebClient,
        *,
        hcode: str,
        source_id: str = SOURCE_ID,
        province: str = "",
        recorder_pid: str | None = None,
        claim_types: list[ClaimType] | None = None,
        kind: str = "endpoint",
        today: Callable[[], dt.date] = dt.date.today,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.web = web
        self.hcode = hcode
        self.source_id = source_id
        self.province = province
        self.recorder_pid = recorder_pid
        # RealPerson returns no claim types; NHSO's general visit is what a รพ.สต. uses.
        self.claim_types = claim_types or [GENERAL_VISIT]
        self.kind = kind
        self._today = today
        self._now = now

    def close(self) -> None:
        self.web.close()

    def ping(self) -> None:
        self.web.ping()

    def rights(self, cid: str) -> Rights:
        cid = check_cid(cid)
        person = self.web.real_person(cid, self.source_id)
        rights = person.to_rights(cid, list(self.claim_types))
        register_sensitive([rights.first_name, rights.last_name])
        if (person.person_status or "Y").upper() == "N" or not rights.main_inscl_code:
            raise NoRights(
                "RealPerson: no right", rights=rights.model_copy(update={"claim_types": []})
            )
        return rights

    def _ready(self, hcode: str | None) -> None:
        if not hcode:
            raise NotConfigured("clinic.hcode is needed for AuthenCode")
        if not self.province:
            raise NotConfigured("province is needed for AuthenCode")

    def _issue(self, ask: AuthenAsk) -> AuthenResult:
        own_hcode = ask.hcode or ""
        moment = self._now().replace(microsecond=0)
        request = AuthenCodeRequest(
            source_id=self.source_id,
            trans_id=f"{own_hcode}{moment:%Y%m%d%H%M%S}{uuid.uuid4().hex[:6]}",
            pid=ask.cid,
            hcode=own_hcode,
            # At a self-service kiosk the patient confirms their own identity [I].
            recorder_pid=self.recorder_pid or ask.cid,
            service_code=ask.claim_type,
            province=self.province,
            phone=ask.mobile,
            hn=ask.hn,
        )
        code = self.web.authen_code(request)
        return AuthenResult(
            claim_code=code, claim_type=ask.claim_type, created_at=moment, hcode=own_hcode
        )

    def latest(self, cid: str, day: dt.date, hcode: str | None = None) -> list[AuthenResult]:
        cid = check_cid(cid)
        own = hcode or self.hcode
        status = self.web.check_authen_status(cid, day)
        results = [h.as_authen() for h in status.histories if not own or h.hcode == own]
        return _newest_unique(r for r in results if r.on_day(day))


def _newest_unique(results: Iterable[AuthenResult]) -> list[AuthenResult]:
    seen: dict[str, AuthenResult] = {}
    for result in results:
        seen.setdefault(result.claim_code, result)
    return sorted(seen.values(), key=lambda r: r.created_at or dt.datetime.min, reverse=True)


def sandbox_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.nhso.sandbox_port}"


def web_client_from_settings(
    settings: Settings, secrets: Secrets, *, transport: httpx.BaseTransport | None = None
) -> NhsoWebClient:
    """check-authen-status, RealPerson, AuthenCode and close right for this clinic."""
    nhso = settings.nhso
    token: SecretStr | str | None = secrets.nhso_token
    claim_token: SecretStr | str | None = secrets.nhso_claim_token
    if nhso.mode == NhsoMode.sandbox:
        base = nhso.api_base_url or sandbox_url(settings)
        token = token or SANDBOX_TOKEN
        claim_token = claim_token or SANDBOX_TOKEN
    else:
        base = nhso.api_base_url
    return NhsoWebClient(
        NhsoUrls.from_api_base(base),
        limiter=shared_limiter(nhso.rate_per_second),
        token=token,
        claim_token=claim_token,
        timeout_s=nhso.timeout_s,
        ca_bundle=nhso.ca_bundle,
        transport=transport,
    )


def authen_provider_from_settings(
    settings: Settings,
    secrets: Secrets,
    *,
    province: str = "",
    recorder_pid: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> AuthenProvider:
    """The provider `settings.nhso.mode` asks for (sandbox = the agent API of our sandbox).

    Endpoint mode: `province` / `recorder_pid` given here win over ``nhso.province`` /
    ``nhso.recorder_pid``; with no recorder at all the patient's own CID is sent.
    """
    nhso = settings.nhso
    limiter = shared_limiter(nhso.rate_per_second)
    hcode = settings.clinic.hcode or None
    if nhso.mode == NhsoMode.endpoint:
        return EndpointAuthenProvider(
            web_client_from_settings(settings, secrets, transport=transport),
            hcode=settings.clinic.hcode,
            province=province or nhso.province,
            recorder_pid=recorder_pid or nhso.recorder_pid or None,
        )
    if nhso.mode == NhsoMode.sandbox:
        url, internet = sandbox_url(settings), None  # the sandbox stands for NHSO too
    else:
        url = nhso.agent_url
        internet = web_client_from_settings(settings, secrets, transport=transport)
    agent = AgentClient(url, limiter=limiter, timeout_s=nhso.timeout_s, transport=transport)
    return AgentAuthenProvider(agent, hcode=hcode, kind=str(nhso.mode), internet=internet)
