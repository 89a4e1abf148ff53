"""A 13-file batch for NHSO's Digital Platform: the closed-right visits of a date range.

Which visits: those of the unit whose right our close right closed (a
``kiosk_close_right`` row in status ``closed``), in the range. Each is either written
or in the batch's validation report with the reason (the report of the e-Claim
exports, :mod:`backoffice.exports.report`): not sent twice (the ledger,
:mod:`backoffice.ndp.ledger`), a citizen ID, one principal diagnosis and the provider's
citizen ID (file 3 requires it) being what a claim cannot go without.

The batch folder holds the seven files whose layout is public (``01_PATIENT.txt`` ...
``08_CHA.txt``: :data:`integrations.ndp_files.WRITTEN`), ``manifest.json`` (every one
of the 13 files, written or not and why; the visits, by unit and SEQ, never a
citizen ID) and the report. Files 6 and 9-13 are not written: no public layout.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, inspect, select

from backoffice.claims.ndp_tables import ensure_ndp_tables
from backoffice.claims.tables import kiosk_close_right
from backoffice.exports import report as r
from backoffice.exports.eclaim import batch_name
from backoffice.exports.jobs import Progress
from backoffice.exports.rules import RuleSet
from backoffice.exports.screening import Screen, Verdict, identity_problems, record
from backoffice.exports.source import ClaimSource, VisitBundle
from backoffice.exports.writer import DelimitedFile, new_batch_build
from backoffice.ndp import ledger
from backoffice.ndp.rows import ClosedRight, NdpRows, Practitioner
from common.cid import is_valid_cid
from integrations.jhcis import tables as t
from integrations.ndp_files import NDP_ENCODING, NDP_FILES, WRITTEN, ndp_header

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SPEC = "NHSO Digital Platform 13 files (13Plus v1.3.5.1 as read from public sources)"
#: Why files 6 and 9-13 are not in a batch (manifest.json); the search behind it is in
#: backoffice/ndp/README.md ("Not done").
NOT_PUBLIC = (
    "layout not public: not written (NHSO's API Specification 13Plus is not published; "
    "public sources give this file's field count and a few field names, not its columns)"
)


def _kind(code: str, severity: r.Severity, th: str, en: str) -> r.ProblemKind:
    return r.ProblemKind(code, severity, th, en)


ALREADY_SENT = _kind(
    "ndp_already_sent", "excluded",
    "ส่งเคลม 13 แฟ้มของครั้งบริการนี้ไปแล้ว ระบบไม่ส่งซ้ำ (ดูสถานะในหน้าเคลม 13 แฟ้ม)",
    "This visit's 13-file claim was sent already and is never sent twice (see the NDP "
    "claims page).",
)  # fmt: skip
IN_PROGRESS = _kind(
    "ndp_in_progress", "excluded",
    "กำลังส่งเคลมของครั้งบริการนี้อยู่ กรุณารอให้เสร็จ",
    "This visit's claim is being sent right now; wait for it to finish.",
)  # fmt: skip
OUTCOME_UNKNOWN = _kind(
    "ndp_outcome_unknown", "excluded",
    "ไม่ทราบผลการส่งครั้งก่อน (ไม่ได้รับคำตอบ) ตรวจสอบในระบบ NHSO Digital Platform ก่อน "
    "แล้วจึงส่งซ้ำโดยตั้งใจ (--resend) หากไม่พบ",
    "The last send's outcome is unknown (no answer): check the NHSO Digital Platform "
    "first and resend on purpose (--resend) only if the claim is not there.",
)  # fmt: skip
NO_CLOSE_CODE = _kind(
    "ndp_no_close_code", "excluded",
    "ไม่มีรหัสปิดสิทธิ (authenCode) จากการปิดสิทธิ: ปิดสิทธิให้สำเร็จก่อน",
    "No close-right code (authenCode): close the right first.",
)  # fmt: skip
PRINCIPAL_DX = _kind(
    "ndp_principal_dx", "excluded",
    "ต้องมีการวินิจฉัยหลัก (ประเภท 1) หนึ่งรายการพอดี: แก้ไขการวินิจฉัยใน JHCIS",
    "Exactly one principal diagnosis (type 1) is needed: correct the diagnoses in JHCIS.",
)  # fmt: skip
NO_PRACTITIONER_CID = _kind(
    "ndp_no_practitioner_cid", "excluded",
    "ผู้ให้บริการไม่มีเลขประจำตัวประชาชนที่ถูกต้องใน JHCIS (ข้อมูลเจ้าหน้าที่) ซึ่งแฟ้มที่ 3 ต้องมี",
    "The provider has no valid citizen ID on the JHCIS staff account, which file 3 needs.",
)  # fmt: skip
NO_TMT = _kind(
    "ndp_item_without_tmt", "warning",
    "รายการไม่มีรหัส TMT จึงไม่อยู่ในแฟ้ม CHAD (ยังไม่พบระบบรหัสอื่นของแฟ้มนี้ที่เผยแพร่) ยอดเงินยังอยู่ในแฟ้ม CHA",
    "An item has no TMT code, so it is not in CHAD (no other code system of that file is "
    "public); its amount is still in CHA.",
)  # fmt: skip
PROCEDURE_NOT_PUBLIC = _kind(
    "ndp_procedure_not_public", "warning",
    "มีหัตถการ แต่โครงสร้างแฟ้มที่ 6 (Procedure) ยังไม่เผยแพร่ จึงไม่ได้ส่งหัตถการ",
    "The visit has procedures, but file 6 (Procedure) has no public layout: not sent.",
)  # fmt: skip
PRENATAL_NOT_PUBLIC = _kind(
    "ndp_prenatal_not_public", "warning",
    "การฝากครรภ์: โครงสร้างแฟ้มที่ 10 (Prenatal) ยังไม่เผยแพร่ จึงไม่ได้ส่งข้อมูลการตั้งครรภ์",
    "Antenatal care: file 10 (Prenatal) has no public layout, so no pregnancy data is sent.",
)  # fmt: skip
_LEDGER_REASONS = {
    "sent": ALREADY_SENT,
    "in_progress": IN_PROGRESS,
    "outcome_unknown": OUTCOME_UNKNOWN,
}


@dataclass
class NdpBatch:
    name: str
    folder: Path | None  # None: a dry run, nothing written
    dry_run: bool
    files: dict[str, int] = field(default_factory=dict)  # file name -> data rows
    visits: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)
    sample: list[r.Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": "nhso-ndp",
            "batch": self.name,
            "folder": None if self.folder is None else str(self.folder),
            "dry_run": self.dry_run,
            "files": self.files,
            "visits": len(self.visits),
            "summary": self.summary,
        }


def closed_visits(
    engine: Engine, hcode: str, date_from: dt.date, date_to: dt.date
) -> dict[int, ClosedRight]:
    """The unit's visits of the range whose right we closed, by visitno."""
    cr, v = kiosk_close_right.c, t.visit.c
    with engine.connect() as conn:
        if not inspect(conn).has_table(kiosk_close_right.name):
            return {}
        query = (
            select(cr.id, cr.visitno, cr.transaction_id, cr.authen_code, cr.main_inscl)
            .select_from(
                kiosk_close_right.join(
                    t.visit, and_(v.pcucode == cr.pcucode, v.visitno == cr.visitno)
                )
            )
            .where(cr.pcucode == hcode, cr.status == "closed")
            .where(v.visitdate >= date_from, v.visitdate <= date_to)
        )
        rows = conn.execute(query).all()
    return {
        int(row.visitno): ClosedRight(
            int(row.id), str(row.transaction_id), str(row.authen_code or ""),
            str(row.main_inscl or ""),
        )
        for row in rows
    }  # fmt: skip


def practitioners(engine: Engine, hcode: str, visitnos: Iterable[int]) -> dict[int, Practitioner]:
    """Each visit's provider (JHCIS ``user`` of ``visit.username``): citizen ID and name."""
    v, u = t.visit.c, t.user.c
    wanted = sorted(set(visitnos))
    found: dict[int, Practitioner] = {}
    joined = t.visit.join(t.user, and_(u.pcucode == v.pcucode, u.username == v.username))
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            query = (
                select(v.visitno, u.idcard, u.fname, u.lname)
                .select_from(joined)
                .where(v.pcucode == hcode, v.visitno.in_(wanted[start : start + 500]))
            )
            for row in conn.execute(query):
                found[int(row.visitno)] = Practitioner(
                    str(row.idcard or "").strip(), str(row.fname or "").strip(),
                    str(row.lname or "").strip(),
                )  # fmt: skip
    return found


def unit_names(engine: Engine) -> dict[str, str]:
    """``chospital`` code -> name (a few thousand rows at most)."""
    c = t.chospital.c
    with engine.connect() as conn:
        return {
            str(k).strip(): str(n or "").strip()
            for k, n in conn.execute(select(c.hoscode, c.hosname))
        }


def _screen(
    screen: Screen, bundle: VisitBundle, closed: ClosedRight, who: Practitioner | None,
    claim: dict[str, Any] | None, *, resend: bool, moment: dt.datetime,
) -> Verdict:  # fmt: skip
    verdict = Verdict(screen.category(bundle), closed.main_inscl)
    verdict.excluded.extend(identity_problems(bundle.visit))
    ruling = ledger.verdict(claim, resend=resend, moment=moment)
    if not ruling.may_go:
        verdict.excluded.append(_LEDGER_REASONS[ruling.reason])
    if not closed.authen_code:
        verdict.excluded.append(NO_CLOSE_CODE)
    if sum(1 for d in bundle.diagnoses if d.dxtype == "1") != 1:
        verdict.excluded.append(PRINCIPAL_DX)
    if who is None or not is_valid_cid(who.cid):
        verdict.excluded.append(NO_PRACTITIONER_CID)
    if not bundle.provider_licence:
        verdict.warnings.append((r.MISSING_PROVIDER_LICENCE, ""))
    procedures = frozenset(screen.rules.oop_drugtypes)
    done = [i.drugcode for i in bundle.items if i.drugtype in procedures]
    no_tmt = [i.drugcode for i in bundle.items if i.drugtype not in procedures and not i.tmtcode]
    if done:
        verdict.warnings.append((PROCEDURE_NOT_PUBLIC, " ".join(done)))
    if no_tmt:
        verdict.warnings.append((NO_TMT, " ".join(no_tmt)))
    if verdict.category == "ANC":
        verdict.warnings.append((PRENATAL_NOT_PUBLIC, ""))
    return verdict


def export_ndp(
    source: ClaimSource,
    date_from: dt.date,
    date_to: dt.date,
    out_dir: Path,
    *,
    rules: RuleSet,
    hcode: str,
    resend: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> NdpBatch:
    """Write one 13-file batch (folder, manifest, report), all or nothing: it is built
    under a hidden name and renamed into place only when complete, so a crash or a kill
    leaves no half-written batch to be sent (as the e-Claim batches,
    :func:`backoffice.exports.writer.new_batch_build`). A dry run writes nothing at all:
    its report stays in memory."""
    engine = source.engine
    ensure_ndp_tables(engine)
    moment = now or dt.datetime.now()
    closed = closed_visits(engine, hcode, date_from, date_to)
    claims = ledger.claims_of(engine, hcode, closed)
    who = practitioners(engine, hcode, closed)
    name = batch_name("NDP", hcode, date_from, date_to, moment)
    build = None if dry_run else new_batch_build(out_dir, name)[1]
    name = build.name if build is not None else name
    folder = build.folder if build is not None else None
    files = {
        f.name: DelimitedFile(None if folder is None else folder / f.file_name, f.fields,
                              NDP_ENCODING)
        for f in WRITTEN
    }  # fmt: skip
    headers = {f.name: f.fields for f in WRITTEN}
    report = r.ValidationReport(folder)
    builder = NdpRows(rules, hcode, unit_names(engine))
    screen = Screen(rules, hcode)
    batch = NdpBatch(name, folder, dry_run)
    bundles = (
        source.bundles(date_from, date_to, pcucode=hcode, visitnos=sorted(closed)) if closed else ()
    )
    try:
        try:
            for done, bundle in enumerate(bundles, start=1):
                visit = bundle.visit
                closing = closed[visit.visitno]
                practitioner = who.get(visit.visitno)
                verdict = _screen(
                    screen, bundle, closing, practitioner, claims.get(visit.visitno),
                    resend=resend, moment=moment,
                )  # fmt: skip
                if verdict.included and practitioner is not None:
                    for key, row in builder.rows(bundle, closing, practitioner):
                        files[key].write(dict(zip(headers[key], row, strict=True)))
                    batch.visits.append(
                        {"pcucode": visit.pcucode, "visitno": visit.visitno, "seq": visit.seq,
                         "close_right_id": closing.close_right_id,
                         "transaction_id": closing.transaction_id}
                    )  # fmt: skip
                record(report, bundle, verdict)
                if progress:
                    progress(done, len(closed))
        finally:
            for file in files.values():
                file.close()
            report.close()
        batch.files = {f.file_name: files[f.name].rows for f in WRITTEN}
        batch.summary = report.summary()
        batch.sample = report.sample
        if build is not None:
            _write_manifest(
                build.folder, batch, hcode, moment
            )  # last: a folder with one is complete
            build.finish(None)
            batch.folder = build.folder
    except BaseException:
        if build is not None:
            build.abandon()  # nothing half-written is left to be mistaken for a batch
        raise
    if not dry_run:
        # After the rename: should this fail, the batch stands and the sender adds the
        # missing ledger rows from its manifest (ledger.add_missing).
        ledger.mark_exported(
            engine, hcode,
            ((v["visitno"], v["close_right_id"], v["transaction_id"]) for v in batch.visits), name,
        )  # fmt: skip
    log.info("NDP batch %s: %d visits, %s", name, len(batch.visits), batch.summary)
    return batch


def _write_manifest(folder: Path, batch: NdpBatch, hcode: str, moment: dt.datetime) -> None:
    manifest = {
        "format": SPEC,
        "hcode": hcode,
        "batch": batch.name,
        "created": moment.replace(microsecond=0).isoformat(),
        "encoding": "UTF-8",
        "delimiter": "|",
        "files": [
            {
                "number": f.number,
                "name": f.name,
                "title_th": f.title_th,
                "file": f.file_name if f.row else None,
                "fields": list(ndp_header(f.row)) if f.row else None,
                "rows": batch.files.get(f.file_name) if f.row else None,
                "note": "" if f.row else NOT_PUBLIC,
            }
            for f in NDP_FILES
        ],
        "visits": batch.visits,
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def read_manifest(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("visits"), list):
        raise ValueError("manifest without visits")
    return data
