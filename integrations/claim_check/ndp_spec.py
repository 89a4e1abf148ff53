"""NHSO Digital Platform "13 files" (13Plus), read from public sources (not from our writer).

No official NHSO document of the layouts was reachable. What the public material gives,
with source keys (full citations in README.md, "Provenance", NDP):

  AMED  public file IDX:38898340111: an implementer's mapping to "โครงสร้าง 13 แฟ้ม สปสช."
        of files 1 Patient, 2 Provider, 4 OPD, 5 Diagnosis, 7 CHAD, field by field with
        meanings and formats (``yyyy-MM-dd``, ``yyyy-MM-dd'T'HH:mm:ss``, GENDER 1/2,
        DIAGTYPE 1-7, CODESYS TMT).
  FFC   tanatips/ffc-legacy@82ae4735 ``app/src/main/java/th/in/ffc/provider/NHSO*.java``
        and ``.../model/NHSOConstants.java``: an Android client's tables for files 1, 2,
        3 Practitioner, 4, 5, 7 and 8 CHA, with NOT NULL marks and TYPE CID/PPN/PWD.
  D2    NHSO "NHSO Digital Platform Overview" (23 June 2569) p.12 as transcribed in public
        file IDX:62199432205: each file's number, name and field counts (required /
        conditional / optional) of the 2566 standard-dataset announcement.
  ERR   the error-code appendix of "API Specification 13Plus v1.3.5.1", transcribed in
        Adisak-KS/claim-tracker-dashboard ``docs/domain/nhso-error-codes.md``: unique
        keys (S109-S115), date and number forms (F100-F118), QTY > 0 (P119), one
        principal diagnosis (P118), blood-pressure pairs (R101/R102), Provider and
        Practitioner HCODE agree (R107-R109), CHAD INVOICE_NO in CHA (R117), CHARGEAMT =
        QTY x UNITPRICE (R118), every SEQ in the files it belongs with (S104, R100).

Files 6 Procedure, 9 AER, 10 Prenatal, 11 Newborn, 12 CMHS and 13 Disability have no
public layout (D2 gives only their field counts): present in a batch they are listed as
not checked; absent they are not reported. The text conventions (``|``, a header line
of field names, CRLF) are those of the e-Claim 16 files, which D2 says files 1-9 derive
from; no source shows an NDP file's bytes, so they too are unconfirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .codes import CodeList
from .fields import (
    CID,
    DATE10,
    DATE_OR_DATETIME,
    DATETIME19,
    HCODE,
    ICD10,
    LICENCE,
    MONEY,
    NUMBER,
    Field,
    exp,
    opt,
    req,
)
from .problems import WARNING


@dataclass(frozen=True)
class NdpFileSpec:
    number: int
    name: str  # as the sources name the file: "NHSO Patient" -> PATIENT
    #: None: the layout is not public; the file is listed, never checked.
    fields: tuple[Field, ...] | None
    #: Other layouts the sources give for the same file (field names), held at warning.
    variants: tuple[tuple[str, ...], ...] = ()
    #: A batch without this file: an error (every fund needs it) or a warning.
    core: bool = False

    @property
    def header(self) -> str:
        return "|".join(f.name for f in self.fields or ())

    def field(self, name: str) -> Field:
        for f in self.fields or ():
            if f.name == name:
                return f
        return opt(name)


GENDER = CodeList(("รายการรหัสเพศ (1 ชาย, 2 หญิง)", "the gender codes (1 male, 2 female)"),
                  frozenset({"1", "2"}), "AMED, FFC")  # fmt: skip
ID_TYPE = CodeList(
    ("รายการประเภทเอกสารยืนยันตัวตน (CID, PPN, PWD)", "the identity document types (CID, PPN, PWD)"),
    frozenset({"CID", "PPN", "PWD"}), "FFC NHSOConstants; AMED (TYPE fixed CID)",
)  # fmt: skip
DIAG_TYPE = CodeList(("รายการประเภทการวินิจฉัย (1-7)", "the diagnosis types (1-7)"),
                     frozenset("1234567"), "AMED (DIAGTYPE 1-7)")  # fmt: skip
#: What NHSO calls a main right in its other APIs (close right's mainInsclCode, e-Claim's
#: INSCL): the OPD file's INSCL is "สิทธิการรักษาที่ใช้" with no list of its own (❓).
MAIN_RIGHT = CodeList(
    ("รายการรหัสสิทธิหลักของ สปสช.", "NHSO's main right codes"),
    frozenset({"UCS", "WEL", "OFC", "LGO", "SSS", "BKK", "BMT", "SRT", "NHS", "PVT", "OTH"}),
    "nhso-api.md §4.1 (mainInsclCode), e-Claim INSCL", severity=WARNING,
)  # fmt: skip
USE_RIGHT = CodeList(("รายการการใช้สิทธิ (1 ใช้สิทธิ, 2 ไม่ใช้สิทธิ)", "right use (1 used, 2 not)"),
                     frozenset({"1", "2"}), "e-Claim UUC (D2: files 1-9 derive from it)",
                     severity=WARNING)  # fmt: skip

_SEQ = req("SEQ", max_len=30)


def _files() -> tuple[NdpFileSpec, ...]:
    return (
        NdpFileSpec(
            1,
            "PATIENT",
            (
                _SEQ,
                req("TYPE", codes=ID_TYPE),
                req("CID", CID, personal=True),
                opt("PPN", personal=True),
                opt("PWD", personal=True),
                exp("NAME.GIVEN", personal=True),
                exp("NAME.FAMILY", personal=True),
                exp("BIRTHDATE", DATE10),
                exp("GENDER", codes=GENDER),
                opt("ADDRESS.LINE", personal=True),
                opt("ADDRESS.CITY"),
                opt("ADDRESS.DISTRICT"),
                opt("ADDRESS.STATE"),
                opt("ADDRESS.POSTALCODE"),
                opt("NATIONALITY"),
                opt("RACE"),
                opt("HN", personal=True),
                opt("AN"),
            ),
            core=True,
        ),
        NdpFileSpec(
            2,
            "PROVIDER",
            (
                _SEQ,
                req("HCODE", HCODE),
                exp("HCODE_NAME"),
                opt("HCODE_SEND", HCODE),
                opt("HCODE_SEND_NAME"),
                opt("HMAIN", HCODE),
                opt("HMAIN_NAME"),
            ),
            # AMED adds AN (8 fields); FFC and D2's count give 7.
            variants=(
                (
                    "SEQ",
                    "HCODE",
                    "HCODE_NAME",
                    "HCODE_SEND",
                    "HCODE_SEND_NAME",
                    "HMAIN",
                    "HMAIN_NAME",
                    "AN",
                ),
            ),
            core=True,
        ),
        NdpFileSpec(
            3,
            "PRACTITIONER",
            (
                _SEQ,
                req("HCODE", HCODE),
                req("CID", CID, personal=True),
                exp("PROFESSION_ID", LICENCE),
                opt("COUNCIL"),
                opt("PROVIDERTYPE"),
                opt("NAME.GIVEN", personal=True),
                opt("NAME.FAMILY", personal=True),
            ),
        ),
        NdpFileSpec(
            4,
            "OPD",
            (
                _SEQ,
                req("DATEOPD", DATETIME19),
                req("INSCL", codes=MAIN_RIGHT),
                # The close-right / authen code: without one a claim waits at status 2100.
                req("PERMITNO"),
                opt("HTYPE"),
                exp("UUC", codes=USE_RIGHT),
                opt("CHIEFCOMP"),
                opt("BTEMP", NUMBER),
                opt("SBP", NUMBER),
                opt("DBP", NUMBER),
                opt("PR", NUMBER),
                opt("RR", NUMBER),
                opt("WAISTLINE", NUMBER),
                opt("WEIGHT", NUMBER),
                opt("HEIGHT", NUMBER),
                opt("HEADCIRCUM", NUMBER),
                opt("CLINIC"),
            ),
            core=True,
        ),
        NdpFileSpec(
            5,
            "DIAGNOSIS",
            (
                _SEQ,
                req("DATEDX", DATETIME19),
                req("DIAG", ICD10),
                req("DIAGTYPE", codes=DIAG_TYPE),
                exp("PROFESSION_ID", LICENCE),
                opt("CLINIC"),
            ),
            variants=(("SEQ", "DATEDX", "DIAG", "DIAGTYPE", "PROFESSION_ID", "CLINIC", "AN"),),
        ),
        NdpFileSpec(6, "PROCEDURE", None),
        NdpFileSpec(
            7,
            "CHAD",
            (
                _SEQ,
                req("STDCODE"),
                req("INVOICE_NO"),
                req("SERVDATE", DATETIME19),
                opt("LOCALCODE"),
                opt("DESCRIPT"),
                req("QTY", NUMBER),
                req("UNITPRICE", MONEY),
                req("CHARGEAMT", MONEY),
                req("CODESYS"),
                opt("LAB_RESULT"),
                opt("UNIT"),
                opt("REIMBPRICE", MONEY),
                opt("XRAY_RESUT"),
                opt("PATHO_RESULT"),
            ),
            # FFC: BILLGRCS after CHARGEAMT and XRAY_RESULT spelled in full (16 fields).
            variants=(
                (
                    "SEQ",
                    "STDCODE",
                    "INVOICE_NO",
                    "SERVDATE",
                    "LOCALCODE",
                    "DESCRIPT",
                    "QTY",
                    "UNITPRICE",
                    "CHARGEAMT",
                    "BILLGRCS",
                    "CODESYS",
                    "LAB_RESULT",
                    "UNIT",
                    "REIMBPRICE",
                    "XRAY_RESULT",
                    "PATHO_RESULT",
                ),
            ),
        ),
        NdpFileSpec(
            8,
            "CHA",
            (
                _SEQ,
                req("DATE", DATE_OR_DATETIME),
                req("CHRGITEM"),
                req("INVOICE_NO"),
                req("AMOUNT", MONEY),
                req("TOTAL", MONEY),
                opt("OPD_MEMO"),
            ),
        ),
        NdpFileSpec(9, "AER", None),
        NdpFileSpec(10, "PRENATAL", None),
        NdpFileSpec(11, "NEWBORN", None),
        NdpFileSpec(12, "CMHS", None),
        NdpFileSpec(13, "DISABILITY", None),
    )


FILES: tuple[NdpFileSpec, ...] = _files()
BY_NUMBER: dict[int, NdpFileSpec] = {f.number: f for f in FILES}
BY_NAME: dict[str, NdpFileSpec] = {f.name: f for f in FILES}
#: Names no e-Claim file has: one of them (or a number prefix) makes a batch an NDP one.
NDP_ONLY = frozenset(BY_NAME) - {"OPD", "CHA", "AER"}

# "01_PATIENT.txt", "NHSO_PATIENT.txt", "PATIENT.txt", "F01-PATIENT.TXT" ...
_NAME = re.compile(
    rf"(?:F?(?P<number>\d{{1,2}})[_-])?(?:NHSO[_ -]?)?(?P<name>{'|'.join(BY_NAME)})\.TXT"
)


def file_for(file_name: str) -> NdpFileSpec | None:
    """The NDP file a member's name names (case aside); None for anything else."""
    found = _NAME.fullmatch(file_name.upper())
    if found is None:
        return None
    spec = BY_NAME[found["name"]]
    if found["number"] and int(found["number"]) != spec.number:
        return None  # "05_CHAD.txt": a number that is not the file's
    return spec


def is_ndp_name(file_name: str) -> bool:
    """Names only an NDP batch has: a numbered file, or a name e-Claim lacks."""
    found = _NAME.fullmatch(file_name.upper())
    return found is not None and (bool(found["number"]) or found["name"] in NDP_ONLY)
