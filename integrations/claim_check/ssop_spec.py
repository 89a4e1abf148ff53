"""SSOP 0.93 (Social Security outpatient claims to สกส./CHI), read from public sources.

A batch is one zip `{HCODE}_SSOPBIL_{SESSNO:4}_{sub-unit:2}_{YYYYMMDD-HHMMSS}.zip` holding
three windows-874 text files, `BILLTRAN<date>.txt`, `BILLDISP<date>.txt` and
`OPServices<date>.txt`. Each is an XML-like wrapper:

    <?xml version="1.0" encoding="windows-874"?>
    <ClaimRec System="OP" PayPlan="SS" Version="0.93" Prgs="..">
    <Header> HCODE, HNAME, DATETIME, SESSNO, RECCOUNT </Header>
    <MAIN> `|`-delimited rows </MAIN>
    <ITEMS> `|`-delimited rows </ITEMS>
    </ClaimRec>
    <?EndNote Checksum="MD5 of every byte before this line, uppercase hex"?>

RECCOUNT counts the main section's rows. Source keys (README.md, "Provenance"):

  REF     /work/shared/reference/jhcis-and-exports.md §3c and §8.
  SSOP-T  IDX:53860204089, a field-by-field transcription of the SSOP 0.93 manual with
          types, lengths and "required" marks, and an analysis of a real hospital batch.
  CS      IDX:31594502126, a C# hospital exporter (bangna_hospital).
  HX      IDX:55082215192, a PHP (HOSxP/Laravel) exporter.
  LV      IDX:6949075237, a Laravel hospital exporter.
  ED      IDX:71315463512, a Python SSOP/CSOP editor whose checksum rule is tested
          against real files.

Field lists: all five producers and the transcription agree on BILLTRAN 19, BillItems 13,
Dispensing 18, OPServices 22 and OPDx 6 fields, and on DispensedItems with 19 fields
ending `PrdSeCode|Claimcont|ClaimCat|MultiDisp|SupplyFor` (CS, HX, LV, SSOP-T and two
more public field dictionaries). REF §3c's 16-field DispensedItems ending in `CodeSet`
(one parser, IDX:70938186987) is the outlier and is not accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import codes
from .fields import (
    CID,
    DATE10,
    DATETIME19,
    DURATION,
    HCODE,
    ICD10,
    INTEGER,
    LICENCE,
    MONEY,
    NUMBER,
    Field,
    exp,
    opt,
    req,
)


@dataclass(frozen=True)
class Section:
    tag: str
    fields: tuple[Field, ...]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {f.name: i for i, f in enumerate(self.fields)}

    def index(self, name: str) -> int:
        """A field's position; rows are read by name, so a layout change moves one tuple."""
        return self._positions[name]


@dataclass(frozen=True)
class SsopFile:
    #: File name stem before the date, e.g. "BILLTRAN" (matched case-insensitively).
    stem: str
    main: Section
    items: Section


_HN = req("HN", max_len=15, personal=True)
_PID = req("PID", CID, personal=True)

BILLTRAN = Section(
    "BILLTRAN",
    (
        req("Station", max_len=4),
        # An SSO approval code (SSOCAC, STCPAP, COV-19 are seen in SSOP-T and ED); never
        # the NHSO claim code: ssop_check warns when it looks like one.
        opt("AuthCode"),
        req("DTTran", DATETIME19),
        req("Hcode", HCODE),
        req("InvNo"),
        opt("BillNo"),
        _HN,
        opt("MemberNo", personal=True),
        req("Amount", MONEY),
        req("Paid", MONEY),
        opt("VerCode"),
        exp("Tflag", codes=codes.TFLAG),
        _PID,
        opt("Name", personal=True),
        req("HMain", HCODE),
        req("PayPlan", codes=codes.PAY_PLAN),
        req("ClaimAmt", MONEY),
        opt("OtherPayplan"),
        opt("OtherPay", MONEY),
    ),
)

BILL_ITEMS = Section(
    "BillItems",
    (
        req("InvNo"),
        req("SvDate", DATE10),
        req("BillMuad", codes=codes.BILL_MUAD),
        req("LCCode"),
        exp("STDCode"),
        opt("Desc"),
        req("QTY", NUMBER),
        req("UP", MONEY),
        req("ChargeAmt", MONEY),
        req("ClaimUP", MONEY),
        req("ClaimAmount", MONEY),
        exp("SvRefID"),
        exp("ClaimCat"),
    ),
)

DISPENSING = Section(
    "Dispensing",
    (
        req("ProviderID", HCODE),
        req("DispID"),
        req("InvNo"),
        _HN,
        _PID,
        req("Prescdt", DATETIME19),
        req("DispDT", DATETIME19),
        req("Prescb", LICENCE),  # the prescriber's licence (DR1); REF §3c spells it "Presc"
        req("Itemcnt", INTEGER),
        req("ChargeAmt", MONEY),
        req("ClaimAmt", MONEY),
        req("Paid", MONEY),
        req("OtherPay", MONEY),
        exp("Reimburser", codes=codes.REIMBURSER),
        exp("BenefitPlan", codes=codes.BENEFIT_PLAN),
        exp("DispeStat", codes=codes.DISP_STATUS),
        exp("SvID"),
        opt("DayCover", DURATION),
    ),
)

DISPENSED_ITEMS = Section(
    "DispensedItems",
    (
        req("DispID"),
        req("PrdCat", codes=codes.PRODUCT_CAT),
        exp("HospDrgID"),
        exp("DrgID"),  # the TMT code; SSOP-T marks it required, held at warning (one source)
        opt("dfsCode"),
        exp("dfsText"),
        opt("Packsize"),
        opt("sigCode"),
        opt("sigText"),
        req("Quantity", NUMBER),
        req("UnitPrice", MONEY),
        req("ChargeAmt", MONEY),
        req("ReimbPrice", MONEY),
        req("ReimbAmt", MONEY),
        opt("PrdSeCode", codes=codes.SUBSTITUTION),
        opt("Claimcont", codes=codes.CLAIM_CONDITION),
        opt("ClaimCat"),
        opt("MultiDisp"),
        opt("SupplyFor", DURATION),
    ),
)

OP_SERVICES = Section(
    "OPServices",
    (
        req("InvNo"),
        req("SvID"),
        req("Class", codes=codes.SERVICE_CLASS),
        req("Hcode", HCODE),
        _HN,
        _PID,
        req("CareAccount", codes=codes.CARE_ACCOUNT),
        exp("TypeServ", codes=codes.TYPE_SERV),
        exp("TypeIn", codes=codes.TYPE_IN),
        exp("TypeOut", codes=codes.TYPE_OUT),
        opt("DTAppoint", DATE10),
        req("SvPID", LICENCE),  # the provider's licence (DR1), e.g. ว54236 in a real file
        req("Clinic", codes=codes.CHI_CLINIC),
        req("BegDT", DATETIME19),
        req("EndDT", DATETIME19),
        opt("LcCode"),
        opt("CodeSet"),
        opt("STDCode"),
        req("SvCharge", MONEY),
        exp("Completion", codes=codes.COMPLETION),
        opt("SvTxCode"),
        exp("ClaimCat"),
    ),
)

OP_DX = Section(
    "OPDx",
    (
        req("Class", codes=codes.SERVICE_CLASS),
        req("SvID"),
        req("SL", codes=codes.DX_RANK),
        req("CodeSet", codes=codes.DX_CODESET),
        req("Code", ICD10),
        opt("Desc"),
    ),
)

FILES: tuple[SsopFile, ...] = (
    SsopFile("BILLTRAN", BILLTRAN, BILL_ITEMS),
    SsopFile("OPSERVICES", OP_SERVICES, OP_DX),
    SsopFile("BILLDISP", DISPENSING, DISPENSED_ITEMS),
)
BY_STEM: dict[str, SsopFile] = {f.stem: f for f in FILES}

#: The header elements, in order, and what each must look like.
HEADER_ELEMENTS = ("HCODE", "HNAME", "DATETIME", "SESSNO", "RECCOUNT")
