"""The clinic's doses to MOPH IC (``UpdateImmunization``), each visit once.

So that หมอพร้อม and other units see what this clinic gave: one request per visit with
vaccinations, its body the shape of reference §4.4 as a production sender writes it
(krhoslocal/ipd ``get_moph/send_moph_ic.php``): ``{hospital{hospital_code,
hospital_name, his_identifier}, patient{cid, hn, prefix, first_name, last_name, gender,
birth_date, nationality}, immunization_plan[], visit{visit_guid, visit_ref_code,
visit_datetime, visit_observation, visit_immunization[{visit_immunization_ref_code,
immunization_datetime, vaccine_code, lot_number, expiration_date, vaccine_ref_name,
vaccine_manufacturer, practitioner{license_number, name, role}}],
visit_immunization_reaction[], appointment[]}}``. ``vaccine_code`` is the 43-file code
(``cdrug.files18epi``); a visit whose vaccine has none is not sent. ``visit_guid`` is
derived from the unit and visit number, so the same visit always carries the same one.
Field by field and how sure: ``README.md``, "Vaccine history".

The ledger (``kiosk_ic_push``) and its discipline are the PHR sender's
(:class:`backoffice.phr.ledger_send.LedgerSender`): written before sending, never sent
twice once MOPH took it, an unknown outcome shown and never resent by itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from backoffice.exports.source import ClaimSource, VisitBundle
from backoffice.phr.ledger_send import LedgerSender, SendReport, Upload, VisitOutcome
from backoffice.phr.payload import identity_problems
from backoffice.reminders.ic_tables import push_ledger
from common.logs import register_sensitive
from common.thaidate import exact
from integrations.jhcis import tables as t
from integrations.moph.ic import MophIcClient

GUID_NAMESPACE = uuid.UUID("6f1d3c1e-5b0a-4c8e-9a57-4a1f3f0e2b10")  # ours, for visit_guid
GENDER = {"1": "1", "2": "2"}  # JHCIS person.sex is already the 43-file code


class PushReport(SendReport):
    def as_dict(self) -> dict[str, Any]:
        return {"target": "moph-ic-update-immunization", **super().as_dict()}


def _at(day: dt.date | None, time: Any) -> str:
    moment = dt.datetime.combine(day or dt.date.min, time or dt.time(0, 0))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000")


def body_of(bundle: VisitBundle, *, hcode: str, hospital_name: str) -> dict[str, Any] | list[str]:
    """The UpdateImmunization body of one visit, or the problems that keep it unsent."""
    v = bundle.visit
    birth = exact(v.birth)
    problems = identity_problems(v)
    if any(len(x.export_code) != 3 for x in bundle.vaccinations):
        problems.append("vaccine_no_export_code")
    if problems or birth is None:
        return problems
    guid = uuid.uuid5(GUID_NAMESPACE, f"{hcode}:{v.visitno}")
    shots = [
        {
            "visit_immunization_ref_code": f"{v.visitno}-{x.vaccinecode}",
            "immunization_datetime": _at(x.day or v.visitdate, v.timestart),
            "vaccine_code": x.export_code,
            "lot_number": x.lot,
            "expiration_date": x.expiry.isoformat() if x.expiry else "",
            "vaccine_note": "",
            "vaccine_ref_name": x.vaccinecode,
            "vaccine_manufacturer": x.manufacturer,
            "vaccine_route_name": "",
            "practitioner": {"license_number": v.provider_licence, "name": v.provider_name,
                             "role": ""},
        }
        for x in bundle.vaccinations
    ]  # fmt: skip
    return {
        "hospital": {"hospital_code": hcode, "hospital_name": hospital_name,
                     "his_identifier": "JHCIS (jhcis-kiosk backoffice)"},
        "patient": {
            "cid": v.cid, "hn": v.hn, "prefix": v.title, "first_name": v.first_name,
            "last_name": v.last_name, "gender": GENDER.get(v.sex, ""),
            "birth_date": birth.isoformat(),
            "nationality": v.nation.zfill(3) if v.nation.isdigit() else "",
        },
        "immunization_plan": [],
        "visit": {
            "visit_guid": "{" + str(guid) + "}", "visit_ref_code": v.seq,
            "visit_datetime": _at(v.visitdate, v.timestart),
            "visit_immunization": shots, "visit_immunization_reaction": [], "appointment": [],
        },
    }  # fmt: skip


class IcPusher:
    def __init__(
        self,
        engine: Engine,
        client: MophIcClient | None,
        *,
        hcode: str,
        hospital_name: str,
        sent_by: str = "",
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.engine = engine
        self.client = client
        self.hcode = hcode
        self.hospital_name = hospital_name
        self.sent_by = sent_by
        self.clock = clock
        self.ledger = push_ledger(engine)

    def push(
        self,
        start: dt.date,
        end: dt.date,
        *,
        visitnos: list[int] | None = None,
        resend: bool = False,
        dry_run: bool = False,
    ) -> PushReport:
        """Push the unit's visits of start..end that have vaccinations (or `visitnos`)."""
        client = self.client
        sender = LedgerSender(
            self.ledger, upload=client.update_immunization if client else None,
            ready=client.ready if client else None,
            sent_by=self.sent_by, clock=self.clock,
        )  # fmt: skip
        report = PushReport()
        bundles = [
            b
            for b in ClaimSource(self.engine).bundles(
                start, end, pcucode=self.hcode, visitnos=visitnos
            )
            if b.vaccinations
        ]
        last = self.ledger.last_rows(self.hcode, [b.visit.visitno for b in bundles])
        for bundle in bundles:
            v = bundle.visit
            assert v.visitdate is not None
            outcome = VisitOutcome(v.visitno, v.visitdate, v.pid, "not_tried")
            report.outcomes.append(outcome)
            register_sensitive([v.first_name, v.last_name])
            body = body_of(bundle, hcode=self.hcode, hospital_name=self.hospital_name)
            if isinstance(body, list):
                outcome.status, outcome.reason = "cannot_send", ",".join(body)
                continue
            text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            item = Upload(self.hcode, v.visitno, v.visitdate,
                          hashlib.sha256(text.encode()).hexdigest(), len(bundle.vaccinations),
                          body)  # fmt: skip
            sender.offer(item, last.get(v.visitno), outcome, resend=resend, dry_run=dry_run)
        report.stopped = sender.stopped
        return report

    def push_person(self, person: tuple[str, int], *, resend: bool = False) -> PushReport:
        """Push every visit of this unit where `person` was vaccinated."""
        e = t.visitepi
        query = select(e.c.visitno, e.c.dateepi).where(
            e.c.pcucode == self.hcode, e.c.pcucodeperson == person[0], e.c.pid == person[1]
        )
        with self.engine.connect() as conn:
            rows = [(int(r.visitno), r.dateepi) for r in conn.execute(query)]
        days = [d for _, d in rows if isinstance(d, dt.date)]
        if not days:
            return PushReport()
        return self.push(min(days), max(days), visitnos=sorted({n for n, _ in rows}),
                         resend=resend)  # fmt: skip
