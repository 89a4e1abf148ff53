"""`check_batch`: open a batch, tell e-Claim, SSOP and NDP apart by file names, check it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .batch import Batch, Member, open_batch
from .eclaim_check import BATCH, EclaimCheck
from .eclaim_spec import BY_NAME
from .ndp_check import NdpCheck
from .ndp_spec import file_for, is_ndp_name
from .problems import ERROR, WARNING, BatchKind, CheckReport, Findings
from .ssop_check import SsopCheck

# e-Claim files are named by the file alone (INS.txt); some generators add a date
# stamp (OPD<yymmdd>.txt, reference §3a). SSOP files carry a date (BILLTRAN<date>.txt).
_ECLAIM_NAME = re.compile(rf"({'|'.join(BY_NAME)})(\d{{6}}|\d{{8}})?\.TXT")
_SSOP_NAME = re.compile(r"(BILLTRAN|BILLDISP|OPSERVICES)\d{8}\.TXT")


def check_batch(path: Path) -> CheckReport:
    """Check the claim batch at `path` (a folder or a .zip) and return what was found.

    Raises FileNotFoundError when `path` does not exist; an unreadable zip is reported
    as an `unreadable` error in the report instead.
    """
    path = Path(path)
    report = CheckReport(path=str(path), kind="unknown")
    findings = Findings(report)
    try:
        with open_batch(path) as batch:
            _check(batch, report, findings)
    except (zipfile.BadZipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and not path.exists():
            raise
        findings.add(ERROR, "unreadable", path.name)
    report.problems.sort(key=lambda p: (p.file != BATCH, p.file, p.line or 0))
    return report


#: What an NDP batch folder may carry beside its files (a writer's manifest and report).
_NDP_COMPANIONS = frozenset({"MANIFEST.JSON", "REPORT.CSV", "REPORT.JSON"})


def _check(batch: Batch, report: CheckReport, findings: Findings) -> None:
    if any(is_ndp_name(member.name) for member in batch.members):
        _check_ndp(batch, report, findings)
        return
    eclaim: dict[str, Member] = {}
    ssop: dict[str, Member] = {}
    others: list[str] = []
    for member in batch.members:
        upper = member.name.upper()
        if match := _ECLAIM_NAME.fullmatch(upper):
            _keep(eclaim, match.group(1), member, findings)
        elif match := _SSOP_NAME.fullmatch(upper):
            _keep(ssop, match.group(1), member, findings)
        else:
            others.append(member.name)
    kind: BatchKind = "ssop" if len(ssop) > len(eclaim) else "eclaim" if eclaim else "unknown"
    report.kind = kind
    if kind == "unknown":
        findings.add(ERROR, "no_claim_files", batch.name)
        return
    label = "SSOP" if kind == "ssop" else "e-Claim"
    if eclaim and ssop:
        findings.add(ERROR, "mixed_kinds", BATCH, kind=label)
        others += [m.name for m in (eclaim if kind == "ssop" else ssop).values()]
    for name in others:
        findings.add(WARNING, "unknown_file", name, kind=label)
    if kind == "ssop":
        ssop_check = SsopCheck(findings)
        ssop_check.run(ssop, batch.name, batch.is_zip)
        report.encodings = ssop_check.encodings
    else:
        eclaim_check = EclaimCheck(findings)
        eclaim_check.run(eclaim)
        report.encodings = eclaim_check.encodings


def _check_ndp(batch: Batch, report: CheckReport, findings: Findings) -> None:
    report.kind = "ndp"
    files: dict[int, Member] = {}
    for member in batch.members:
        found = file_for(member.name)
        if found is not None:
            if found.number in files:
                findings.add(WARNING, "duplicate_file", member.name)
            else:
                files[found.number] = member
        elif member.name.upper() not in _NDP_COMPANIONS:
            findings.add(WARNING, "unknown_file", member.name, kind=("13 แฟ้ม", "13-file"))
    ndp_check = NdpCheck(findings)
    ndp_check.run(files)
    report.encodings = ndp_check.encodings


def _keep(table: dict[str, Member], key: str, member: Member, findings: Findings) -> None:
    if key in table:
        findings.add(WARNING, "duplicate_file", member.name)
    else:
        table[key] = member
