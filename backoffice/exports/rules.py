"""Which visits go into which claim file, as a validated, replaceable rule set.

The defaults are the JHCIS training deck's §12.3 rules for the e-Claim export:

1. OP: UC rights only when the patient's main unit (``hosmain``) is another unit
   (OP anywhere), plus every LGO visit; never OFC or SSS (they claim elsewhere).
2. PP: every right.
3. ANC: every right.

The deck itself says these conditions change over time, so a clinic can replace any
part with a TOML file (``backoffice export eclaim --rules FILE``); unknown keys are
errors. Codes marked "unconfirmed" below come from third-party exporters, not from
the official e-Claim manual, and are exactly the values a clinic may need to change.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.config import ConfigError, Settings, describe_validation_error

Category = Literal["OP", "PP", "ANC"]
# The order visits are classified in: the most specific diagnoses first.
CATEGORY_ORDER: tuple[Category, ...] = ("ANC", "PP", "OP")
# An ICD-9-CM procedure code, with or without its dot (99.29, 9929, 89.7). An item's
# standard code may well be a drug code (TMT, 24-digit) instead: never sent as OPER.
ICD9CM_PROCEDURE = re.compile(r"\d{2}\.?\d{1,2}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RightMapping(_Strict):
    """One JHCIS right (``cright``) -> the NHSO main insurance code (INSCL)."""

    inscl: str
    rightgroup: str | None = None
    rightcode: str | None = None
    mapright: str | None = None

    def matches(self, rightcode: str | None, rightgroup: str | None, mapright: str | None) -> bool:
        return (
            (self.rightgroup is None or self.rightgroup == (rightgroup or "").strip())
            and (self.rightcode is None or self.rightcode == (rightcode or "").strip())
            and (self.mapright is None or self.mapright == (mapright or "").strip())
        )


# ADP TYPE, the published list (SIL-TH terminology IG, CS_MoPH_Finance.fsh
# CS_eClaim_AdpType, "รหัสบริการที่ยังไม่ได้จัดหมวด (ADP) โดย e-Claim 16 แฟ้ม"): 1..20.
ADP_TYPES = frozenset(str(n) for n in range(1, 21))

# JHCIS's chronic-care lab codes (reference §1.7, JUPD chronic_lab.jrxml) -> ICD-10-TM lab
# codes (SIL-TH CodeSystmes-Large/CS_MoPH_ICD10TMLab.fsh, CS_TH_ICD10TM_Lab). The pairs
# are read from the two lists' names (serum/plasma where JHCIS says serum), not from a
# JHCIS mapping table: where JHCIS stores its own "Mapping Code" (seed §16.3) is unknown.
DEFAULT_LAB_CODES = {
    "CH99": "0531601",  # HbA1c, glycosylated hemoglobin whole blood
    "CH09": "0581902",  # creatinine, serum/plasma
    "CH19": "0511402",  # potassium, serum/plasma
    "CH22": "0511602",  # sodium, serum/plasma
    "CH05": "0510602",  # chloride, serum/plasma
    "CH28": "0510402",  # carbon dioxide, serum/plasma
    "CH04": "0584902",  # BUN: urea, serum/plasma
    "CH07": "0541602",  # cholesterol, total, serum/plasma
    "CH25": "0546602",  # triglycerides, serum/plasma
    "CH14": "0541202",  # HDL cholesterol, serum/plasma
    "CH17": "0541402",  # LDL cholesterol, serum/plasma
    "CHeGFR": "0581904",  # eGFR (CKD-EPI formula)
    "MS01020201": "0440204",  # microalbumin in urine
}


class AdpCode(_Strict):
    """An item's ADP line: the published TYPE and NHSO's code for the service."""

    type: str
    code: str

    @field_validator("type")
    @classmethod
    def _published_type(cls, value: str) -> str:
        if value not in ADP_TYPES:
            raise ValueError(f"ADP TYPE {value!r} is not in the published list (1-20)")
        return value

    @field_validator("code")
    @classmethod
    def _not_a_procedure(cls, value: str) -> str:
        if not value.strip() or ICD9CM_PROCEDURE.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not an NHSO ADP code (ICD-9-CM goes to OOP)")
        return value.strip()


class CategoryRule(_Strict):
    # "*" = every right.
    rights: list[str]
    # For rights in uc_codes: only when hosmain is not this unit (OP anywhere).
    uc_only_other_main_unit: bool = False
    # Visit belongs to this category when one of its diagnoses starts with a prefix
    # (ICD-10 without the dot). Empty = the fallback category.
    diag_prefixes: list[str] = Field(default_factory=list)
    optype: str = ""  # OPD.OPTYPE written for the category (unconfirmed)

    def admits(self, inscl: str) -> bool:
        return "*" in self.rights or inscl in self.rights


# KIOSK_JHCIS's mapping of cright.rightgroup to NHSO codes (reference §1.9), first match wins.
DEFAULT_RIGHTS: tuple[RightMapping, ...] = (
    RightMapping(rightgroup="1", inscl="OFC"),
    RightMapping(rightgroup="2", inscl="SSS"),
    RightMapping(rightgroup="7", inscl="LGO"),
    RightMapping(rightgroup="3", rightcode="89", inscl="UCS"),
    RightMapping(rightgroup="4", rightcode="89", inscl="UCS"),
    RightMapping(rightgroup="3", inscl="WEL"),
    RightMapping(rightgroup="4", inscl="WEL"),
)

# PP activities: check-ups, screening, immunisation, family planning, counselling.
DEFAULT_PP_PREFIXES = [
    "Z00", "Z01", "Z02", "Z10", "Z11", "Z12", "Z13", "Z23", "Z24", "Z25", "Z26", "Z27",
    "Z30", "Z31", "Z32", "Z39", "Z71", "Z76",
]  # fmt: skip
DEFAULT_ANC_PREFIXES = ["Z33", "Z34", "Z35", "Z36"]

# cdrug.drugtype -> e-Claim CHA charge item (category + "1" claimable); unconfirmed.
DEFAULT_CHRGITEM = {
    "01": "41",  # drug taken home
    "10": "41",  # herbal drug taken home
    "02": "B1",  # procedure
    "03": "51",  # medical supplies
    "11": "51",  # non-drug supplies
    "04": "41",  # contraceptives
    "05": "31",  # vaccine given here
    "06": "C1",  # service fee
    "07": "71",  # lab
    "08": "D1",  # dental
}


def default_categories() -> dict[Category, CategoryRule]:
    return {
        "ANC": CategoryRule(rights=["*"], diag_prefixes=list(DEFAULT_ANC_PREFIXES)),
        "PP": CategoryRule(rights=["*"], diag_prefixes=list(DEFAULT_PP_PREFIXES)),
        "OP": CategoryRule(rights=["UCS", "WEL", "LGO"], uc_only_other_main_unit=True),
    }


class RuleSet(_Strict):
    rights: list[RightMapping] = Field(default_factory=lambda: list(DEFAULT_RIGHTS))
    uc_codes: list[str] = Field(default_factory=lambda: ["UCS", "WEL"])
    # Checked in this order; the first whose diagnoses match wins, OP is the fallback.
    categories: dict[Category, CategoryRule] = Field(default_factory=default_categories)
    require_claim_code: bool = True
    # Seed §12.3 "UC 1:OP anywhere [Out]": a UC visit is claimed only where the patient's
    # main unit is outside the CUP. The parent hospital's code (clinic.cup_hcode, set by
    # rules_for from the settings); empty = only this unit counts as inside.
    cup_hcode: str = ""
    # The e-Claim clinic (2 digits, SIL-TH CS_eClaim_Clinic) when the diagnosis names
    # none; 01 is internal medicine. A JHCIS 5-digit clinic is converted (claim_files).
    default_clinic: str = "01"
    drug_drugtypes: list[str] = Field(default_factory=lambda: ["01", "10"])  # -> DRU
    chrgitem_by_drugtype: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CHRGITEM))
    chrgitem_fallback: str = "I1"  # other services
    # ADP carries NHSO's own service codes (fee schedule, project codes) under a TYPE of
    # the published list, never ICD-9-CM procedures (those are OOP's) or our local drug
    # codes (issue 18, item 7). JHCIS keeps no such code, so only items the clinic maps
    # here (cdrug.drugcode -> TYPE and NHSO code) go to ADP; by default none does.
    adp_codes: dict[str, AdpCode] = Field(default_factory=dict)
    dru_use_status: str = "2"  # DRU.USE_STATUS for OP drugs (unconfirmed)
    # OOP: visitdrug items of these drugtypes are procedures (02 procedure, 08 dental;
    # reference §1.9). Where JHCIS keeps an item's ICD-9-CM code is not known
    # (unconfirmed): OPER is this map's code for the item, else the item's standard
    # code (cdrug.drugcode24, else tmtcode) when it is an ICD-9-CM code; an item with
    # neither gets no OOP row and a missing_procedure_code warning naming it.
    oop_drugtypes: list[str] = Field(default_factory=lambda: ["02", "08"])
    oop_code_by_drugcode: dict[str, str] = Field(default_factory=dict)
    # ORF REFERTYPE for a patient referred here (visit.receivefromhos) and referred out
    # (visit.refertohos) (unconfirmed).
    orf_refertype_in: str = "1"
    orf_refertype_out: str = "2"
    vaccine_drugtype: str = "05"
    # JHCIS lab code -> the ICD-10-TM lab code LABFU takes; the clinic's entries are
    # added to (and override) the defaults. A lab with no code is left out of LABFU and
    # warned about (unmapped_lab_code).
    lab_code_map: dict[str, str] = Field(default_factory=dict)
    # SSOP: which INSCL codes go to the Social Security files.
    ssop_inscl: list[str] = Field(default_factory=lambda: ["SSS"])

    def inscl_for(
        self, rightcode: str | None, rightgroup: str | None, mapright: str | None
    ) -> str | None:
        for mapping in self.rights:
            if mapping.matches(rightcode, rightgroup, mapright):
                return mapping.inscl
        return None

    def category_for(self, diag_codes: list[str]) -> Category:
        fallback: Category = "OP"
        for name in CATEGORY_ORDER:
            rule = self.categories.get(name)
            if rule is None:
                continue
            if not rule.diag_prefixes:
                fallback = name
                continue
            if any(code.startswith(tuple(rule.diag_prefixes)) for code in diag_codes):
                return name
        return fallback

    @field_validator("oop_code_by_drugcode")
    @classmethod
    def _icd9cm_codes(cls, codes: dict[str, str]) -> dict[str, str]:
        bad = sorted(k for k, v in codes.items() if not ICD9CM_PROCEDURE.fullmatch(v))
        if bad:
            raise ValueError(f"not ICD-9-CM procedure codes (like 99.29): {', '.join(bad)}")
        return codes

    def procedure_code(self, drugcode: str, std_code: str) -> str:
        """OOP's OPER for a procedure item: mapped, else its standard code when that is
        an ICD-9-CM code, else "" (the item gets a missing_procedure_code warning)."""
        mapped = self.oop_code_by_drugcode.get(drugcode)
        if mapped:
            return mapped
        code = std_code.strip()
        return code if ICD9CM_PROCEDURE.fullmatch(code) else ""

    def lab_code(self, labcode: str) -> str:
        """LABFU's LABTEST for a JHCIS lab code; "" when neither map knows it."""
        return self.lab_code_map.get(labcode) or DEFAULT_LAB_CODES.get(labcode, "")

    def eclaim_inscl(self, inscl: str) -> str:
        """INS.INSCL: e-Claim's coverage codes (UCS, OFC, SSS, LGO, NHS) know no WEL;
        NHSO's welfare sub-rights are UC (their sub-type goes to SUBTYPE)."""
        return "UCS" if inscl in self.uc_codes else inscl

    def chrgitem(self, drugtype: str | None) -> str:
        return self.chrgitem_by_drugtype.get((drugtype or "").strip(), self.chrgitem_fallback)


M = TypeVar("M", bound=BaseModel)


def load_toml_model(path: str | Path, model: type[M]) -> M:
    """A pydantic model from a TOML file; errors name the file and the key."""
    file = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"rules file not found: {file}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    try:
        return model(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, file)) from None


def load_rules(path: str | Path | None) -> RuleSet:
    """The rule set from a TOML file (validated), or the defaults when no file is given."""
    return RuleSet() if path is None else load_toml_model(path, RuleSet)


def rules_for(settings: Settings, path: str | Path | None = None) -> RuleSet:
    """The rules a clinic's exports run with: the file's (or the defaults), and the
    clinic's CUP from the settings unless the file names one."""
    rules = load_rules(path)
    if not rules.cup_hcode and settings.clinic.cup_hcode:
        rules = rules.model_copy(update={"cup_hcode": settings.clinic.cup_hcode})
    return rules
