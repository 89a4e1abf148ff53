"""The code lists the checker holds fields against, each with where it was read.

Source keys (full citations in README.md, "Provenance"):
  IG   sil-th/terminology-ig@de0592c4921e61bf517a32ed169b1af5e0ecc32f, input/fsh/CodeSystems/
       (a public transcription of MoPH/NHSO/CHI code lists; file and CodeSystem named per list)
  SSOP-T  IDX:53860204089, a field-by-field transcription of the SSOP 0.93 manual
       (OPD-SS 20171123) kept by a production NestJS exporter, with its analysis of a real
       hospital batch; one source, so its lists are held at warning strength.
  PGANS   Pgans/m30-fdh@4d385117, controllers/ (production FDH / e-Claim API sender).
"""

from __future__ import annotations

from dataclasses import dataclass

from .lab_codes import ICD10TM_LAB_CODES
from .messages import Bi
from .problems import ERROR, WARNING, Severity


@dataclass(frozen=True)
class CodeList:
    """A published list of codes. A value outside `codes` is a problem of `severity`;
    a value in `seen_elsewhere` is only a warning: producers use it, the list lacks it."""

    name: Bi
    codes: frozenset[str]
    source: str
    severity: Severity = ERROR
    seen_elsewhere: frozenset[str] = frozenset()


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- e-Claim (NHSO) ------------------------------------------------------------------

INSCL = CodeList(
    ("รายการรหัสสิทธิ e-Claim (INSCL)", "the e-Claim coverage code list (INSCL)"),
    _codes("UCS OFC SSS LGO NHS"),
    "IG CS_MoPH_Finance.fsh CS_eClaim_CoverageType",
    # PGANS sends these as `maininscl` of the NHSO e-Claim API for other state funds
    # (F16opbangkok, F16opbmta, F16oprailway, F16opteacher); no list publishes them.
    # WEL is not among them: PGANS F16visitController folds NHSO's WEL into UCS.
    seen_elsewhere=_codes("BKK BMT SRT PVT"),
)

ADP_TYPE = CodeList(
    ("รายการประเภท ADP ของ e-Claim", "the e-Claim ADP type list"),
    frozenset(str(n) for n in range(1, 21)),
    "IG CS_MoPH_Finance.fsh CS_eClaim_AdpType",
)

CHARGE_ITEM = CodeList(
    ("รายการหมวดค่ารักษาของ e-Claim (CHRGITEM)", "the e-Claim charge item list (CHRGITEM)"),
    frozenset(f"{group}{kind}" for group in "123456789ABCDEFGHIJ" for kind in "12") | {"K1"},
    "IG CS_MoPH_Finance.fsh CS_eClaim_ChargeItem",
)

ECLAIM_CLINIC = CodeList(
    ("รายการรหัสคลินิก e-Claim", "the e-Claim clinic code list"),
    frozenset(f"{n:02d}" for n in range(26)) | {"99"},
    "IG CS_MoPH_Encounter.fsh CS_eClaim_Clinic",
)

SERVICE_TYPE = CodeList(
    ("รายการประเภทการให้บริการของ e-Claim (OPTYPE)", "the e-Claim service type list (OPTYPE)"),
    frozenset(str(n) for n in range(10)),
    "IG CS_MoPH_Encounter.fsh CS_eClaim_ServiceTypeTH",
)

PROVIDER_TYPE = CodeList(
    ("รายการประเภทสถานพยาบาลของ e-Claim (HTYPE)", "the e-Claim provider type list (HTYPE)"),
    _codes("1 2 3 4 5"),
    "IG CS_MoPH_Provider.fsh CS_eClaim_ProviderType",
    severity=WARNING,
)

MEDICATION_USE = CodeList(
    ("รายการหมวดการใช้ยาของ e-Claim (USE_STATUS)", "the e-Claim medication use list"),
    _codes("1 2 3 4"),
    "IG CS_MoPH_Medication.fsh CS_eClaim_MedicationCategory",
    severity=WARNING,
)

COVERAGE_USE = CodeList(
    ("รายการการใช้สิทธิ (UUC)", "the coverage use list (UUC)"),
    _codes("1 2"),
    "IG CS_MoPH_Finance.fsh CS_43Plus_CoverageUse",
)

DIAGNOSIS_TYPE = CodeList(
    ("รายการประเภทการวินิจฉัย (DXTYPE)", "the diagnosis type list (DXTYPE)"),
    _codes("1 2 3 4 5 6 7"),
    "IG CS_MoPH_Encounter.fsh CS_43Plus_EncounterDiagnosisRole",
    severity=WARNING,
)

MARITAL = CodeList(
    ("รายการสถานภาพสมรส", "the marital status list"),
    _codes("1 2 3 4 5 6 9"),
    "IG CS_MoPH_Patient.fsh CS_THCC_Marital",
    severity=WARNING,
)

ADMIT_SOURCE = CodeList(
    ("รายการประเภทการมารับบริการ (TYPEIN)", "the arrival type list (TYPEIN)"),
    _codes("1 2 3 4 5"),
    "IG CS_MoPH_Encounter.fsh CS_THCC_AdmitSource",
    severity=WARNING,
)

DISCHARGE_STATUS = CodeList(
    ("รายการสถานะเมื่อเสร็จสิ้นบริการ (TYPEOUT)", "the discharge status list (TYPEOUT)"),
    _codes("1 2 3 4 5 6 7 8"),
    "IG CS_MoPH_Discharge.fsh CS_THCC_DischargeStatus",
    severity=WARNING,
)

REFER_TYPE = CodeList(
    ("รายการประเภทการส่งต่อ (1 รับเข้า, 2 ส่งออก)", "the refer type list (1 in, 2 out)"),
    _codes("1 2"),
    "reference §3a generators: IDX:62475203125 writes 1 for refer-in, 2 for refer-out",
    severity=WARNING,
)

SEX = CodeList(
    ("รายการเพศ (1 ชาย, 2 หญิง)", "the sex list (1 male, 2 female)"),
    _codes("1 2"),
    "reference §3b (43-file PERSON.SEX); e-Claim generators write 1/2 (IDX:62475203125)",
    severity=WARNING,
)

LAB_ICD10TM = CodeList(
    ("รายการรหัสแล็บ ICD-10-TM หรือรหัสแล็บ 2 หลักของ THCC", "the ICD-10-TM or THCC 2-digit lab list"),
    ICD10TM_LAB_CODES | frozenset(f"{n:02d}" for n in range(1, 22)),
    "IG CodeSystmes-Large/CS_MoPH_ICD10TMLab.fsh CS_TH_ICD10TM_Lab + CS_THCC_2DigitLab",
)

# -- SSOP (สกส. / CHI) ---------------------------------------------------------------

CHI_CLINIC = CodeList(
    ("รายการรหัสแผนกของ สกส. (01–12, 99)", "the CHI clinic list (01-12, 99)"),
    frozenset(f"{n:02d}" for n in range(1, 13)) | {"99"},
    "IG CS_CHI.fsh CS_CHI_Clinic",
)

SERVICE_CLASS = CodeList(
    ("รายการประเภทบริการของ สกส. (Class)", "the CHI service class list"),
    _codes("OP EC LB XR IV ZZ"),
    "IG CS_CHI.fsh CS_CHI_ServiceClass",
)

CARE_ACCOUNT = CodeList(
    ("รายการประเภทสถานพยาบาลของ สกส. (CareAccount)", "the CHI provider type list"),
    _codes("1 2 3 9"),
    "IG CS_CHI.fsh CS_CHI_ProviderType",
)

TYPE_SERV = CodeList(
    ("รายการลักษณะบริการของ สกส. (TypeServ)", "the CHI service type list"),
    frozenset(f"{n:02d}" for n in range(1, 9)),
    "IG CS_CHI.fsh CS_CHI_TypeServ",
    severity=WARNING,
)

TYPE_IN = CodeList(
    ("รายการลักษณะการเข้ารับบริการของ สกส. (TypeIn)", "the CHI arrival type list"),
    _codes("1 2 3 4 9"),
    "IG CS_CHI.fsh CS_CHI_TypeIn",
    severity=WARNING,
)

TYPE_OUT = CodeList(
    ("รายการลักษณะการสิ้นสุดบริการของ สกส. (TypeOut)", "the CHI discharge type list"),
    _codes("1 2 3 4 5 9"),
    "IG CS_CHI.fsh CS_CHI_TypeOut",
    severity=WARNING,
)

PRODUCT_CAT = CodeList(
    ("รายการประเภทยาและเวชภัณฑ์ของ สกส. (PrdCat)", "the CHI product category list"),
    _codes("1 2 3 4 5 6 7"),
    "IG CS_CHI.fsh CS_CHI_ProductCat",
)

CLAIM_CONDITION = CodeList(
    ("รายการเงื่อนไขการเบิกของ สกส. (Claimcont)", "the CHI claim condition list"),
    _codes("OD NR PA AU ST IN EA EB EC ED EE EF"),
    "IG CS_CHI.fsh CS_CHI_ClaimCondition",
    severity=WARNING,
)

SUBSTITUTION = CodeList(
    ("รายการรหัสการจ่ายยาแทนของ สกส. (PrdSeCode)", "the CHI substitution list"),
    frozenset(str(n) for n in range(10)),
    "IG CS_CHI.fsh CS_CHI_SubstitutionCode",
    severity=WARNING,
)

REIMBURSER = CodeList(
    ("รายการผู้เบิกของ สกส. (Reimburser)", "the CHI reimburser list"),
    _codes("HP P0 P1"),
    "IG CS_CHI.fsh CS_CHI_ReimburserType",
    severity=WARNING,
    # SSOP-T spells P0 with a letter O.
    seen_elsewhere=_codes("PO"),
)

PAY_PLAN = CodeList(
    ("รายการรหัสสิทธิของ SSOP (PayPlan; ประกันสังคม = 80)", "the SSOP pay plan list (80 = SSO)"),
    _codes("00 10 20 30 31 80 81 85 86"),
    "SSOP-T §5; IDX:55082215192 (HOSxP exporter) writes 80 by default",
)

BILL_MUAD = CodeList(
    ("รายการหมวดค่ารักษาของ SSOP (BillMuad)", "the SSOP charge group list (BillMuad)"),
    _codes("1 2 3 4 5 6 7 8 9 A B C D E F G H I"),
    "SSOP-T §6; the same groups in IDX:55082215192",
    severity=WARNING,
)

TFLAG = CodeList(
    ("รายการสัญญาณธุรกรรม (Tflag: A, E, D)", "the transaction flag list (A, E, D)"),
    _codes("A E D"),
    "SSOP-T §5",
    severity=WARNING,
)

BENEFIT_PLAN = CodeList(
    ("รายการสวัสดิการที่ใช้ (BenefitPlan)", "the benefit plan list"),
    _codes("NB CS UC SS GO GE RT PI EM RF SO ZZ"),
    "SSOP-T §7",
    severity=WARNING,
)

DISP_STATUS = CodeList(
    ("รายการสถานะการจ่ายยา (DispeStat)", "the dispensing status list"),
    _codes("0 1 2 3"),
    "SSOP-T §7",
    severity=WARNING,
)

COMPLETION = CodeList(
    ("รายการสถานะบริการ (Completion: Y, N)", "the completion list (Y, N)"),
    _codes("Y N"),
    "SSOP-T §9",
    severity=WARNING,
)

DX_CODESET = CodeList(
    ("รายการชุดรหัสวินิจฉัย (IT, TT, SN)", "the diagnosis code set list (IT, TT, SN)"),
    _codes("IT TT SN"),
    "SSOP-T §10",
    severity=WARNING,
)

DX_RANK = CodeList(
    ("ลำดับความสำคัญของการวินิจฉัย (SL 1–9)", "the diagnosis rank (SL 1-9)"),
    frozenset(str(n) for n in range(1, 10)),
    "SSOP-T §10",
    severity=WARNING,
)
