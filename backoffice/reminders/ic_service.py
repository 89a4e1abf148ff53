"""Asking MOPH IC what a person received, for the page, the commands and the reminder run.

* :func:`ic_client` — the MOPH IC client as configured (``moph.ic_base_url``, the MOPH
  account of the secrets file, the unit's code);
* :func:`look_up` — one citizen ID: MOPH IC's doses (kept in ``kiosk_ic_history`` when
  the person is in JHCIS) merged with the clinic's into a :class:`Timeline`. MOPH IC
  being down is shown on the page, with the clinic's own doses still listed;
* :func:`refresh` — every person with a vaccine appointment due in a range (before the
  reminders go, so that a dose given elsewhere stops its reminder). Best effort: a
  person MOPH IC cannot answer for keeps what it said last time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from backoffice.phr.ledger_send import STOPPING
from backoffice.reminders.ic_tables import ensure_ic_tables, store_history
from backoffice.reminders.timeline import Timeline, build_timeline, find_person
from common.cid import is_valid_cid
from common.config import Settings
from common.errors import BilingualError
from common.secrets import Secrets
from integrations.jhcis import appointments as q
from integrations.moph.errors import MophError
from integrations.moph.ic import PROD_IC_BASE, IcDose, MophIcClient

log = logging.getLogger(__name__)


def ic_client(settings: Settings, secrets: Secrets, hcode: str) -> MophIcClient:
    return MophIcClient(
        token_base=settings.moph.ic_base_url,
        claim_base=settings.moph.ic_base_url or PROD_IC_BASE,
        username=secrets.moph_username,
        password=secrets.moph_password,
        hospital_code=hcode,
    )


@dataclass
class Lookup:
    timeline: Timeline
    ic_error: BilingualError | None = None
    ic_doses: list[IcDose] = field(default_factory=list)


def look_up(
    engine: Engine,
    client: MophIcClient,
    cid: str,
    *,
    own_hcode: str,
    clinic_name: str,
    now: dt.datetime,
) -> Lookup:
    """The person's timeline; `cid` must be a valid citizen ID (checked by the caller)."""
    assert is_valid_cid(cid)
    person = find_person(engine, cid, own_hcode)
    error: BilingualError | None = None
    doses: list[IcDose] = []
    try:
        doses = client.immunization_history(cid)
    except MophError as exc:
        error = exc
        log.warning("MOPH IC history lookup failed: %s", exc.code)
    if person is not None and error is None:
        ensure_ic_tables(engine)
        store_history(engine, person.key, doses, now)
    timeline = build_timeline(
        engine, person, doses, own_hcode=own_hcode, clinic_name=clinic_name, today=now.date()
    )
    return Lookup(timeline, error, doses)


@dataclass
class RefreshReport:
    people: int = 0
    refreshed: int = 0
    no_cid: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    stopped: BilingualError | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "people": self.people,
            "refreshed": self.refreshed,
            "no_cid": self.no_cid,
            "errors": dict(self.errors),
            "stopped": self.stopped.as_dict() if self.stopped else None,
        }


def refresh(
    engine: Engine, client: MophIcClient, items: Sequence[q.Appointment], now: dt.datetime
) -> RefreshReport:
    """Ask MOPH IC about every person of these vaccine appointments (once each)."""
    ensure_ic_tables(engine)
    people = {a.person: a.cid for a in items if a.kind == "epi"}
    report = RefreshReport(people=len(people))
    for person, cid in sorted(people.items()):
        if not is_valid_cid(cid):
            report.no_cid += 1
            continue
        try:
            doses = client.immunization_history(cid)
        except STOPPING as error:
            report.stopped = error
            break
        except MophError as error:
            report.errors[error.code] = report.errors.get(error.code, 0) + 1
            continue
        store_history(engine, person, doses, now)
        report.refreshed += 1
    return report
