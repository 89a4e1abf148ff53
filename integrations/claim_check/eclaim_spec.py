"""The NHSO e-Claim "16+1 files", read from public sources (not from our writers).

Layout (every file): `|`-delimited text, first line = the field names in order, CRLF,
windows-874 for the e-Claim program (UTF-8 is what the MOPH FDH 16-file upload takes).
Dates YYYYMMDD (Christian era), times HHMM, amounts with 2 decimals, ICD codes without
the dot. Source keys (full citations in README.md, "Provenance"):

  REF   /work/shared/reference/jhcis-and-exports.md §3a: the field lists as five public
        generators write them (IDX:62475203125, IDX:1642679353, IDX:1240549859,
        IDX:32581998361, IDX:71272911692).
  HOSXP IDX:62475203125, a HOSxP e-Claim generator that says it follows the official
        e-Claim PDF: per-field formats (dates, HHMM, 2-decimal amounts, dot-free ICD).
  PGANS Pgans/m30-fdh@4d385117 controllers/F16opucepController.php: the same headers as
        sent to the FDH 16-file API in production.
  IG    sil-th/terminology-ig code lists (see codes.py).
  F43   the 43-file standard v2.4.1 (reference §3b), used only for maximum widths that the
        e-Claim sources do not give; those width findings are warnings.

Where the sources differ on a layout (older generators), `OLDER` lists the variants:
a batch in one of them gets a warning, not an error, and is checked by its own header.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import codes
from .fields import (
    CID,
    DATE8,
    DIGITS,
    HCODE,
    ICD9CM,
    ICD10,
    INTEGER,
    LICENCE,
    MONEY,
    NUMBER,
    TIME4,
    Field,
    exp,
    opt,
    req,
)


@dataclass(frozen=True)
class FileSpec:
    name: str
    fields: tuple[Field, ...]
    #: Older layouts still written by public generators, as tuples of field names.
    older: tuple[tuple[str, ...], ...] = ()

    @property
    def header(self) -> str:
        return "|".join(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """The definition of a field by name; names only older layouts use are free text."""
        for f in self.fields:
            if f.name == name:
                return f
        return opt(name)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Fields that recur across files, defined once.
def _hn(need: str = "required") -> Field:
    return Field("HN", "text", need, max_len=15, personal=True)  # type: ignore[arg-type]


_PERSON_ID = req("PERSON_ID", CID, personal=True)
_SEQ = req("SEQ", max_len=16)  # F43 SERVICE.SEQ C16
_AN_OPT = opt("AN", max_len=15)
_CLINIC = req("CLINIC")  # its form is judged batch-wide (eclaim_check: clinic codes)
_HCODE = req("HCODE", HCODE)

INS = FileSpec(
    "INS",
    (
        _hn(),
        req("INSCL", codes=codes.INSCL),
        opt("SUBTYPE"),
        exp("CID", CID, personal=True),
        req("HCODE", HCODE),
        opt("DATEEXP", DATE8),
        exp("HOSPMAIN", HCODE),
        opt("HOSPSUB", HCODE),
        opt("GOVCODE"),
        opt("GOVNAME"),
        # PERMITNO carries the NHSO authen claim code (HOSxP: claim_code/auth_code).
        exp("PERMITNO"),
        opt("DOCNO"),
        opt("OWNRPID", CID, personal=True),
        opt("OWNNAME", personal=True),
        _AN_OPT,
        opt("SEQ", max_len=16),  # empty for an admission (AN) row
        opt("SUBINSCL"),
        opt("RELINSCL"),
        opt("HTYPE", codes=codes.PROVIDER_TYPE),
    ),
    # Older generators (IDX:1642679353, IDX:1240549859) put DATEIN where HCODE now stands.
    older=(
        _names(
            "HN INSCL SUBTYPE CID DATEIN DATEEXP HOSPMAIN HOSPSUB GOVCODE GOVNAME PERMITNO "
            "DOCNO OWNRPID OWNNAME AN SEQ SUBINSCL RELINSCL HTYPE"
        ),
    ),
)

PAT = FileSpec(
    "PAT",
    (
        _HCODE,
        _hn(),
        exp("CHANGWAT", DIGITS, max_len=2),
        exp("AMPHUR", DIGITS, max_len=2),
        req("DOB", DATE8),
        req("SEX", codes=codes.SEX),
        exp("MARRIAGE", codes=codes.MARITAL),
        exp("OCCUPA", DIGITS, max_len=4),
        exp("NATION", DIGITS, max_len=3),
        _PERSON_ID,
        exp("NAMEPAT", personal=True),
        opt("TITLE", personal=True),
        exp("FNAME", personal=True),
        exp("LNAME", personal=True),
        exp("IDTYPE", DIGITS),
    ),
)

OPD = FileSpec(
    "OPD",
    (
        _hn(),
        _CLINIC,
        req("DATEOPD", DATE8),
        req("TIMEOPD", TIME4),
        _SEQ,
        req("UUC", codes=codes.COVERAGE_USE),
        opt("DETAIL"),
        opt("BTEMP", NUMBER),
        opt("SBP", INTEGER),
        opt("DBP", INTEGER),
        opt("PR", INTEGER),
        opt("RR", INTEGER),
        exp("OPTYPE", codes=codes.SERVICE_TYPE),
        exp("TYPEIN", codes=codes.ADMIT_SOURCE),
        exp("TYPEOUT", codes=codes.DISCHARGE_STATUS),
    ),
    older=(_names("HN CLINIC DATEOPD TIMEOPD SEQ UUC"),),  # IDX:32581998361
)

ODX = FileSpec(
    "ODX",
    (
        _hn(),
        req("DATEDX", DATE8),
        _CLINIC,
        req("DIAG", ICD10, max_len=6),  # F43 DIAGNOSIS_OPD.DIAGCODE C6
        req("DXTYPE", codes=codes.DIAGNOSIS_TYPE),
        exp("DRDX", LICENCE),
        _PERSON_ID,
        _SEQ,
    ),
)

OOP = FileSpec(
    "OOP",
    (
        _hn(),
        req("DATEOPD", DATE8),
        _CLINIC,
        req("OPER", ICD9CM),
        exp("DROPID", LICENCE),
        _PERSON_ID,
        _SEQ,
        opt("SERVPRICE", MONEY),
    ),
    # PGANS F16opucepController writes OOP without SERVPRICE.
    older=(_names("HN DATEOPD CLINIC OPER DROPID PERSON_ID SEQ"),),
)

ORF = FileSpec(
    "ORF",
    (
        _hn(),
        req("DATEOPD", DATE8),
        _CLINIC,
        req("REFER", HCODE),
        req("REFERTYPE", codes=codes.REFER_TYPE),
        _SEQ,
        opt("REFERDATE", DATE8),
    ),
)

IPD = FileSpec(
    "IPD",
    (
        _hn(),
        req("AN", max_len=15),
        req("DATEADM", DATE8),
        req("TIMEADM", TIME4),
        req("DATEDSC", DATE8),
        req("TIMEDSC", TIME4),
        req("DISCHS"),
        req("DISCHT"),
        opt("WARDDSC"),
        opt("DEPT"),
        opt("ADM_W", NUMBER),
        req("UUC", codes=codes.COVERAGE_USE),
        opt("SVCTYPE"),
    ),
)

IRF = FileSpec("IRF", (req("AN"), req("REFER", HCODE), req("REFERTYPE")))

IDX = FileSpec(
    "IDX",
    (
        req("AN"),
        req("DIAG", ICD10, max_len=6),
        req("DXTYPE", codes=codes.DIAGNOSIS_TYPE),
        exp("DRDX", LICENCE),
    ),
)

IOP = FileSpec(
    "IOP",
    (
        req("AN"),
        req("OPER", ICD9CM),
        opt("OPTYPE"),
        exp("DROPID", LICENCE),
        opt("DATEIN", DATE8),
        opt("TIMEIN", TIME4),
        opt("DATEOUT", DATE8),
        opt("TIMEOUT", TIME4),
    ),
)

CHT = FileSpec(
    "CHT",
    (
        _hn(),
        _AN_OPT,
        req("DATE", DATE8),
        req("TOTAL", MONEY),
        req("PAID", MONEY),
        exp("PTTYPE"),
        _PERSON_ID,
        _SEQ,
        opt("OPD_MEMO"),
        opt("INVOICE_NO"),
        opt("INVOICE_LT"),
    ),
    older=(_names("HN AN DATE TOTAL PAID PTTYPE PERSON_ID SEQ"),),  # PGANS, REF "older: first 8"
)

CHA = FileSpec(
    "CHA",
    (
        _hn(),
        _AN_OPT,
        req("DATE", DATE8),
        req("CHRGITEM", codes=codes.CHARGE_ITEM),
        req("AMOUNT", MONEY),
        _PERSON_ID,
        _SEQ,
    ),
)

AER = FileSpec(
    "AER",
    (
        _hn(),
        _AN_OPT,
        opt("DATEOPD", DATE8),
        opt("AUTHAE"),
        opt("AEDATE", DATE8),
        opt("AETIME", TIME4),
        opt("AETYPE"),
        opt("REFER_NO"),
        opt("REFMAINI"),
        opt("IREFTYPE"),
        opt("REFMAINO"),
        opt("OREFTYPE"),
        opt("UCAE"),
        opt("EMTYPE"),
        opt("SEQ", max_len=16),
        opt("AESTATUS"),
        opt("DALERT", DATE8),
        opt("TALERT", TIME4),
    ),
)

_ADP_NAMES = _names(
    "HN AN DATEOPD TYPE CODE QTY RATE SEQ CAGCODE DOSE CA_TYPE SERIALNO TOTCOPAY USE_STATUS "
    "TOTAL QTYDAY TMLTCODE STATUS1 BI CLINIC ITEMSRC PROVIDER GRAVIDA GA_WEEK DCIP/E_SCREEN LMP"
)

ADP = FileSpec(
    "ADP",
    (
        _hn(),
        _AN_OPT,
        req("DATEOPD", DATE8),
        req("TYPE", codes=codes.ADP_TYPE),
        req("CODE"),
        req("QTY", NUMBER),
        req("RATE", MONEY),
        _SEQ,
        opt("CAGCODE"),
        opt("DOSE"),
        opt("CA_TYPE"),
        opt("SERIALNO"),
        opt("TOTCOPAY", MONEY),
        opt("USE_STATUS"),
        exp("TOTAL", MONEY),
        opt("QTYDAY"),
        opt("TMLTCODE"),
        opt("STATUS1"),
        opt("BI"),
        _CLINIC,
        opt("ITEMSRC"),
        exp("PROVIDER", LICENCE),
        opt("GRAVIDA"),
        opt("GA_WEEK"),
        opt("DCIP/E_SCREEN"),
        opt("LMP", DATE8),
        opt("SP_ITEM"),
    ),
    older=(_ADP_NAMES,),  # PGANS F16opdController: no SP_ITEM
)

_DRU_OLD = _names(
    "HCODE HN AN CLINIC PERSON_ID DATE_SERV DID DIDNAME AMOUNT DRUGPRIC DRUGCOST DIDSTD UNIT "
    "UNIT_PACK SEQ DRUGREMARK PA_NO TOTCOPAY USE_STATUS TOTAL SIGCODE SIGTEXT"
)

DRU = FileSpec(
    "DRU",
    (
        _HCODE,
        _hn(),
        _AN_OPT,
        _CLINIC,
        _PERSON_ID,
        req("DATE_SERV", DATE8),
        req("DID", max_len=30),
        req("DIDNAME"),
        req("AMOUNT", NUMBER),
        req("DRUGPRICE", MONEY),
        opt("DRUGCOST", MONEY),
        # The 24-digit drug standard code (TMT / DIDSTD), F43 DRUG_OPD.DIDSTD C24.
        exp("DIDSTD", max_len=24),
        exp("UNIT"),
        opt("UNIT_PACK"),
        _SEQ,
        opt("DRUGREMARK"),
        opt("PA_NO"),
        opt("TOTCOPAY", MONEY),
        exp("USE_STATUS", codes=codes.MEDICATION_USE),
        exp("TOTAL", MONEY),
        opt("SIGCODE"),
        opt("SIGTEXT"),
        exp("PROVIDER", LICENCE),
        opt("SP_ITEM"),
    ),
    older=(
        _DRU_OLD,  # REF: 22 fields, DRUGPRIC
        (*_DRU_OLD[:9], "DRUGPRICE", *_DRU_OLD[10:], "PROVIDER"),  # PGANS F16opd
    ),
)

LVD = FileSpec(
    "LVD",
    (
        req("SEQLVD"),
        req("AN"),
        req("DATEOUT", DATE8),
        opt("TIMEOUT", TIME4),
        req("DATEIN", DATE8),
        opt("TIMEIN", TIME4),
        opt("QTYDAY", INTEGER),
    ),
)

LABFU = FileSpec(
    "LABFU",
    (
        _HCODE,
        _hn(),
        _PERSON_ID,
        req("DATESERV", DATE8),
        _SEQ,
        req("LABTEST", codes=codes.LAB_ICD10TM),
        exp("LABRESULT"),
    ),
)

#: The files in the order the checker reads them: parents before the files that point
#: at them, so every cross-file key is looked up in a table already built.
FILES: tuple[FileSpec, ...] = (
    INS,
    PAT,
    IPD,
    OPD,
    ODX,
    OOP,
    ORF,
    CHT,
    CHA,
    DRU,
    ADP,
    LABFU,
    AER,
    IDX,
    IOP,
    IRF,
    LVD,
)
BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}

#: Without these a batch carries no claim at all.
CORE_FILES = ("INS", "PAT", "OPD")
#: LABFU is the "+1": optional.
OPTIONAL_FILES = ("LABFU",)
