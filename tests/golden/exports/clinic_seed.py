"""A small hand-made clinic whose every visit exercises one claim rule.

Deterministic by construction (no random data), so the golden files next to this
module stay valid whatever the synthetic generator does. Loaded by path from the
exports' and the claims' conftest (tests are not a package).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from common.cid import cid_check_digit
from integrations.jhcis import tables as t
from integrations.jhcis.demo_marker import mark_demo
from integrations.jhcis.schema import create_jhcis_schema

UNIT = "99901"
OTHER_MAIN = "99900"
DAY = dt.date(2026, 3, 2)


def cid(n: int) -> str:
    first12 = f"199{n:09d}"
    return first12 + str(cid_check_digit(first12))


# pid, cid, title, fname, lname, birth, sex, rightcode
PEOPLE: list[tuple[int, str, str, str, str, dt.date, str, str]] = [
    (1, cid(1), "003", "สมชาย", "ทดสอบ", dt.date(1970, 5, 1), "1", "89"),
    (2, cid(2), "005", "มาลี", "ใจดี", dt.date(1995, 1, 9), "2", "89"),
    (3, cid(3), "003", "วิชัย", "รักงาน", dt.date(1960, 7, 7), "1", "10"),
    (4, cid(4), "004", "สุดา", "ประกัน", dt.date(1988, 2, 2), "2", "20"),
    (5, "", "003", "ไร้บัตร", "ไม่มีเลข", dt.date(1980, 1, 1), "1", "89"),
    (6, cid(6), "002", "น้องฟ้า", "วัคซีน", dt.date(2024, 9, 1), "2", "74"),
    (7, cid(7), "003", "ท้องถิ่น", "สุขใจ", dt.date(1975, 3, 3), "1", "70"),
]

# visitno, pid, hosmain, claim code, money1, diagnoses [(code, dxtype)], drugs, labs, epi
VISITS: list[dict[str, Any]] = [
    # 1: UC from another main unit, OP -> included; drug without std code -> warning
    #    also a wound dressing (procedure with an ICD-9-CM code -> OOP) and a scaling
    #    (dental, no code -> warning), both free; referred here from another unit -> ORF
    {"visitno": 101, "pid": 1, "hosmain": OTHER_MAIN, "claim": "PP1000000001",
     "money1": Decimal("100.00"), "diags": [("E11.9", "01"), ("I10", "02")],
     "drugs": [("D0003", 30), ("D0009", 10), ("PR01", 1), ("DT01", 1)],
     "labs": [("CH99", "6.8"), ("CH09", "1.1")], "refer_from": "99902"},
    # 2: UC whose main unit is this one, OP -> excluded (uc_in_cup)
    {"visitno": 102, "pid": 2, "hosmain": UNIT, "claim": "PP1000000002",
     "money1": Decimal("50.00"), "diags": [("J00", "01")], "drugs": [("D0001", 10)]},
    # 3: UC of this unit, PP check-up -> included (PP: all rights)
    {"visitno": 103, "pid": 2, "hosmain": UNIT, "claim": "PP1000000003",
     "money1": Decimal("0.00"), "diags": [("Z00.0", "01")], "drugs": []},
    # 4: OFC, OP -> excluded (right_not_claimable)
    {"visitno": 104, "pid": 3, "hosmain": OTHER_MAIN, "claim": "EP1000000004",
     "money1": Decimal("80.00"), "diags": [("K29.7", "01")], "drugs": [("D0001", 20)]},
    # 5: SSS, OP -> excluded from e-Claim, included in SSOP
    {"visitno": 105, "pid": 4, "hosmain": "11111", "claim": "",
     "money1": Decimal("120.00"), "diags": [("J00", "01")],
     "drugs": [("D0001", 10), ("D0002", 30)]},
    # 6: no citizen ID -> excluded
    {"visitno": 106, "pid": 5, "hosmain": OTHER_MAIN, "claim": "PP1000000006",
     "money1": Decimal("50.00"), "diags": [("R51", "01")], "drugs": []},
    # 7: child vaccination, PP, one lot missing -> included with warning
    {"visitno": 107, "pid": 6, "hosmain": UNIT, "claim": "PP1000000007",
     "money1": Decimal("0.00"), "diags": [("Z27.1", "01")], "drugs": [],
     "epi": [("DTP-HB1", "L123"), ("OPV1", "")]},
    # 8: UC from another main unit but no claim code -> excluded
    {"visitno": 108, "pid": 1, "hosmain": OTHER_MAIN, "claim": "",
     "money1": Decimal("50.00"), "diags": [("M79.1", "01")], "drugs": []},
    # 9: LGO, OP -> included; ANC diagnosis would win but this is a man: plain OP;
    #    referred out to the hospital -> ORF
    {"visitno": 109, "pid": 7, "hosmain": UNIT, "claim": "PP1000000009",
     "money1": Decimal("150.00"), "diags": [("I10", "01")], "drugs": [("D0002", 30)],
     "symptoms": "ปวดหัว|เวียนหัว\r\nนอนไม่หลับ", "refer_to": OTHER_MAIN},
]  # fmt: skip

DRUGS = [
    # drugcode, name, drugtype, price, tmt, code24, files18epi
    ("D0001", "Paracetamol 500 mg", "01", Decimal("0.50"), "662401", "", ""),
    ("D0002", "Amlodipine 5 mg", "01", Decimal("1.00"), "", "100000000000000000000002", ""),
    ("D0003", "Metformin 500 mg", "01", Decimal("0.80"), "224181", "", ""),
    ("D0009", "ยาหอม ✓", "10", Decimal("2.00"), "", "", ""),
    ("PR01", "ทำแผล", "02", Decimal("0"), "", "93.57", ""),  # ICD-9-CM 93.57 as its std code
    ("DT01", "ขูดหินปูน", "08", Decimal("0"), "", "", ""),
    ("DTP-HB1", "วัคซีน DTP-HB 1", "05", Decimal("0"), "", "", "091"),
    ("OPV1", "วัคซีนโปลิโอ 1", "05", Decimal("0"), "", "", "081"),
]


def seed_clinic(engine: Engine) -> None:
    create_jhcis_schema(engine)
    with engine.begin() as conn:
        conn.execute(t.office.insert(), [{"offid": "0000x"}, {"offid": UNIT}])
        # What the live schema's foreign keys ask for (integrations/jhcis/constraints.py):
        # the units visits name, a house for the people, the provider's account.
        conn.execute(
            t.chospital.insert(), [{"hoscode": code} for code in (UNIT, OTHER_MAIN, "11111")]
        )
        conn.execute(t.village.insert(), [{"pcucode": UNIT, "villcode": "99010101"}])
        conn.execute(t.house.insert(), [{"pcucode": UNIT, "hcode": 1, "villcode": "99010101"}])
        conn.execute(
            t.cright.insert(),
            [
                {"rightcode": "89", "rightname": "UC", "rightgroup": "3", "mapright": "UCS"},
                {"rightcode": "74", "rightname": "UC child", "rightgroup": "3", "mapright": "UCS"},
                {"rightcode": "10", "rightname": "ข้าราชการ", "rightgroup": "1", "mapright": "OFC"},
                {"rightcode": "20", "rightname": "ประกันสังคม", "rightgroup": "2", "mapright": "SSS"},
                {"rightcode": "70", "rightname": "อปท.", "rightgroup": "7", "mapright": "LGO"},
            ],
        )
        conn.execute(
            t.ctitle.insert(),
            [
                {"titlecode": "002", "titlename": "ด.ญ."},
                {"titlecode": "003", "titlename": "นาย"},
                {"titlecode": "004", "titlename": "น.ส."},
                {"titlecode": "005", "titlename": "นาง"},
            ],
        )
        conn.execute(
            t.cdrug.insert(),
            [
                {"drugcode": c, "drugname": n, "drugtype": k, "sell": p, "cost": p / 2,
                 "tmtcode": tmt or None, "drugcode24": c24 or None, "files18epi": epi or None,
                 "unitsell": "เม็ด"}
                for c, n, k, p, tmt, c24, epi in DRUGS
            ],
        )  # fmt: skip
        conn.execute(
            t.user.insert(),
            [
                {
                    "username": "doc",
                    "pcucode": UNIT,
                    "idcard": cid(900),
                    "licenseno": "ว.12345",
                    "fname": "หมอ",
                }
            ],
        )
        conn.execute(
            t.person.insert(),
            [
                {"pcucodeperson": UNIT, "pid": pid, "hcode": 1, "idcard": c or None,
                 "prename": title, "fname": f, "lname": ln, "birth": b, "sex": sex,
                 "rightcode": right, "nation": "099", "provcodemoi": "99", "distcodemoi": "01",
                 # JHCIS's own codes (43-file MSTATUS, OCCUPATION_NEW), for two adults
                 "marystatus": {1: "2", 7: "1"}.get(pid), "occupa": {1: "6111", 7: "9211"}.get(pid)}
                for pid, c, title, f, ln, b, sex, right in PEOPLE
            ],
        )  # fmt: skip
        rights = {p[0]: p[7] for p in PEOPLE}
        for v in VISITS:
            no, pid = v["visitno"], v["pid"]
            conn.execute(
                t.visit.insert(),
                {
                    "pcucode": UNIT, "visitno": no, "visitdate": DAY, "pcucodeperson": UNIT,
                    "pid": pid, "timestart": dt.time(9, no % 60), "rightcode": rights[pid],
                    "hosmain": v["hosmain"], "hossub": UNIT, "pressure": "130/85",
                    "temperature": Decimal("36.9"), "money1": v["money1"],
                    "moneynoclaim": Decimal(0), "symptoms": v.get("symptoms", "ไข้"),
                    "claimcode_nhso": v["claim"] or None,
                    "hiciauthen_nhso": "PG0060001" if v["claim"] else None,
                    "refertohos": v.get("refer_to"), "receivefromhos": v.get("refer_from"),
                    "username": "doc",
                },
            )  # fmt: skip
            for code, dxtype in v["diags"]:
                conn.execute(
                    t.visitdiag.insert(),
                    {"pcucode": UNIT, "visitno": no, "diagcode": code, "dxtype": dxtype,
                     "clinic": "00100", "doctordiag": "doc"},
                )  # fmt: skip
            prices = {d[0]: d[3] for d in DRUGS}
            for code, qty in v["drugs"]:
                conn.execute(
                    t.visitdrug.insert(),
                    {"pcucode": UNIT, "visitno": no, "drugcode": code, "unit": Decimal(qty),
                     "realprice": prices[code], "costprice": prices[code] / 2, "dose": "1x3 pc"},
                )  # fmt: skip
            for seq, (labcode, result) in enumerate(v.get("labs", []), start=1):
                conn.execute(
                    t.visitlabchcyhembmsse.insert(),
                    {"pcucode": UNIT, "visitno": no, "pcucodeperson": UNIT, "pid": pid,
                     "datecheck": DAY, "labcode": labcode, "labresultdigit": Decimal(result),
                     "seqonday": seq},
                )  # fmt: skip
            for code, lot in v.get("epi", []):
                conn.execute(
                    t.visitepi.insert(),
                    {"pcucode": UNIT, "visitno": no, "pcucodeperson": UNIT, "pid": pid,
                     "vaccinecode": code, "dateepi": DAY, "hosservice": UNIT,
                     "lotno": lot or None},
                )  # fmt: skip
    mark_demo(engine, seed=0)  # a made-up clinic: the web tests add staff accounts to it
