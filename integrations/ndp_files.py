"""The NHSO Digital Platform "13 files" (13Plus) as our writer reads the public material.

A second, independent reading of the same sources is the checker's
(:mod:`integrations.claim_check.ndp_spec`); ``tests/unit/claim_check/test_ndp_two_readings.py``
compares them. Sources, and how sure each reading is, are in backoffice/ndp/README.md:

* numbers and names of the files, and how many fields each has: NHSO's overview
  deck (23 June 2569) p.12 as a public dashboard transcribed it (public file
  IDX:62199432205);
* fields of files 1 Patient, 2 Provider, 4 OPD, 5 Diagnosis, 7 CHAD: an implementer's
  field-by-field mapping (public file IDX:38898340111) and, for 1-5, 7 and 8 CHA, the
  tables of a public Android client (``tanatips/ffc-legacy`` ``NHSO*.java``);
* forms: ``yyyy-MM-dd`` (birth dates) and ``yyyy-MM-dd'T'HH:mm:ss`` (service times),
  Christian era, from the mapping and the 13Plus error codes F101/F102.

Where they differ the writer follows the layout whose field count matches NHSO's deck
(Provider 7 fields, Diagnosis 6, CHAD 15 with ``XRAY_RESUT`` as the mapping spells it).
CHA: the deck counts 8 fields and the client shows 7; the eighth is unknown and not
written. Files 6 and 9-13 have no public layout: they are not written at all (the
batch's manifest says so for each), never invented.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass

# One row type per file, its fields in the file's order; dots in the sources' names
# (NAME.GIVEN) are underscores here and dots again in the header (`ndp_header`).
PATIENT = namedtuple(
    "PATIENT",
    "SEQ TYPE CID PPN PWD NAME_GIVEN NAME_FAMILY BIRTHDATE GENDER ADDRESS_LINE ADDRESS_CITY "
    "ADDRESS_DISTRICT ADDRESS_STATE ADDRESS_POSTALCODE NATIONALITY RACE HN AN",
)
PROVIDER = namedtuple(
    "PROVIDER", "SEQ HCODE HCODE_NAME HCODE_SEND HCODE_SEND_NAME HMAIN HMAIN_NAME"
)
PRACTITIONER = namedtuple(
    "PRACTITIONER", "SEQ HCODE CID PROFESSION_ID COUNCIL PROVIDERTYPE NAME_GIVEN NAME_FAMILY"
)
OPD = namedtuple(
    "OPD",
    "SEQ DATEOPD INSCL PERMITNO HTYPE UUC CHIEFCOMP BTEMP SBP DBP PR RR WAISTLINE WEIGHT "
    "HEIGHT HEADCIRCUM CLINIC",
)
DIAGNOSIS = namedtuple("DIAGNOSIS", "SEQ DATEDX DIAG DIAGTYPE PROFESSION_ID CLINIC")
CHAD = namedtuple(
    "CHAD",
    "SEQ STDCODE INVOICE_NO SERVDATE LOCALCODE DESCRIPT QTY UNITPRICE CHARGEAMT CODESYS "
    "LAB_RESULT UNIT REIMBPRICE XRAY_RESUT PATHO_RESULT",
)
CHA = namedtuple("CHA", "SEQ DATE CHRGITEM INVOICE_NO AMOUNT TOTAL OPD_MEMO")

_DOTTED = frozenset(
    {"NAME_GIVEN", "NAME_FAMILY", "ADDRESS_LINE", "ADDRESS_CITY", "ADDRESS_DISTRICT",
     "ADDRESS_STATE", "ADDRESS_POSTALCODE"}
)  # fmt: skip


def ndp_header(row_type: type[tuple[object, ...]]) -> tuple[str, ...]:
    fields: tuple[str, ...] = getattr(row_type, "_fields", ())
    return tuple(f.replace("_", ".", 1) if f in _DOTTED else f for f in fields)


@dataclass(frozen=True)
class NdpFile:
    number: int
    name: str
    row: type[tuple[str, ...]] | None  # None: no public layout, not written
    title_th: str

    @property
    def file_name(self) -> str:
        """``01_PATIENT.txt``: NDP wants a name "with the set prefix" (error S108), which
        is not public; number and name make ours unambiguous (unconfirmed)."""
        return f"{self.number:02d}_{self.name}.txt"

    @property
    def fields(self) -> tuple[str, ...]:
        return ndp_header(self.row) if self.row else ()


NDP_FILES: tuple[NdpFile, ...] = (
    NdpFile(1, "PATIENT", PATIENT, "ข้อมูลทั่วไปของผู้รับบริการ"),
    NdpFile(2, "PROVIDER", PROVIDER, "ข้อมูลหน่วยบริการ"),
    NdpFile(3, "PRACTITIONER", PRACTITIONER, "ข้อมูลผู้ให้บริการ"),
    NdpFile(4, "OPD", OPD, "การรับบริการผู้ป่วยนอก"),
    NdpFile(5, "DIAGNOSIS", DIAGNOSIS, "การวินิจฉัยโรค"),
    NdpFile(6, "PROCEDURE", None, "การทำหัตถการ"),
    NdpFile(7, "CHAD", CHAD, "รายละเอียดค่าใช้จ่ายรายรายการ"),
    NdpFile(8, "CHA", CHA, "รายละเอียดทางการเงิน"),
    NdpFile(9, "AER", None, "อุบัติเหตุ ฉุกเฉิน และรับส่งต่อ"),
    NdpFile(10, "PRENATAL", None, "ประวัติการตั้งครรภ์"),
    NdpFile(11, "NEWBORN", None, "ประวัติการคลอดของทารก"),
    NdpFile(12, "CMHS", None, "ผู้ป่วยจิตเวชเรื้อรังในชุมชน"),
    NdpFile(13, "DISABILITY", None, "การให้บริการผู้พิการ"),
)
WRITTEN: tuple[NdpFile, ...] = tuple(f for f in NDP_FILES if f.row is not None)
NDP_ENCODING = "utf-8"  # unconfirmed: NDP's APIs speak UTF-8 JSON; no file sample is public


def iso_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def iso_datetime(day: dt.date | None, at: dt.time | None = None) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss`` (Christian era); midnight when the time is unknown."""
    if day is None:
        return ""
    moment = at or dt.time(0, 0)
    return f"{day.isoformat()}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
