"""One closed-right visit as the rows of the NDP 13 files (the layouts of integrations.ndp_files).

What each field is read from, and how sure the reading is, is in backoffice/ndp/README.md
("Where each field comes from"). In short: the close right gives INSCL and PERMITNO
(the right we closed with and NHSO's close-right code), JHCIS the rest (person, visit,
diagnoses, items, the provider's account); fields JHCIS has no value for stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from backoffice.exports.eclaim import charges_by_item, split_pressure
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import VisitBundle
from common.thaidate import exact
from integrations import ndp_files as n
from integrations.claim_files import eclaim_clinic, money, quantity
from integrations.ndp_files import iso_date, iso_datetime

_CENT = Decimal("0.01")
#: CHAD's code system of an item's standard code: only TMT is named by a public source.
CODESYS_TMT = "TMT"

Pair = tuple[str, tuple[str, ...]]  # (file name as in NDP_FILES, row)


@dataclass(frozen=True)
class ClosedRight:
    """What our close right of the visit recorded (kiosk_close_right)."""

    close_right_id: int
    transaction_id: str
    authen_code: str
    main_inscl: str


@dataclass(frozen=True)
class Practitioner:
    """The visit's provider (JHCIS user of visit.username): NDP's file 3 needs a CID."""

    cid: str
    first_name: str
    last_name: str


def charge_amount(qty: str, unit_price: str) -> str:
    """QTY x UNITPRICE as written, to the satang (NDP error R118 compares exactly)."""
    return money((Decimal(qty) * Decimal(unit_price)).quantize(_CENT, rounding=ROUND_HALF_UP))


class NdpRows:
    def __init__(self, rules: RuleSet, hcode: str, unit_names: dict[str, str]) -> None:
        self.rules = rules
        self.hcode = hcode
        self.unit_names = unit_names  # chospital code -> name, for Provider

    def rows(
        self, bundle: VisitBundle, closed: ClosedRight, practitioner: Practitioner
    ) -> list[Pair]:
        v = bundle.visit
        seq = v.seq
        moment = iso_datetime(v.visitdate, v.timestart)
        clinic = eclaim_clinic(
            next((d.clinic for d in bundle.diagnoses if d.clinic), ""), self.rules.default_clinic
        )
        licence = bundle.provider_licence
        sbp, dbp = split_pressure(v.pressure)
        out: list[Pair] = [
            ("PATIENT", n.PATIENT(
                SEQ=seq, TYPE="CID", CID=v.cid, PPN="", PWD="", NAME_GIVEN=v.first_name,
                NAME_FAMILY=v.last_name, BIRTHDATE=iso_date(exact(v.birth)),
                GENDER=v.sex if v.sex in ("1", "2") else "", ADDRESS_LINE="", ADDRESS_CITY="",
                ADDRESS_DISTRICT="", ADDRESS_STATE="", ADDRESS_POSTALCODE="",
                NATIONALITY=v.nation, RACE="", HN=v.hn, AN="",
            )),
            ("PROVIDER", n.PROVIDER(
                SEQ=seq, HCODE=self.hcode, HCODE_NAME=self.unit_names.get(self.hcode, ""),
                HCODE_SEND=self.hcode, HCODE_SEND_NAME=self.unit_names.get(self.hcode, ""),
                HMAIN=v.hosmain, HMAIN_NAME=self.unit_names.get(v.hosmain, ""),
            )),
            ("PRACTITIONER", n.PRACTITIONER(
                SEQ=seq, HCODE=self.hcode, CID=practitioner.cid, PROFESSION_ID=licence,
                COUNCIL="", PROVIDERTYPE="", NAME_GIVEN=practitioner.first_name,
                NAME_FAMILY=practitioner.last_name,
            )),
            ("OPD", n.OPD(
                SEQ=seq, DATEOPD=moment, INSCL=closed.main_inscl, PERMITNO=closed.authen_code,
                HTYPE="", UUC="1", CHIEFCOMP=v.symptoms[:255],
                BTEMP="" if v.temperature is None else str(v.temperature), SBP=sbp, DBP=dbp,
                PR="", RR="", WAISTLINE="", WEIGHT="", HEIGHT="", HEADCIRCUM="", CLINIC=clinic,
            )),
        ]  # fmt: skip
        for d in bundle.diagnoses:
            out.append(
                ("DIAGNOSIS", n.DIAGNOSIS(
                    SEQ=seq, DATEDX=moment, DIAG=d.code, DIAGTYPE=d.dxtype,
                    PROFESSION_ID=d.provider_licence or licence,
                    CLINIC=eclaim_clinic(d.clinic, clinic),
                ))
            )  # fmt: skip
        invoice = f"{v.pcucode}{v.visitno}"
        for item in bundle.items:
            if not item.tmtcode or item.qty <= 0:
                continue  # no public code system for the others, QTY > 0: report warnings
            qty, price = quantity(item.qty), money(item.price)
            out.append(
                ("CHAD", n.CHAD(
                    SEQ=seq, STDCODE=item.tmtcode, INVOICE_NO=invoice, SERVDATE=moment,
                    LOCALCODE=item.drugcode, DESCRIPT=item.name, QTY=qty, UNITPRICE=price,
                    CHARGEAMT=charge_amount(qty, price), CODESYS=CODESYS_TMT, LAB_RESULT="",
                    UNIT=item.unit, REIMBPRICE="", XRAY_RESUT="", PATHO_RESULT="",
                ))
            )  # fmt: skip
        by_item, total, items_total = charges_by_item(bundle, self.rules)
        for key in sorted(by_item):
            out.append(
                ("CHA", n.CHA(
                    SEQ=seq, DATE=moment, CHRGITEM=key, INVOICE_NO=invoice,
                    AMOUNT=money(by_item[key]), TOTAL=money(max(total, items_total)),
                    OPD_MEMO="",
                ))
            )  # fmt: skip
        return out
