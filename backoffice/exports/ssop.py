"""SSOP for Social Security OP visits: BILLTRAN, BILLDISP and OPServices, windows-874.

Layout of reference §3c: an XML-like wrapper (``<ClaimRec>``, ``<Header>`` with
``RECCOUNT``), `|`-delimited sections, CRLF, and a last line
``<?EndNote Checksum="MD5"?>`` (MD5 of the windows-874 bytes of everything before it,
in uppercase hex as production SSOP exporters write it; no final newline). File and zip
names follow the JHCIS screenshot of the seed (§17), ``BILLTRAN25670627.txt`` (export
day, Buddhist era) and ``41124_SSOPBIL_2406_01_25670627-155559.zip``, read the way
production SSOP exporters write it (reference §8): hcode, the batch's 4-digit SESSNO
(the header's; :mod:`backoffice.exports.ssop_sessions` gives each batch a new one),
``01``, export time in Buddhist era. We first read ``2406`` as the period's yymm; with
one batch a month the two look alike, which is how the mistake hid (issue 18, item 5).

Sections are spooled to temporary files while visits stream, then assembled with
the header (whose RECCOUNT is known only at the end), so memory stays flat.

Unconfirmed: the code values below marked so come from third-party exporters; check
them against the SSOP manual ("คู่มือ SSOP") before the first real upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from backoffice.exports import report as r
from backoffice.exports.eclaim import BatchResult
from backoffice.exports.jobs import Progress, report_every
from backoffice.exports.rules import RuleSet
from backoffice.exports.screening import record, screen_ssop
from backoffice.exports.source import ClaimSource, VisitBundle
from backoffice.exports.writer import BatchBuild, DelimitedFile, claim_batch_build
from common.private_files import private_opener
from common.thaidate import ce_to_be
from integrations.claim_files import (
    CRLF,
    SSOP_ENCODING,
    SSOP_SECTIONS,
    chi_clinic,
    money,
    quantity,
)

log = logging.getLogger(__name__)

RECTYPE_SS = "02"  # BILLTRAN Station/RecType for Social Security (unconfirmed)
CLAIM_CAT = "OP1"  # unconfirmed
# BILLTRAN's PayPlan is สกส.'s plan code, 80 for Social Security; "SS" is only the
# wrapper's PayPlan attribute (SSOP 0.93 field reference §5, a HOSxP exporter agrees).
PAYPLAN_SSO = "80"
# The service fee JHCIS charges as part of money1 without an item of its own (drugtype
# 06 is JHCIS's "service fee", reference §1.9); its local code is ours.
SERVICE_FEE_DRUGTYPE = "06"
SERVICE_FEE_CODE = "SERVICE"
SERVICE_FEE_TEXT = "ค่าบริการผู้ป่วยนอก"
PROGRAM = "JHCISKIOSK"
FILE_NAMES = {"BILLTRAN": "BILLTRAN", "BILLDISP": "BILLDISP", "OPServices": "OPServices"}


def be_stamp(moment: dt.datetime) -> str:
    return f"{ce_to_be(moment.year):04d}{moment:%m%d}"


def zip_stem(hcode: str, session: int, now: dt.datetime) -> str:
    # "01": constant in every producer seen; its meaning is unconfirmed.
    return f"{hcode}_SSOPBIL_{session:04d}_01_{be_stamp(now)}-{now:%H%M%S}"


def _iso(day: dt.date | None, clock: object = None) -> str:
    if day is None:
        return ""
    hours = minutes = 0
    if isinstance(clock, dt.time):
        hours, minutes = clock.hour, clock.minute
    elif isinstance(clock, dt.timedelta):
        total = int(clock.total_seconds()) // 60
        hours, minutes = total // 60 % 24, total % 60
    return f"{day.isoformat()}T{hours:02d}:{minutes:02d}:00"


class SsopRows:
    def __init__(self, rules: RuleSet, hcode: str) -> None:
        self.rules = rules
        self.hcode = hcode

    def sections(self, bundle: VisitBundle) -> dict[str, list[dict[str, object]]]:
        v = bundle.visit
        inv = f"{self.hcode}{v.visitno}"
        when = _iso(v.visitdate, v.timestart)
        day = v.visitdate.isoformat() if v.visitdate else ""
        items_total = sum((i.total for i in bundle.items), Decimal(0))
        total = max(v.money1 if v.money1 is not None else items_total, items_total)
        paid = v.moneynoclaim or Decimal(0)
        provider = bundle.provider_licence
        clinic = chi_clinic(
            next((d.clinic for d in bundle.diagnoses if d.clinic), ""), self.rules.default_clinic
        )
        remainder = total - items_total
        # What the patient paid (moneynoclaim) is not claimed: it comes off the items'
        # claimed amounts, the service fee first, so ClaimAmt is still the sum of the
        # BillItems' ClaimAmount (ChargeAmt stays what was charged).
        unpaid = _claimable(
            [remainder, *(i.total for i in bundle.items)] if remainder > 0 else
            [i.total for i in bundle.items], paid,
        )  # fmt: skip
        claimed = sum(unpaid, Decimal(0))
        drugs = [i for i in bundle.items if i.drugtype in self.rules.drug_drugtypes]
        drug_total = sum((i.total for i in drugs), Decimal(0))
        out: dict[str, list[dict[str, object]]] = {name: [] for name in _all_sections()}
        out["BILLTRAN"].append(
            {
                # AuthCode is an SSO approval code; NHSO's claim code is not one (issue 18)
                "Station": RECTYPE_SS, "AuthCode": "", "DTTran": when,
                "HCode": self.hcode, "InvNo": inv, "BillNo": v.seq, "HN": v.hn,
                "MemberNo": v.cid, "Amount": money(total), "Paid": money(paid), "VerCode": "",
                "Tflag": "A", "PID": v.cid,
                "Name": f"{v.title}{v.first_name} {v.last_name}".strip(), "HMain": v.hosmain,
                "PayPlan": PAYPLAN_SSO, "ClaimAmt": money(claimed), "OtherPayplan": "",
                "OtherPay": "0.00",
            }
        )  # fmt: skip

        if remainder > 0:
            # The visit's charge beyond its items (JHCIS's money1 covers the service
            # fee, which it does not itemise): one service-fee item, so that BILLTRAN's
            # Amount is the sum of its BillItems (สกส. rejects a bill whose total
            # differs: A04/T33/T45, reference "SSOP 0.93 in production").
            out["BillItems"].append(
                {
                    "InvNo": inv, "SvDate": day,
                    "BillMuad": self.rules.chrgitem(SERVICE_FEE_DRUGTYPE)[:1],
                    "LCCode": SERVICE_FEE_CODE, "STDCode": "", "Desc": SERVICE_FEE_TEXT,
                    "QTY": "1", "UnitPrice": money(remainder), "ChargeAmt": money(remainder),
                    "ClaimUP": money(unpaid[0]), "ClaimAmount": money(unpaid.pop(0)),
                    "SvRefID": v.seq, "ClaimCat": CLAIM_CAT,
                }
            )  # fmt: skip
        for item, claim in zip(bundle.items, unpaid, strict=True):
            out["BillItems"].append(
                {
                    "InvNo": inv, "SvDate": day, "BillMuad": self.rules.chrgitem(item.drugtype)[:1],
                    "LCCode": item.drugcode, "STDCode": item.std_code, "Desc": item.name,
                    "QTY": quantity(item.qty), "UnitPrice": money(item.price),
                    "ChargeAmt": money(item.total),
                    "ClaimUP": money(claim / item.qty if item.qty else claim),
                    "ClaimAmount": money(claim), "SvRefID": v.seq, "ClaimCat": CLAIM_CAT,
                }
            )  # fmt: skip
        out["OPServices"].append(
            {
                "InvNo": inv, "SvID": v.seq, "Class": "EC", "HCode": self.hcode, "HN": v.hn,
                "PID": v.cid, "CareAccount": "1", "TypeServ": "01", "TypeIn": "1",
                "TypeOut": "1", "DTAppoint": "", "SvPID": provider, "Clinic": clinic,
                "BegDT": when, "EndDT": when, "LcCode": "", "CodeSet": "", "STDCode": "",
                # the charges not dispensed (those are BILLDISP's)
                "SvCharge": money(total - drug_total), "Completion": "Y", "SvTxCode": "",
                "ClaimCat": CLAIM_CAT,
            }
        )  # fmt: skip
        for d in bundle.diagnoses:
            out["OPDx"].append(
                {"Class": "EC", "SvID": v.seq, "SL": d.dxtype, "CodeSet": "IT", "Code": d.code,
                 "Desc": ""}
            )  # fmt: skip
        if drugs:
            out["Dispensing"].append(
                {
                    "ProviderID": self.hcode, "DispID": v.seq, "InvNo": inv, "HN": v.hn,
                    "PID": v.cid, "Prescdt": when, "DispDT": when, "Presc": provider,
                    "Itemcnt": str(len(drugs)), "ChargeAmt": money(drug_total),
                    "ClaimAmt": money(drug_total), "Paid": "0.00", "OtherPay": "0.00",
                    "Reimburser": "HP", "BenefitPlan": "SS", "DispStat": "1", "SvID": v.seq,
                    "DayCover": "",
                }
            )  # fmt: skip
            for item in drugs:
                # dfsCode (dosage form), MultiDisp and SupplyFor: JHCIS records none
                # of them; left empty. Claimcont OD: "no claim condition" (สกส.'s
                # claim-condition list, SIL-TH CS_CHI_ClaimCondition).
                out["DispensedItems"].append(
                    {
                        "DispID": v.seq, "PrdCat": "1", "HospDrgID": item.drugcode,
                        "DrgID": item.std_code, "dfsCode": "", "dfsText": item.name,
                        "Packsize": item.unit, "sigCode": "", "sigText": item.dose,
                        "Quantity": quantity(item.qty), "UnitPrice": money(item.price),
                        "ChargeAmt": money(item.total), "ReimbPrice": money(item.price),
                        "ReimbAmt": money(item.total), "PrdSeCode": "0", "Claimcont": "OD",
                        "ClaimCat": CLAIM_CAT, "MultiDisp": "", "SupplyFor": "",
                    }
                )  # fmt: skip
        return out


def _claimable(charges: list[Decimal], paid: Decimal) -> list[Decimal]:
    """Each charge less its share of what the patient paid, taken from the first on."""
    left = max(paid, Decimal(0))
    out = []
    for charge in charges:
        taken = min(left, max(charge, Decimal(0)))
        out.append(charge - taken)
        left -= taken
    return out


def _all_sections() -> list[str]:
    return [name for sections in SSOP_SECTIONS.values() for name, _fields in sections]


@contextmanager
def _spool_dir(parent: Path | None) -> Iterator[Path | None]:
    """A scratch folder for the sections inside the batch's own (private) folder; none
    for a dry run, whose sections are only counted."""
    if parent is None:
        yield None
        return
    spool = Path(tempfile.mkdtemp(prefix=".ssop-", dir=parent))
    try:
        yield spool
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def assemble(
    target: Path,
    file_key: str,
    spools: dict[str, DelimitedFile],
    *,
    hcode: str,
    hname: str,
    session: int,
    now: dt.datetime,
) -> str:
    """Write one SSOP file from its spooled sections; returns the checksum."""
    sections = SSOP_SECTIONS[file_key]
    first = sections[0][0]
    head = [
        '<?xml version="1.0" encoding="windows-874"?>',
        f'<ClaimRec System="OP" PayPlan="SS" Version="0.93" Prgs="{PROGRAM}">',
        "<Header>",
        f"<HCODE>{hcode}</HCODE>",
        f"<HNAME>{hname}</HNAME>",
        f"<DATETIME>{now:%Y-%m-%dT%H:%M:%S}</DATETIME>",
        f"<SESSNO>{session:04d}</SESSNO>",
        f"<RECCOUNT>{spools[first].rows}</RECCOUNT>",
        "</Header>",
    ]
    digest = hashlib.md5(usedforsecurity=False)
    with open(target, "wb", opener=private_opener) as out:

        def emit(data: bytes) -> None:
            digest.update(data)
            out.write(data)

        emit((CRLF.join(head) + CRLF).encode(SSOP_ENCODING, errors="replace"))
        for name, _fields in sections:
            emit(f"<{name}>{CRLF}".encode(SSOP_ENCODING))
            spool_path = spools[name].path
            assert spool_path is not None
            with spool_path.open("rb") as spool:
                while block := spool.read(256 * 1024):
                    emit(block)
            emit(f"</{name}>{CRLF}".encode(SSOP_ENCODING))
        emit(f"</ClaimRec>{CRLF}".encode(SSOP_ENCODING))
        checksum = digest.hexdigest().upper()  # production exporters: uppercase hex
        out.write(f'<?EndNote Checksum="{checksum}"?>'.encode(SSOP_ENCODING))
    return checksum


def export_ssop(
    source: ClaimSource,
    date_from: dt.date,
    date_to: dt.date,
    out_dir: Path,
    *,
    rules: RuleSet,
    hcode: str,
    hname: str,
    session: int = 1,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    started = now or dt.datetime.now()
    # The zip's name has a fixed shape (hcode_SSOPBIL_sessno_01_date-time): a second
    # job in the same second takes the next second rather than a suffix. A dry run
    # claims nothing and writes nothing.
    later = (started + dt.timedelta(seconds=n) for n in itertools.count())
    names = (zip_stem(hcode, session, moment) for moment in later)
    build: BatchBuild | None = None
    if dry_run:
        number, name = 1, next(names)
    else:
        number, name, build = claim_batch_build(out_dir, names)
    folder = build.folder if build is not None else None
    moment = started + dt.timedelta(seconds=number - 1)
    report = r.ValidationReport(folder)
    builder = SsopRows(rules, hcode)
    done = 0
    stamp = be_stamp(moment)
    outputs: list[Path] = []
    counts: dict[str, int] = {}
    try:
        total = source.count(date_from, date_to, hcode) if progress else 0
        step = report_every(total)
        if progress:
            progress(0, total)  # the page shows the total before the first visit
        with _spool_dir(folder) as spool:
            spools = {
                section: DelimitedFile(
                    spool / f"{section}.part" if spool else None, fields, SSOP_ENCODING,
                    header=False,
                )
                for sections in SSOP_SECTIONS.values()
                for section, fields in sections
            }  # fmt: skip
            try:
                for bundle in source.bundles(date_from, date_to, pcucode=hcode):
                    verdict = screen_ssop(bundle, rules)
                    if verdict.included:
                        clean = True
                        for section, rows in builder.sections(bundle).items():
                            for row in rows:
                                clean = spools[section].write(row) and clean
                        if not clean:
                            verdict.warnings.append((r.NOT_ENCODABLE, ""))
                    record(report, bundle, verdict)
                    done += 1
                    if progress and done % step == 0:
                        progress(done, total)
            finally:
                for file in spools.values():
                    file.close()
                report.close()
            counts = {section: file.rows for section, file in spools.items()}
            if folder is not None:
                for key in SSOP_SECTIONS:
                    target = folder / f"{FILE_NAMES[key]}{stamp}.txt"
                    assemble(
                        target, key, spools, hcode=hcode, hname=hname, session=session, now=moment
                    )
                    outputs.append(target)
        if progress:
            progress(done, total)
        zip_path = build.finish(outputs) if build is not None else None
    except BaseException:
        if build is not None:
            build.abandon()  # nothing half-written is left to be mistaken for a batch
        raise
    log.info("SSOP batch %s: %s", name, report.summary())
    return BatchResult.built(name, build, zip_path, report, files=counts, dry_run=dry_run)
