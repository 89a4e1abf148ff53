"""Field orders of the files we write, exactly as reference §3a (e-Claim) and §3c (SSOP).

A file is described once here; writers check every row against it, so a field can
neither go missing nor move.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import namedtuple
from decimal import Decimal

# e-Claim "16+1" (reference jhcis-and-exports.md §3a), in the order the files are listed.
# One row type per file, its fields in the file's order; a row can only be built with
# every field named (mypy and the constructor both check), so none can go missing or
# move. The file's header is the type's field names ("DCIP/E_SCREEN" is the one name
# that is not an identifier).
INS = namedtuple(
    "INS",
    "HN INSCL SUBTYPE CID HCODE DATEEXP HOSPMAIN HOSPSUB GOVCODE GOVNAME PERMITNO DOCNO "
    "OWNRPID OWNNAME AN SEQ SUBINSCL RELINSCL HTYPE",
)
PAT = namedtuple(
    "PAT",
    "HCODE HN CHANGWAT AMPHUR DOB SEX MARRIAGE OCCUPA NATION PERSON_ID NAMEPAT TITLE FNAME "
    "LNAME IDTYPE",
)
OPD = namedtuple(
    "OPD", "HN CLINIC DATEOPD TIMEOPD SEQ UUC DETAIL BTEMP SBP DBP PR RR OPTYPE TYPEIN TYPEOUT"
)
ORF = namedtuple("ORF", "HN DATEOPD CLINIC REFER REFERTYPE SEQ REFERDATE")
ODX = namedtuple("ODX", "HN DATEDX CLINIC DIAG DXTYPE DRDX PERSON_ID SEQ")
OOP = namedtuple("OOP", "HN DATEOPD CLINIC OPER DROPID PERSON_ID SEQ SERVPRICE")
IPD = namedtuple(
    "IPD", "HN AN DATEADM TIMEADM DATEDSC TIMEDSC DISCHS DISCHT WARDDSC DEPT ADM_W UUC SVCTYPE"
)
IRF = namedtuple("IRF", "AN REFER REFERTYPE")
IDX = namedtuple("IDX", "AN DIAG DXTYPE DRDX")
IOP = namedtuple("IOP", "AN OPER OPTYPE DROPID DATEIN TIMEIN DATEOUT TIMEOUT")
CHT = namedtuple("CHT", "HN AN DATE TOTAL PAID PTTYPE PERSON_ID SEQ OPD_MEMO INVOICE_NO INVOICE_LT")
CHA = namedtuple("CHA", "HN AN DATE CHRGITEM AMOUNT PERSON_ID SEQ")
AER = namedtuple(
    "AER",
    "HN AN DATEOPD AUTHAE AEDATE AETIME AETYPE REFER_NO REFMAINI IREFTYPE REFMAINO OREFTYPE "
    "UCAE EMTYPE SEQ AESTATUS DALERT TALERT",
)
ADP = namedtuple(
    "ADP",
    "HN AN DATEOPD TYPE CODE QTY RATE SEQ CAGCODE DOSE CA_TYPE SERIALNO TOTCOPAY USE_STATUS "
    "TOTAL QTYDAY TMLTCODE STATUS1 BI CLINIC ITEMSRC PROVIDER GRAVIDA GA_WEEK DCIP_E_SCREEN "
    "LMP SP_ITEM",
)
LVD = namedtuple("LVD", "SEQLVD AN DATEOUT TIMEOUT DATEIN TIMEIN QTYDAY")
DRU = namedtuple(
    "DRU",
    "HCODE HN AN CLINIC PERSON_ID DATE_SERV DID DIDNAME AMOUNT DRUGPRICE DRUGCOST DIDSTD UNIT "
    "UNIT_PACK SEQ DRUGREMARK PA_NO TOTCOPAY USE_STATUS TOTAL SIGCODE SIGTEXT PROVIDER "
    "SP_ITEM",
)
LABFU = namedtuple("LABFU", "HCODE HN PERSON_ID DATESERV SEQ LABTEST LABRESULT")

ECLAIM_ROWS: tuple[type[tuple[str, ...]], ...] = (
    INS, PAT, OPD, ORF, ODX, OOP, IPD, IRF, IDX, IOP, CHT, CHA, AER, ADP, LVD, DRU, LABFU,
)  # fmt: skip
_NOT_IDENTIFIERS = {"DCIP_E_SCREEN": "DCIP/E_SCREEN"}


def header_of(row_type: type[tuple[object, ...]]) -> tuple[str, ...]:
    """The file columns a row type carries (its field names, as the file spells them)."""
    fields: tuple[str, ...] = getattr(row_type, "_fields", ())
    return tuple(_NOT_IDENTIFIERS.get(f, f) for f in fields)


ECLAIM_FIELDS: dict[str, tuple[str, ...]] = {row.__name__: header_of(row) for row in ECLAIM_ROWS}

ECLAIM_FILES: tuple[str, ...] = tuple(ECLAIM_FIELDS)

# SSOP (reference §3c): sections of each file, in order, with their fields.
SSOP_SECTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "BILLTRAN": (
        (
            "BILLTRAN",
            (
                "Station", "AuthCode", "DTTran", "HCode", "InvNo", "BillNo", "HN", "MemberNo",
                "Amount", "Paid", "VerCode", "Tflag", "PID", "Name", "HMain", "PayPlan",
                "ClaimAmt", "OtherPayplan", "OtherPay",
            ),
        ),
        (
            "BillItems",
            (
                "InvNo", "SvDate", "BillMuad", "LCCode", "STDCode", "Desc", "QTY", "UnitPrice",
                "ChargeAmt", "ClaimUP", "ClaimAmount", "SvRefID", "ClaimCat",
            ),
        ),
    ),
    "OPServices": (
        (
            "OPServices",
            (
                "InvNo", "SvID", "Class", "HCode", "HN", "PID", "CareAccount", "TypeServ",
                "TypeIn", "TypeOut", "DTAppoint", "SvPID", "Clinic", "BegDT", "EndDT", "LcCode",
                "CodeSet", "STDCode", "SvCharge", "Completion", "SvTxCode", "ClaimCat",
            ),
        ),
        ("OPDx", ("Class", "SvID", "SL", "CodeSet", "Code", "Desc")),
    ),
    "BILLDISP": (
        (
            "Dispensing",
            (
                "ProviderID", "DispID", "InvNo", "HN", "PID", "Prescdt", "DispDT", "Presc",
                "Itemcnt", "ChargeAmt", "ClaimAmt", "Paid", "OtherPay", "Reimburser",
                "BenefitPlan", "DispStat", "SvID", "DayCover",
            ),
        ),
        (
            "DispensedItems",
            # 19 fields, as production SSOP 0.93 exporters write them (reference §8):
            # dfsCode after DrgID; Claimcont, ClaimCat, MultiDisp, SupplyFor after
            # PrdSeCode; no CodeSet (issue 18, item 3).
            (
                "DispID", "PrdCat", "HospDrgID", "DrgID", "dfsCode", "dfsText", "Packsize",
                "sigCode", "sigText", "Quantity", "UnitPrice", "ChargeAmt", "ReimbPrice",
                "ReimbAmt", "PrdSeCode", "Claimcont", "ClaimCat", "MultiDisp", "SupplyFor",
            ),
        ),
    ),
}  # fmt: skip

ECLAIM_ENCODING = "cp874"  # windows-874, what the e-Claim program reads
FDH_ENCODING = "utf-8"
SSOP_ENCODING = "cp874"
CRLF = "\r\n"


# The formatters below run for every field of every row, on a handful of distinct
# values (days, prices, clock times): each keeps its last few thousand answers.
_memo = functools.lru_cache(maxsize=4096, typed=True)


@_memo
def ymd(day: dt.date | None) -> str:
    """YYYYMMDD in the Christian era, as e-Claim wants; empty when unknown."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}" if day else ""


@_memo
def hhmm(moment: dt.time | dt.timedelta | str | None) -> str:
    """HHMM from a TIME column (MySQL hands TIME back as a timedelta)."""
    if moment is None:
        return ""
    if isinstance(moment, dt.timedelta):
        minutes = int(moment.total_seconds()) // 60
        return f"{minutes // 60 % 24:02d}{minutes % 60:02d}"
    if isinstance(moment, dt.time):
        return f"{moment.hour:02d}{moment.minute:02d}"
    digits = "".join(ch for ch in str(moment) if ch.isdigit())
    return digits[:4] if len(digits) >= 4 else ""


@_memo
def money(value: Decimal | float | int | None) -> str:
    """Two decimals, the way every claim file writes amounts."""
    if value is None:
        return "0.00"
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{amount:.2f}"


@_memo
def quantity(value: Decimal | float | int | None) -> str:
    """A count without a useless fraction: 10 not 10.00, 1.5 stays 1.5."""
    if value is None:
        return "0"
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def icd_nodot(code: str | None) -> str:
    return (code or "").replace(".", "").strip().upper()


_BREAKERS = str.maketrans({"|": " ", "\r": " ", "\n": " ", "\t": " "})


def clean_field(value: object) -> str:
    """A field value that cannot break the line: no delimiter, no line break."""
    if isinstance(value, str):
        return value.translate(_BREAKERS)
    return "" if value is None else str(value)


# Clinic codes. e-Claim's CLINIC is 2 digits (SIL-TH CS_MoPH_Encounter.fsh,
# CS_eClaim_Clinic: 00 health centre, 01 internal medicine ... 25, 99 other); JHCIS
# records the 43-file 5-digit code (00100: department 001, sub-unit 00), whose
# department number is e-Claim's. SSOP's Clinic is สกส.'s list (CS_CHI.fsh CS_CHI_Clinic:
# 01-12 and 99 other), which shares 01-12 with e-Claim's.
CHI_CLINICS = frozenset({f"{n:02d}" for n in range(1, 13)} | {"99"})


@_memo
def eclaim_clinic(code: str, default: str) -> str:
    """A JHCIS clinic as e-Claim's 2 digits; `default` when it is neither form."""
    code = code.strip()
    if len(code) == 5 and code.isdigit() and code[0] == "0":
        return code[1:3]
    if len(code) == 2 and code.isdigit():
        return code
    return default


@_memo
def chi_clinic(code: str, default: str) -> str:
    """The same clinic in สกส.'s list for SSOP: 99 (other) where it has none."""
    clinic = eclaim_clinic(code, default)
    return clinic if clinic in CHI_CLINICS else "99"
