"""Hand-made claim batches for the checker's tests.

Each builder starts from a small batch that is clean by the published layouts (two
synthetic visits, written out here field by field from the public field lists, not from
our writers), lets a test change one thing, and writes it out as a folder or a zip.
A rule's test then shows the change failing and the untouched batch passing.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from integrations.claim_check import CheckReport, Problem

HCODE = "99901"
DAY = "20260302"


def cid(stem: str) -> str:
    """A synthetic 13-digit citizen ID with a valid check digit."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(stem))
    return stem + str((11 - total % 11) % 10)


#: Two synthetic people (never real): HN, citizen ID, name.
PEOPLE = [
    ("51", cid("199000000123"), "สมชาย", "ทดสอบ"),
    ("106", cid("299000000456"), "สมหญิง", "ใจดี"),
]

ECLAIM_HEADERS = {
    "INS": "HN|INSCL|SUBTYPE|CID|HCODE|DATEEXP|HOSPMAIN|HOSPSUB|GOVCODE|GOVNAME|PERMITNO|DOCNO|"
    "OWNRPID|OWNNAME|AN|SEQ|SUBINSCL|RELINSCL|HTYPE",
    "PAT": "HCODE|HN|CHANGWAT|AMPHUR|DOB|SEX|MARRIAGE|OCCUPA|NATION|PERSON_ID|NAMEPAT|TITLE|FNAME|"
    "LNAME|IDTYPE",
    "OPD": "HN|CLINIC|DATEOPD|TIMEOPD|SEQ|UUC|DETAIL|BTEMP|SBP|DBP|PR|RR|OPTYPE|TYPEIN|TYPEOUT",
    "ORF": "HN|DATEOPD|CLINIC|REFER|REFERTYPE|SEQ|REFERDATE",
    "ODX": "HN|DATEDX|CLINIC|DIAG|DXTYPE|DRDX|PERSON_ID|SEQ",
    "OOP": "HN|DATEOPD|CLINIC|OPER|DROPID|PERSON_ID|SEQ|SERVPRICE",
    "IPD": "HN|AN|DATEADM|TIMEADM|DATEDSC|TIMEDSC|DISCHS|DISCHT|WARDDSC|DEPT|ADM_W|UUC|SVCTYPE",
    "IRF": "AN|REFER|REFERTYPE",
    "IDX": "AN|DIAG|DXTYPE|DRDX",
    "IOP": "AN|OPER|OPTYPE|DROPID|DATEIN|TIMEIN|DATEOUT|TIMEOUT",
    "CHT": "HN|AN|DATE|TOTAL|PAID|PTTYPE|PERSON_ID|SEQ|OPD_MEMO|INVOICE_NO|INVOICE_LT",
    "CHA": "HN|AN|DATE|CHRGITEM|AMOUNT|PERSON_ID|SEQ",
    "AER": "HN|AN|DATEOPD|AUTHAE|AEDATE|AETIME|AETYPE|REFER_NO|REFMAINI|IREFTYPE|REFMAINO|OREFTYPE|"
    "UCAE|EMTYPE|SEQ|AESTATUS|DALERT|TALERT",
    "ADP": "HN|AN|DATEOPD|TYPE|CODE|QTY|RATE|SEQ|CAGCODE|DOSE|CA_TYPE|SERIALNO|TOTCOPAY|USE_STATUS|"
    "TOTAL|QTYDAY|TMLTCODE|STATUS1|BI|CLINIC|ITEMSRC|PROVIDER|GRAVIDA|GA_WEEK|DCIP/E_SCREEN|LMP|SP_ITEM",
    "LVD": "SEQLVD|AN|DATEOUT|TIMEOUT|DATEIN|TIMEIN|QTYDAY",
    "DRU": "HCODE|HN|AN|CLINIC|PERSON_ID|DATE_SERV|DID|DIDNAME|AMOUNT|DRUGPRICE|DRUGCOST|DIDSTD|"
    "UNIT|UNIT_PACK|SEQ|DRUGREMARK|PA_NO|TOTCOPAY|USE_STATUS|TOTAL|SIGCODE|SIGTEXT|PROVIDER|SP_ITEM",
    "LABFU": "HCODE|HN|PERSON_ID|DATESERV|SEQ|LABTEST|LABRESULT",
}


def _eclaim_rows() -> dict[str, list[list[str]]]:
    """Two clean visits, each row written as the line it becomes in its file."""
    rows: dict[str, list[list[str]]] = {name: [] for name in ECLAIM_HEADERS}
    for n, (hn, pid, first, last) in enumerate(PEOPLE, start=1):
        seq, lic = str(100 + n), "ว12345"
        lines = {
            "INS": f"{hn}|UCS|89|{pid}|{HCODE}||99900|{HCODE}|||PP{n:010d}|||||{seq}|||1",
            "PAT": f"{HCODE}|{hn}|99|01|19700101|1|2|000|099|{pid}|{first} {last}|นาย|{first}|"
            f"{last}|1",
            "OPD": f"{hn}|01|{DAY}|0905|{seq}|1|ไข้|36.8|120|80|80|20|7|1|1",
            "ODX": f"{hn}|{DAY}|01|J069|1|{lic}|{pid}|{seq}",
            "OOP": f"{hn}|{DAY}|01|9357|{lic}|{pid}|{seq}|50.00",
            "ORF": f"{hn}|{DAY}|01|99900|2|{seq}|{DAY}",
            "CHT": f"{hn}||{DAY}|80.00|0.00|UC|{pid}|{seq}|||",
            "DRU": f"{HCODE}|{hn}||01|{pid}|{DAY}|D0001|Paracetamol 500 mg|10|3.00|1.00|229123|เม็ด|"
            f"1x10|{seq}|||0.00|2|30.00||วันละ 3 ครั้ง|{lic}|",
            "ADP": f"{hn}||{DAY}|3|30011|1|50.00|{seq}|||||0.00||50.00|||||01|1|{lic}|||||",
            "LABFU": f"{HCODE}|{hn}|{pid}|{DAY}|{seq}|0531601|6.2",
        }
        for file, line in lines.items():
            rows[file].append(line.split("|"))
        rows["CHA"] += [
            f"{hn}||{DAY}|{item}|{amount}|{pid}|{seq}".split("|")
            for item, amount in (("41", "30.00"), ("B1", "50.00"))
        ]
    return rows


def _write_text(path: Path, lines: list[str], encoding: str, eol: str) -> None:
    path.write_bytes(eol.join(lines).encode(encoding) + eol.encode())


class EclaimBatch:
    """A clean e-Claim batch; change `rows` or `headers`, then `write()`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.headers = dict(ECLAIM_HEADERS)
        self.rows = _eclaim_rows()
        self.encoding = "cp874"
        self.eol = "\r\n"

    def row(self, file: str, n: int = 0) -> dict[str, str]:
        """A view of one row by field name, for reading; set with `set`."""
        return dict(zip(self.headers[file].split("|"), self.rows[file][n], strict=True))

    def set(self, file: str, field: str, value: str, n: int = 0) -> EclaimBatch:
        self.rows[file][n][self.headers[file].split("|").index(field)] = value
        return self

    def write(self, name: str = "eclaim", *, as_zip: bool = False) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, header in self.headers.items():
            lines = [header, *("|".join(r) for r in self.rows[file])]
            _write_text(folder / f"{file}.txt", lines, self.encoding, self.eol)
        return _zip(folder) if as_zip else folder


# -- SSOP --------------------------------------------------------------------------------

SESSNO = "0001"


def _ssop_sections() -> dict[str, list[list[str]]]:
    """Two clean visits (a drug and a dressing each), each row as the line it becomes."""
    tags = ("BILLTRAN", "BillItems", "OPServices", "OPDx", "Dispensing", "DispensedItems")
    sections: dict[str, list[list[str]]] = {tag: [] for tag in tags}
    for n, (hn, pid, first, last) in enumerate(PEOPLE, start=1):
        inv, svid, disp, lic = f"{HCODE}{n:04d}", f"S{n:08d}", f"D{n:08d}", "ว12345"
        start, end = "2026-03-02T09:05:00", "2026-03-02T09:30:00"
        lines = {
            "BILLTRAN": [
                f"01||{start}|{HCODE}|{inv}||{hn}||80.00|0.00||A|{pid}|{first} {last}|99900|80|"
                "80.00||0.00"
            ],
            "BillItems": [
                f"{inv}|2026-03-02|3|D0001|229123|Paracetamol|10|3.00|30.00|3.00|30.00|{disp}|OP1",
                f"{inv}|2026-03-02|B|PR01|55020|ทำแผล|1|50.00|50.00|50.00|50.00|{svid}|OP1",
            ],
            "OPServices": [
                f"{inv}|{svid}|EC|{HCODE}|{hn}|{pid}|1|01|1|1||{lic}|01|{start}|{end}||||0.00|Y||OP1"
            ],
            "OPDx": [f"EC|{svid}|1|TT|J069|"],
            "Dispensing": [
                f"{HCODE}|{disp}|{inv}|{hn}|{pid}|{start}|{end}|{lic}|1|30.00|30.00|0.00|0.00|HP|SS|1|{svid}|"
            ],
            "DispensedItems": [
                f"{disp}|1|D0001|229123||Paracetamol 500 mg|10||วันละ 3 ครั้ง|10|3.00|30.00|3.00|"
                "30.00|0|OD|OP1||"
            ],
        }
        for tag, texts in lines.items():
            sections[tag] += [text.split("|") for text in texts]
    return sections


SSOP_FILES = {
    "BILLTRAN": ("BILLTRAN", "BillItems"),
    "OPServices": ("OPServices", "OPDx"),
    "BILLDISP": ("Dispensing", "DispensedItems"),
}
SSOP_FIELDS = {
    "BILLTRAN": "Station AuthCode DTTran Hcode InvNo BillNo HN MemberNo Amount Paid VerCode Tflag "
    "PID Name HMain PayPlan ClaimAmt OtherPayplan OtherPay",
    "BillItems": "InvNo SvDate BillMuad LCCode STDCode Desc QTY UP ChargeAmt ClaimUP ClaimAmount "
    "SvRefID ClaimCat",
    "OPServices": "InvNo SvID Class Hcode HN PID CareAccount TypeServ TypeIn TypeOut DTAppoint "
    "SvPID Clinic BegDT EndDT LcCode CodeSet STDCode SvCharge Completion SvTxCode ClaimCat",
    "OPDx": "Class SvID SL CodeSet Code Desc",
    "Dispensing": "ProviderID DispID InvNo HN PID Prescdt DispDT Prescb Itemcnt ChargeAmt ClaimAmt "
    "Paid OtherPay Reimburser BenefitPlan DispeStat SvID DayCover",
    "DispensedItems": "DispID PrdCat HospDrgID DrgID dfsCode dfsText Packsize sigCode sigText "
    "Quantity UnitPrice ChargeAmt ReimbPrice ReimbAmt PrdSeCode Claimcont ClaimCat MultiDisp "
    "SupplyFor",
}


class SsopBatch:
    """A clean SSOP batch; change `sections`, `header`, or how it is written, then `write()`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sections = _ssop_sections()
        self.sessno = {f: SESSNO for f in SSOP_FILES}
        self.hcode = HCODE
        self.date = DAY
        self.encoding = "cp874"
        self.eol = "\r\n"
        self.reccount: dict[str, str] = {}  # file -> a RECCOUNT other than the true one
        #: file -> how to end it: "upper", "lower", "short" (MD5 without the last line end),
        #: "wrong", "none".
        self.checksum = {f: "upper" for f in SSOP_FILES}
        self.leave_out: set[str] = set()  # section tags to drop entirely

    def set(self, section: str, field: str, value: str, n: int = 0) -> SsopBatch:
        self.sections[section][n][SSOP_FIELDS[section].split().index(field)] = value
        return self

    def zip_name(self, sessno: str | None = None) -> str:
        return f"{self.hcode}_SSOPBIL_{sessno or SESSNO}_01_{self.date}-103000.zip"

    def file_bytes(self, file: str) -> bytes:
        main, items = SSOP_FILES[file]
        eol = self.eol
        lines = [
            '<?xml version="1.0" encoding="windows-874"?>',
            '<ClaimRec System="OP" PayPlan="SS" Version="0.93" Prgs="TEST">',
            "<Header>",
            f"<HCODE>{self.hcode}</HCODE>",
            "<HNAME>รพ.สต.ทดสอบ</HNAME>",
            "<DATETIME>2026-03-03T10:30:00</DATETIME>",
            f"<SESSNO>{self.sessno[file]}</SESSNO>",
            f"<RECCOUNT>{self.reccount.get(file, len(self.sections[main]))}</RECCOUNT>",
            "</Header>",
        ]
        for tag in (main, items):
            if tag in self.leave_out:
                continue
            lines += [f"<{tag}>", *("|".join(r) for r in self.sections[tag]), f"</{tag}>"]
        lines.append("</ClaimRec>")
        body = (eol.join(lines) + eol).encode(self.encoding)
        how = self.checksum[file]
        if how == "none":
            return body
        hashed = body[: -len(eol.encode())] if how == "short" else body
        digest = hashlib.md5(hashed, usedforsecurity=False).hexdigest()
        digest = {"lower": digest, "wrong": "0" * 32}.get(how, digest.upper())
        return body + f'<?EndNote Checksum="{digest}"?>'.encode()

    def write(self, name: str | None = None, *, as_zip: bool = True) -> Path:
        folder = self.root / (name or self.zip_name()).removesuffix(".zip")
        folder.mkdir(parents=True, exist_ok=True)
        for file in SSOP_FILES:
            (folder / f"{file}{self.date}.txt").write_bytes(self.file_bytes(file))
        return _zip(folder) if as_zip else folder


def _zip(folder: Path) -> Path:
    target = folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return target


@pytest.fixture
def eclaim(tmp_path: Path) -> EclaimBatch:
    return EclaimBatch(tmp_path)


@pytest.fixture
def ssop(tmp_path: Path) -> SsopBatch:
    return SsopBatch(tmp_path)


@pytest.fixture
def personal_values() -> list[str]:
    """Everything personal in the hand-made batches: no report may echo any of it."""
    return [value for hn, pid, first, last in PEOPLE for value in (pid, first, last)] + [
        f"{first} {last}" for _hn, _pid, first, last in PEOPLE
    ]


def found(
    report: CheckReport, code: str, field: str | None = None, file: str | None = None
) -> list[Problem]:
    """The report's problems of `code`, narrowed to a field and/or a file (prefix)."""
    return [
        p
        for p in report.problems
        if p.code == code
        and (field is None or p.field == field)
        and (file is None or p.file.startswith(file))
    ]


def rules(report: CheckReport) -> set[tuple[str, str, str | None]]:
    """(code, file, field) of every problem: what the checker said, without its wording."""
    return {(p.code, p.file, p.field) for p in report.problems}
