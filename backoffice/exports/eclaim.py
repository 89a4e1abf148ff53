"""The NHSO e-Claim "16+1" export: 17 `|`-delimited files, one folder and one zip per batch.

Field orders are those of :data:`integrations.claim_files.ECLAIM_FIELDS`. Files are
windows-874 for the e-Claim program, UTF-8 for the FDH upload (``fdh=True``). Every
visit of the range is either written or listed in the batch's validation report
with the reason (see :mod:`backoffice.exports.screening`).

A รพ.สต. has no inpatients (no admission, no AN), so IPD, IRF, IDX, IOP and LVD,
which describe admissions, carry only their header; e-Claim accepts empty files.
OOP lists procedures: visitdrug items whose drugtype is a procedure or dental one,
with an ICD-9-CM code from the rules file or the item's standard code (where JHCIS
keeps that code is unconfirmed; an item without one is a report warning). ORF lists
referrals from ``visit.receivefromhos`` and ``visit.refertohos`` (optional columns).
AER stays header-only: neither our schema reconstruction nor the reference knows a
JHCIS table of accident data. None of these files leaves a visit out.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from backoffice.exports import report as r
from backoffice.exports.jobs import Progress, report_every
from backoffice.exports.rules import RuleSet
from backoffice.exports.screening import Screen, Verdict, record
from backoffice.exports.source import ClaimSource, VisitBundle
from backoffice.exports.writer import BatchBuild, DelimitedFile, new_batch_build
from common.thaidate import exact
from integrations import claim_files as f
from integrations.claim_files import (
    ECLAIM_ENCODING,
    ECLAIM_FIELDS,
    FDH_ENCODING,
    hhmm,
    money,
    quantity,
    ymd,
)

log = logging.getLogger(__name__)

# (file, row): the row is the file's row type of integrations.claim_files.
Pair = tuple[str, tuple[str, ...]]
_ZERO = Decimal(0)


@dataclass
class BatchResult:
    name: str
    folder: Path | None
    zip_path: Path | None
    report_csv: Path | None
    report_json: Path | None
    files: dict[str, int] = field(default_factory=dict)  # file -> data rows
    summary: dict[str, object] = field(default_factory=dict)
    sample: list[r.Problem] = field(default_factory=list)
    dry_run: bool = False
    upload: dict[str, Any] | None = None  # the FDH answer when the batch was sent

    @classmethod
    def built(
        cls,
        name: str,
        build: BatchBuild | None,
        zip_path: Path | None,
        report: r.ValidationReport,
        *,
        files: dict[str, int],
        dry_run: bool,
    ) -> BatchResult:
        """The result of a finished build (`build` None: a dry run, no files)."""

        def final(path: Path | None) -> Path | None:
            return build.final(path) if build is not None and path is not None else None

        return cls(
            name=name,
            folder=build.target if build is not None else None,
            zip_path=zip_path,
            report_csv=final(report.csv_path),
            report_json=final(report.json_path),
            files=files,
            summary=report.summary(),
            sample=report.sample,
            dry_run=dry_run,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "upload": self.upload,
            "batch": self.name,
            "dry_run": self.dry_run,
            "folder": str(self.folder) if self.folder else None,
            "zip": str(self.zip_path) if self.zip_path else None,
            "report_csv": str(self.report_csv) if self.report_csv else None,
            "report_json": str(self.report_json) if self.report_json else None,
            "files": self.files,
            "summary": self.summary,
        }


@functools.lru_cache(maxsize=4096)
def split_pressure(pressure: str) -> tuple[str, str]:
    """'120/80' -> ('120', '80'); anything unreadable -> blanks."""
    parts = pressure.split("/")
    if len(parts) != 2:
        return "", ""
    sbp, dbp = (p.strip() for p in parts)
    return (sbp, dbp) if sbp.isdigit() and dbp.isdigit() else ("", "")


def charges_by_item(
    bundle: VisitBundle, rules: RuleSet
) -> tuple[dict[str, Decimal], Decimal, Decimal]:
    """The visit's charges by e-Claim charge item, its total and its items' total.

    What JHCIS charged beyond the listed items (``money1`` above their sum) is the
    service fee; the NDP 13 files' CHA is built from the same groups.
    """
    by_item: dict[str, Decimal] = {}
    chrgitem = rules.chrgitem
    for item in bundle.items:
        key = chrgitem(item.drugtype)
        by_item[key] = by_item.get(key, _ZERO) + item.total
    items_total = sum(by_item.values(), _ZERO)
    total = bundle.visit.money1 if bundle.visit.money1 is not None else items_total
    if total > items_total:
        fee = rules.chrgitem("06")
        by_item[fee] = by_item.get(fee, _ZERO) + (total - items_total)
    return by_item, total, items_total


class EclaimRows:
    """Turns one screened visit into the rows of each file, as ``(file, row)`` pairs."""

    def __init__(self, rules: RuleSet, hcode: str) -> None:
        self.rules = rules
        self.hcode = hcode
        self._drug_types = frozenset(rules.drug_drugtypes)
        self._procedure_types = frozenset(rules.oop_drugtypes)

    def rows(self, bundle: VisitBundle, verdict: Verdict, *, with_pat: bool) -> list[Pair]:
        v = bundle.visit
        rules, hcode = self.rules, self.hcode
        hn, seq, cid = str(v.pid), str(v.visitno), v.cid
        date = ymd(v.visitdate)
        clinic = self._clinic(next((d.clinic for d in bundle.diagnoses if d.clinic), ""))
        out: list[Pair] = [
            (
                "INS",
                f.INS(
                    HN=hn, INSCL=rules.eclaim_inscl(verdict.inscl),
                    SUBTYPE=v.sub_inscl or v.rightcode, CID=cid, HCODE=hcode,
                    DATEEXP="", HOSPMAIN=v.hosmain, HOSPSUB=v.hossub, GOVCODE="", GOVNAME="",
                    PERMITNO=v.claim_code, DOCNO="", OWNRPID="", OWNNAME="", AN="", SEQ=seq,
                    SUBINSCL=v.sub_inscl, RELINSCL="", HTYPE="",
                ),
            )
        ]  # fmt: skip
        if with_pat:
            out.append(
                (
                    "PAT",
                    f.PAT(
                        HCODE=hcode, HN=hn, CHANGWAT=v.provcode, AMPHUR=v.distcode,
                        DOB=ymd(exact(v.birth)), SEX=v.sex, MARRIAGE=v.marriage,
                        OCCUPA=v.occupation,
                        NATION=(v.nation or "99").zfill(3), PERSON_ID=cid,
                        NAMEPAT=f"{v.title}{v.first_name} {v.last_name}".strip(),
                        TITLE=v.title, FNAME=v.first_name, LNAME=v.last_name, IDTYPE="1",
                    ),
                )
            )  # fmt: skip
        sbp, dbp = split_pressure(v.pressure)
        rule = rules.categories.get(verdict.category)
        out.append(
            (
                "OPD",
                f.OPD(
                    HN=hn, CLINIC=clinic, DATEOPD=date, TIMEOPD=hhmm(v.timestart), SEQ=seq,
                    UUC="1", DETAIL=v.symptoms[:255],
                    BTEMP="" if v.temperature is None else str(v.temperature), SBP=sbp,
                    DBP=dbp, PR="", RR="", OPTYPE=rule.optype if rule else "", TYPEIN="1",
                    TYPEOUT="1",
                ),
            )
        )  # fmt: skip
        for d in bundle.diagnoses:
            out.append(
                (
                    "ODX",
                    f.ODX(
                        HN=hn, DATEDX=date, CLINIC=self._clinic(d.clinic, clinic), DIAG=d.code,
                        DXTYPE=d.dxtype, DRDX=d.provider_licence or v.provider_licence,
                        PERSON_ID=cid, SEQ=seq,
                    ),
                )
            )  # fmt: skip
        for refer, kind in (
            (v.refer_from, rules.orf_refertype_in),
            (v.refer_to, rules.orf_refertype_out),
        ):
            if refer:
                out.append(
                    (
                        "ORF",
                        f.ORF(
                            HN=hn, DATEOPD=date, CLINIC=clinic, REFER=refer, REFERTYPE=kind,
                            SEQ=seq, REFERDATE=date,
                        ),
                    )
                )  # fmt: skip
        self._procedures(bundle, out, hn=hn, seq=seq, date=date, clinic=clinic)
        self._charges(bundle, hn, seq, date, out)
        self._items(bundle, out, hn=hn, seq=seq, date=date, clinic=clinic)
        for lab in bundle.labs:
            if labtest := rules.lab_code(lab.labcode):  # unmapped: a report warning
                out.append(
                    (
                        "LABFU",
                        f.LABFU(
                            HCODE=hcode, HN=hn, PERSON_ID=cid,
                            DATESERV=ymd(lab.day or v.visitdate), SEQ=seq, LABTEST=labtest,
                            LABRESULT=lab.result,
                        ),
                    )
                )  # fmt: skip
        return out

    def _clinic(self, code: str, default: str = "") -> str:
        return f.eclaim_clinic(code, default or self.rules.default_clinic)

    def _procedures(
        self, bundle: VisitBundle, out: list[Pair], *, hn: str, seq: str, date: str, clinic: str
    ) -> None:
        """OOP: one row per procedure item with a known ICD-9-CM code."""
        procedures = self._procedure_types
        code = self.rules.procedure_code
        provider = bundle.provider_licence
        for item in bundle.items:
            if item.drugtype in procedures and (oper := code(item.drugcode, item.std_code)):
                out.append(
                    (
                        "OOP",
                        f.OOP(
                            HN=hn, DATEOPD=date, CLINIC=clinic, OPER=oper.replace(".", ""),
                            DROPID=provider, PERSON_ID=bundle.visit.cid, SEQ=seq,
                            SERVPRICE=money(item.total),
                        ),
                    )
                )  # fmt: skip

    def _charges(self, bundle: VisitBundle, hn: str, seq: str, date: str, out: list[Pair]) -> None:
        v = bundle.visit
        by_item, total, items_total = charges_by_item(bundle, self.rules)
        for key in sorted(by_item):
            out.append(
                (
                    "CHA",
                    f.CHA(
                        HN=hn, AN="", DATE=date, CHRGITEM=key, AMOUNT=money(by_item[key]),
                        PERSON_ID=v.cid, SEQ=seq,
                    ),
                )
            )  # fmt: skip
        out.append(
            (
                "CHT",
                f.CHT(
                    HN=hn, AN="", DATE=date, TOTAL=money(max(total, items_total)),
                    PAID=money(v.moneynoclaim), PTTYPE=v.rightcode, PERSON_ID=v.cid, SEQ=seq,
                    OPD_MEMO="", INVOICE_NO=f"{v.pcucode}{v.visitno}", INVOICE_LT="",
                ),
            )
        )  # fmt: skip

    def _items(
        self, bundle: VisitBundle, out: list[Pair], *, hn: str, seq: str, date: str, clinic: str
    ) -> None:
        v = bundle.visit
        rules = self.rules
        adp_codes = rules.adp_codes
        provider = bundle.provider_licence
        for item in bundle.items:
            if item.drugtype in self._drug_types:
                out.append(
                    (
                        "DRU",
                        f.DRU(
                            HCODE=self.hcode, HN=hn, AN="", CLINIC=clinic, PERSON_ID=v.cid,
                            DATE_SERV=date, DID=item.drugcode, DIDNAME=item.name,
                            AMOUNT=quantity(item.qty), DRUGPRICE=money(item.price),
                            DRUGCOST=money(item.cost), DIDSTD=item.std_code, UNIT=item.unit,
                            UNIT_PACK="", SEQ=seq, DRUGREMARK="", PA_NO="", TOTCOPAY="0.00",
                            USE_STATUS=rules.dru_use_status, TOTAL=money(item.total),
                            SIGCODE="", SIGTEXT=item.dose, PROVIDER=provider, SP_ITEM="",
                        ),
                    )
                )  # fmt: skip
            adp = adp_codes.get(item.drugcode)
            if adp is not None:
                out.append(
                    (
                        "ADP",
                        f.ADP(
                            HN=hn, AN="", DATEOPD=date, TYPE=adp.type, CODE=adp.code,
                            QTY=quantity(item.qty),
                            RATE=money(item.price), SEQ=seq, CAGCODE="", DOSE="", CA_TYPE="",
                            SERIALNO="", TOTCOPAY="0.00", USE_STATUS="",
                            TOTAL=money(item.total), QTYDAY="", TMLTCODE="", STATUS1="", BI="",
                            CLINIC=clinic, ITEMSRC="", PROVIDER=provider, GRAVIDA="",
                            GA_WEEK="",
                            DCIP_E_SCREEN="", LMP="", SP_ITEM="",
                        ),
                    )
                )  # fmt: skip


def batch_name(
    kind: str, hcode: str, date_from: dt.date, date_to: dt.date, now: dt.datetime
) -> str:
    return f"{kind}_{hcode}_{ymd(date_from)}-{ymd(date_to)}_{now:%Y%m%d-%H%M%S}"


def export_eclaim(
    source: ClaimSource,
    date_from: dt.date,
    date_to: dt.date,
    out_dir: Path,
    *,
    rules: RuleSet,
    hcode: str,
    fdh: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    zip_batch: bool = True,
) -> BatchResult:
    """Write one e-Claim batch (folder + zip + report); a dry run writes nothing at all
    (its report stays in memory: the summary and the first problems)."""
    moment = now or dt.datetime.now()
    name = batch_name("FDH" if fdh else "ECLAIM", hcode, date_from, date_to, moment)
    build = None if dry_run else new_batch_build(out_dir, name)[1]
    name = build.name if build is not None else name
    folder = build.folder if build is not None else None
    encoding = FDH_ENCODING if fdh else ECLAIM_ENCODING
    files = {
        key: DelimitedFile(None if folder is None else folder / f"{key}.txt", fields, encoding)
        for key, fields in ECLAIM_FIELDS.items()
    }
    report = r.ValidationReport(folder)
    builder = EclaimRows(rules, hcode)
    screen = Screen(rules, hcode)
    seen_people: set[tuple[str, int]] = set()
    done = 0
    try:
        total = source.count(date_from, date_to, hcode) if progress else 0
        step = report_every(total)
        if progress:
            progress(0, total)  # the page shows the total before the first visit
        try:
            for bundle in source.bundles(date_from, date_to, pcucode=hcode):
                verdict = screen.eclaim(bundle)
                if verdict.included:
                    person = (bundle.visit.pcucodeperson, bundle.visit.pid)
                    rows = builder.rows(bundle, verdict, with_pat=person not in seen_people)
                    seen_people.add(person)
                    clean = True
                    for key, row in rows:
                        clean = files[key].write_row(row) and clean
                    if not clean:
                        verdict.warnings.append((r.NOT_ENCODABLE, ""))
                record(report, bundle, verdict)
                done += 1
                if progress and done % step == 0:
                    progress(done, total)
        finally:
            for file in files.values():
                file.close()
            report.close()
        if progress:
            progress(done, total)
        zip_path = None
        if build is not None and folder is not None:
            members = [folder / f"{k}.txt" for k in files] if zip_batch else None
            zip_path = build.finish(members)
    except BaseException:
        if build is not None:
            build.abandon()  # nothing half-written is left to be mistaken for a batch
        raise
    log.info("e-Claim batch %s: %s", name, report.summary())
    return BatchResult.built(
        name, build, zip_path, report, files={key: f.rows for key, f in files.items()},
        dry_run=dry_run,
    )  # fmt: skip
