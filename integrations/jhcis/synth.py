"""A deterministic synthetic รพ.สต. for the demo, the tests and the benchmarks.

Everything here is invented. Citizen IDs carry valid checksums but use province
digits ``99``, which no real Thai province has, so no generated ID can belong to a
real person; names are drawn from common Thai given names and made-up surnames.
The same seed and end date always give the same database.

Default size: 5,000 persons and a year of visits (about 2.5 visits a person) with
diagnoses, drugs, labs (CH99 HbA1c, CH09 creatinine, CH19 potassium), vaccinations
and vaccine and follow-up appointments; ``visits`` scales to 100,000 and more. No
visit (nor its vaccinations, labs and appointments) precedes its person's birth.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select

from common.cid import cid_check_digit
from integrations.jhcis import tables as t
from integrations.jhcis.demo_marker import require_demo
from integrations.jhcis.profile import SchemaProfile, detect_profile

DEMO_UNIT = "99901"  # not a real unit: real hcodes are below 9xxxx for รพ.สต.
DEMO_HOSPITAL = "99900"
PROVINCE = "99"  # no Thai province has code 99
DISTRICT = "01"
SUBDISTRICT = "01"
OUT_OF_AREA_VILLCODE = PROVINCE + DISTRICT + SUBDISTRICT + "00"
BATCH = 2000
STAFF = ("นางสาวสาธิต ใจดี", "นายทดลอง รักงาน", "นางตัวอย่าง สุขใจ")
# Their licence numbers, made up (99 prefixes): a nurse, a community public health
# officer, a nurse. Claim files carry the provider's licence (issue 18).
STAFF_LICENCES = ("พ.9900000001", "ส.99002", "พ.9900000003")
#: The synthetic account the demo kiosk records as its visits' provider.
DEMO_PROVIDER = STAFF[0]

TITLES = (
    ("001", "ด.ช.", "เด็กชาย"),
    ("002", "ด.ญ.", "เด็กหญิง"),
    ("003", "นาย", "นาย"),
    ("004", "น.ส.", "นางสาว"),
    ("005", "นาง", "นาง"),
)
RIGHTS = (
    ("89", "สิทธิหลักประกันสุขภาพแห่งชาติ (ช่วงอายุ 12-59 ปี)", "3", "UCS"),
    ("74", "สิทธิหลักประกันสุขภาพแห่งชาติ (เด็ก/ผู้สูงอายุ)", "3", "UCS"),
    ("10", "ข้าราชการ", "1", "OFC"),
    ("20", "ประกันสังคม", "2", "SSS"),
    ("70", "ข้าราชการท้องถิ่น", "7", "LGO"),
)
DISEASES = (
    ("J00", "Acute nasopharyngitis", "ไข้หวัด", None),
    ("I10", "Essential hypertension", "ความดันโลหิตสูง", "10"),
    ("E11.9", "Type 2 diabetes without complications", "เบาหวานชนิดที่ 2", "01"),
    ("K29.7", "Gastritis, unspecified", "กระเพาะอาหารอักเสบ", None),
    ("M79.1", "Myalgia", "ปวดกล้ามเนื้อ", None),
    ("R51", "Headache", "ปวดศีรษะ", None),
    ("A09", "Diarrhoea and gastroenteritis", "ท้องร่วง", None),
    ("L30.9", "Dermatitis, unspecified", "ผิวหนังอักเสบ", None),
    ("Z00.0", "General medical examination", "ตรวจสุขภาพทั่วไป", None),
    ("Z23.5", "Need for immunization against tetanus", "ฉีดวัคซีนบาดทะยัก", None),
    ("Z27.1", "Need for immunization against DTP", "ฉีดวัคซีนรวม", None),
    ("Z01.6", "Radiological examination", "ตรวจพิเศษ", None),
)
DRUGS = (
    ("D0001", "Paracetamol 500 mg", "01", Decimal("0.50")),
    ("D0002", "Amlodipine 5 mg", "01", Decimal("1.00")),
    ("D0003", "Metformin 500 mg", "01", Decimal("0.80")),
    ("D0004", "Omeprazole 20 mg", "01", Decimal("1.20")),
    ("D0005", "Chlorpheniramine 4 mg", "01", Decimal("0.20")),
    ("D0006", "ORS (ผงน้ำตาลเกลือแร่)", "01", Decimal("2.00")),
    ("D0007", "ยาขมิ้นชัน", "10", Decimal("1.50")),
    ("S0001", "ค่าบริการทางการแพทย์", "06", Decimal("50.00")),
)
# Procedures (cdrug.drugtype 02 procedure, 08 dental) with their ICD-9-CM code in
# drugcode24: where a real JHCIS keeps that code is unconfirmed, and this is where the
# e-Claim export looks by default (backoffice.exports.rules, oop_code_by_drugcode).
PROCEDURES = (
    ("PR01", "ทำแผล", "02", Decimal("50.00"), "93.57"),
    ("DT01", "ขูดหินปูน", "08", Decimal("0"), "96.54"),
)
VACCINES = (
    ("HBV1", "วัคซีนตับอักเสบบี เข็ม 1", "041"),
    ("BCG", "วัคซีนบีซีจี", "010"),
    ("DTP-HB1", "วัคซีนรวม DTP-HB เข็ม 1", "091"),
    ("OPV1", "วัคซีนโปลิโอชนิดกิน เข็ม 1", "081"),
    ("MMR1", "วัคซีนหัด คางทูม หัดเยอรมัน เข็ม 1", "073"),
    ("dT1", "วัคซีนคอตีบ บาดทะยัก", "106"),
    ("FLU", "วัคซีนไข้หวัดใหญ่", "815"),
)
LABS = (("CH99", 5.0, 11.0), ("CH09", 0.6, 2.5), ("CH19", 3.2, 5.4))
MALE_NAMES = (
    "สมชาย", "สมศักดิ์", "ประเสริฐ", "วิชัย", "สุรชัย", "ธนากร", "อนุชา", "ณัฐพล", "กิตติ",
    "ชัยวัฒน์", "ประยุทธ", "บุญมี", "สมบัติ", "วีระ", "ธีรพงษ์", "อภิชาติ", "เกียรติศักดิ์",
)  # fmt: skip
FEMALE_NAMES = (
    "สมหญิง", "มาลี", "สุดา", "วันเพ็ญ", "ศิริพร", "จันทร์เพ็ญ", "กาญจนา", "ปวีณา", "นงลักษณ์",
    "อรุณี", "พิมพ์ใจ", "รัตนา", "สายสุนีย์", "บุญเรือน", "ทองใบ", "ณัฐธิดา", "ลำดวน",
)  # fmt: skip
SURNAME_PARTS = (
    "ใจ", "ดี", "สุข", "ทอง", "แก้ว", "ศรี", "บุญ", "มั่น", "คง", "รัก", "ไทย", "เจริญ",
    "สม", "ปาน", "ชื่น", "งาม", "พร", "ศักดิ์", "วงศ์", "สวัสดิ์", "เพชร", "นาค",
)  # fmt: skip
VILLAGE_NAMES = (
    "บ้านนาสาธิต", "บ้านหนองตัวอย่าง", "บ้านโคกทดลอง", "บ้านดอนสมมุติ",
    "บ้านป่าจำลอง", "บ้านห้วยสาธิต", "บ้านท่าทดสอบ", "บ้านหัวนาจำลอง",
)  # fmt: skip


@dataclass
class SynthSummary:
    unit_code: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Person:
    pid: int
    sex: str
    birth: dt.date
    rightcode: str
    chronic: str | None  # "01" diabetes, "10" hypertension


def synthetic_cid(rng: random.Random, used: set[str]) -> str:
    """A checksum-valid citizen ID that cannot be real (province digits 99)."""
    while True:
        first12 = str(rng.randint(1, 8)) + PROVINCE + f"{rng.randrange(10**9):09d}"
        cid = first12 + str(cid_check_digit(first12))
        if cid not in used:
            used.add(cid)
            return cid


def _title(sex: str, age: int, rng: random.Random) -> str:
    if age < 15:
        return "001" if sex == "1" else "002"
    if sex == "1":
        return "003"
    return "005" if age > 25 and rng.random() < 0.7 else "004"


def _surname(rng: random.Random) -> str:
    return "".join(rng.sample(SURNAME_PARTS, rng.choice((2, 3))))


def _mobile(rng: random.Random) -> str:
    # 0800000xxx-style numbers: the 080-000 block is not assigned to subscribers.
    return f"0800000{rng.randrange(1000):03d}"


def _insert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], prof: SchemaProfile
) -> int:
    if not rows or not prof.has_table(table.name):
        return 0
    wanted = [c for c in rows[0] if prof.has_column(table.name, c)]
    for start in range(0, len(rows), BATCH):
        chunk = [{c: r[c] for c in wanted} for r in rows[start : start + BATCH]]
        conn.execute(table.insert(), chunk)
    return len(rows)


def generate(
    engine: Engine,
    *,
    persons: int = 5000,
    visits: int | None = None,
    seed: int = 1,
    end: dt.date | None = None,
    days: int = 365,
    unit: str = DEMO_UNIT,
) -> SynthSummary:
    """Fill an empty JHCIS-shaped database (see :mod:`integrations.jhcis.schema`).

    Raises :class:`NotADemoDatabase` when the database already holds people and carries
    no demo marker: that is a clinic's database, and made-up people must never join it.
    """
    _refuse_a_clinic_database(engine)
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    last_day = end or dt.date.today()
    total_visits = visits if visits is not None else int(persons * 2.5)
    summary = SynthSummary(unit, seed)
    with engine.begin() as conn:
        prof = detect_profile(conn)
        counts = summary.counts
        counts.update(_reference_rows(conn, prof, unit))
        people, person_rows, house_rows, village_rows = _population(rng, persons, unit, last_day)
        counts["village"] = _insert(conn, t.village, village_rows, prof)
        counts["house"] = _insert(conn, t.house, house_rows, prof)
        counts["person"] = _insert(conn, t.person, person_rows, prof)
        # Procedures and referrals come from a second stream, so that adding them left
        # every other row of a seed as it was.
        extra = random.Random(seed * 1_000_003 + 7)  # noqa: S311 - fake data
        for name, rows in _visits(
            rng, people, total=total_visits, unit=unit, last_day=last_day, days=days,
            extra=extra,
        ):  # fmt: skip
            counts[name] = counts.get(name, 0) + _insert(conn, getattr(t, name), rows, prof)
    if engine.dialect.name in {"mysql", "mariadb"}:
        # Fresh index statistics, as a live database has (the optimiser relies on them).
        with engine.connect() as conn:
            for table in t.JHCIS_TABLES:
                if prof.has_table(table.name):
                    conn.exec_driver_sql(f"ANALYZE TABLE `{table.name}`").all()
    return summary


def _refuse_a_clinic_database(engine: Engine) -> None:
    with engine.connect() as conn:
        anyone = conn.execute(
            select(func.count()).select_from(select(t.person.c.pid).limit(1).subquery())
        ).scalar()
    if anyone:
        require_demo(engine)


def _reference_rows(conn: Connection, prof: SchemaProfile, unit: str) -> dict[str, int]:
    counts = {
        "office": _insert(
            conn, t.office, [{"offid": "0000x", "tel": None}, {"offid": unit, "tel": None}], prof
        ),
        "chospital": _insert(
            conn,
            t.chospital,
            [
                {
                    "hoscode": unit,
                    "hosname": "รพ.สต.สาธิต (ข้อมูลสมมุติ)",
                    "provcode": PROVINCE,
                    "distcode": DISTRICT,
                    "subdistcode": SUBDISTRICT,
                    "mu": "01",
                    "address": None,
                    "road": None,
                },
                {
                    "hoscode": DEMO_HOSPITAL,
                    "hosname": "โรงพยาบาลสาธิต (ข้อมูลสมมุติ)",
                    "provcode": PROVINCE,
                    "distcode": DISTRICT,
                    "subdistcode": SUBDISTRICT,
                    "mu": "02",
                    "address": None,
                    "road": None,
                },
            ],
            prof,
        ),
        # Area codes: the demo card's province and district are real (นครปฐม 73, เมือง
        # 01); its subdistrict, like the synthetic clinic's own area 99, is made up.
        "cprovince": _insert(
            conn,
            t.cprovince,
            [{"provcode": "73", "provname": "นครปฐม"}, {"provcode": PROVINCE, "provname": "สาธิต"}],
            prof,
        ),
        "cdistrict": _insert(
            conn,
            t.cdistrict,
            [
                {"provcode": "73", "distcode": "01", "distname": "เมืองนครปฐม"},
                {"provcode": PROVINCE, "distcode": DISTRICT, "distname": "สาธิต"},
            ],
            prof,
        ),
        "csubdistrict": _insert(
            conn,
            t.csubdistrict,
            [
                {
                    "provcode": "73",
                    "distcode": "01",
                    "subdistcode": "99",
                    "subdistname": "ทดลองสาธิต",
                },
                {
                    "provcode": PROVINCE,
                    "distcode": DISTRICT,
                    "subdistcode": SUBDISTRICT,
                    "subdistname": "สาธิต",
                },
            ],
            prof,
        ),
        "ctitle": _insert(
            conn,
            t.ctitle,
            [{"titlecode": c, "titlename": n, "titlenamelong": long} for c, n, long in TITLES],
            prof,
        ),
        "cright": _insert(
            conn,
            t.cright,
            [
                {"rightcode": c, "rightname": n, "rightgroup": g, "mapright": m}
                for c, n, g, m in RIGHTS
            ],
            prof,
        ),
        "cdisease": _insert(
            conn,
            t.cdisease,
            [
                {
                    "diseasecode": c,
                    "diseasename": en,
                    "diseasenamethai": th,
                    "mapdisease": c.replace(".", ""),
                    "codechronic": chronic,
                }
                for c, en, th, chronic in DISEASES
            ],
            prof,
        ),
        "cdrug": _insert(
            conn,
            t.cdrug,
            [
                {
                    "drugcode": c,
                    "drugname": n,
                    "drugtype": kind,
                    "drugflag": "1",
                    "unitsell": "1",
                    "drugcode24": None,
                    "tmtcode": None,
                    "files18epi": None,
                    "cost": p / 2,
                    "sell": p,
                }
                for c, n, kind, p in DRUGS
            ]
            + [
                {
                    "drugcode": c,
                    "drugname": n,
                    "drugtype": "05",
                    "drugflag": "1",
                    "unitsell": "1",
                    "drugcode24": None,
                    "tmtcode": None,
                    "files18epi": epi,
                    "cost": Decimal("0"),
                    "sell": Decimal("0"),
                }
                for c, n, epi in VACCINES
            ]
            + [
                {
                    "drugcode": c,
                    "drugname": n,
                    "drugtype": kind,
                    "drugflag": "1",
                    "unitsell": "1",
                    "drugcode24": icd9,
                    "tmtcode": None,
                    "files18epi": None,
                    "cost": Decimal("0"),
                    "sell": p,
                }
                for c, n, kind, p, icd9 in PROCEDURES
            ],
            prof,
        ),
        "user": _insert(
            conn,
            t.user,
            [
                {
                    "username": name,
                    "password": f"demo-{i}",
                    "pcucode": unit,
                    "markdelete": None,
                    "officertype": "1",
                    "idcard": None,
                    "prename": None,
                    "fname": name.split()[0],
                    "lname": name.split()[1],
                    "fullname": name,
                    "licenseno": licence,
                    "officerposition": "นักวิชาการสาธารณสุข",
                    "dateupdate": None,
                }
                for i, (name, licence) in enumerate(zip(STAFF, STAFF_LICENCES, strict=True), 1)
            ],
            prof,
        ),
    }
    return counts


def _population(
    rng: random.Random, persons: int, unit: str, today: dt.date
) -> tuple[list[_Person], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    villages = [
        {"pcucode": unit, "villcode": PROVINCE + DISTRICT + SUBDISTRICT + f"{moo:02d}",
         "villno": f"{moo:02d}", "villname": VILLAGE_NAMES[moo - 1]}
        for moo in range(1, len(VILLAGE_NAMES) + 1)
    ]  # fmt: skip
    villages.append(
        {"pcucode": unit, "villcode": OUT_OF_AREA_VILLCODE, "villno": "00",
         "villname": "นอกเขตรับผิดชอบ"}
    )  # fmt: skip
    houses: list[dict[str, Any]] = []
    n_houses = max(1, persons // 4)
    for hcode in range(1, n_houses + 1):
        village = villages[(hcode - 1) % (len(villages) - 1)]
        houses.append(
            {"pcucode": unit, "hcode": hcode, "villcode": village["villcode"],
             "hid": f"{rng.randrange(10**10):011d}", "hno": f"{rng.randint(1, 250)}",
             "road": None, "dateupdate": None}
        )  # fmt: skip
    out_of_area_hcode = n_houses + 1
    houses.append(
        {"pcucode": unit, "hcode": out_of_area_hcode, "villcode": OUT_OF_AREA_VILLCODE,
         "hid": None, "hno": "นอกเขต", "road": None, "dateupdate": None}
    )  # fmt: skip
    used: set[str] = set()
    people: list[_Person] = []
    rows: list[dict[str, Any]] = []
    for pid in range(1, persons + 1):
        sex = rng.choice(("1", "2"))
        age = min(95, int(rng.expovariate(1 / 32)))
        birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
        right = "74" if age < 12 or age >= 60 else rng.choice(("89", "89", "89", "10", "20", "70"))
        chronic = None
        if age >= 35 and rng.random() < 0.25:
            chronic = rng.choice(("01", "10"))
        people.append(_Person(pid, sex, birth, right, chronic))
        hcode = out_of_area_hcode if rng.random() < 0.03 else rng.randint(1, n_houses)
        rows.append(
            {
                "pcucodeperson": unit,
                "pid": pid,
                "hcode": hcode,
                "prename": _title(sex, age, rng),
                "fname": rng.choice(MALE_NAMES if sex == "1" else FEMALE_NAMES),
                "lname": _surname(rng),
                "birth": birth,
                "sex": sex,
                "idcard": synthetic_cid(rng, used),
                "typelive": "4" if hcode == out_of_area_hcode else rng.choice(("1", "1", "3")),
                "dischargetype": "9",
                "nation": "99",
                "rightcode": right,
                "rightno": None,
                "hosmain": DEMO_HOSPITAL,
                "hossub": unit,
                "hnomoi": str(rng.randint(1, 250)),
                "roadmoi": None,
                "mumoi": f"{rng.randint(1, len(VILLAGE_NAMES)):02d}",
                "subdistcodemoi": SUBDISTRICT,
                "distcodemoi": DISTRICT,
                "provcodemoi": PROVINCE,
                "telephoneperson": None,
                "mobile": _mobile(rng) if rng.random() < 0.6 else None,
                "datein": birth if rng.random() < 0.5 else None,
                "dateupdate": None,
            }
        )
    return people, rows, houses, villages


def _visits(
    rng: random.Random,
    people: list[_Person],
    *,
    total: int,
    unit: str,
    last_day: dt.date,
    days: int,
    extra: random.Random,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Visits in date order with their diagnoses, drugs, labs and vaccinations.

    About 1 in 25 visits also has a procedure and 1 in 50 a referral (`extra`'s draws).
    """
    first_day = last_day - dt.timedelta(days=days - 1)
    dates = sorted(first_day + dt.timedelta(days=rng.randrange(days)) for _ in range(total))
    tables: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in ("visit", "visitdiag", "visitdrug", "visitlabchcyhembmsse", "visitepi",
                     "visitepiappoint", "visitdiagappoint")
    }  # fmt: skip
    visitno = 0
    for day in dates:
        who = _born_by(people, rng.choice(people), day)
        if who is None:
            continue
        visitno += 1
        start = (
            dt.time(8, 30) if day.weekday() >= 5 else dt.time(rng.randint(8, 15), rng.randrange(60))
        )
        moment = dt.datetime.combine(day, start)
        age_days = (day - who.birth).days
        staff = rng.choice(STAFF)
        money = Decimal(rng.choice((50, 80, 100, 120, 150)))
        visit_row: dict[str, Any] = {
            "pcucode": unit, "visitno": visitno, "visitdate": day, "pcucodeperson": unit,
            "pid": who.pid, "timestart": start, "timeend": None, "timeservice": "1",
            "servicetype": "1", "flagservice": "03", "typein": "1", "rightcode": who.rightcode,
            "rightno": None, "hosmain": DEMO_HOSPITAL, "hossub": unit, "symptoms": "ไข้ ไอ",
            "weight": Decimal(rng.randint(40, 90)), "height": Decimal(rng.randint(145, 180)),
            "pressure": f"{rng.randint(100, 160)}/{rng.randint(60, 100)}",
            "temperature": Decimal("36.8"), "money1": money, "money2": None, "money3": None,
            "moneynoclaim": Decimal(0), "username": staff, "dateupdate": moment,
            "hiciauthen_nhso": None, "claimcode_nhso": None, "datetime_claim": None,
            "main_inscl": None, "sub_inscl": None,
        }  # fmt: skip
        if who.rightcode in {"89", "74"} and rng.random() < 0.8:
            visit_row.update(
                hiciauthen_nhso="PG0060001",
                claimcode_nhso=f"PP{rng.randrange(10**10):010d}",
                datetime_claim=moment,
                main_inscl="UCS",
                sub_inscl=who.rightcode,
            )
        tables["visit"].append(visit_row)
        key = {"pcucode": unit, "visitno": visitno}
        person_key = {"pcucodeperson": unit, "pid": who.pid}
        if age_days < 3 * 365 and rng.random() < 0.5:
            code = rng.choice(VACCINES[:5])[0]
            diag = "Z27.1"
            tables["visitepi"].append(
                {**key, **person_key, "vaccinecode": code, "dateepi": day, "hosservice": unit,
                 "lotno": f"L{rng.randrange(10**6):06d}", "dateupdate": moment}
            )  # fmt: skip
            tables["visitepiappoint"].append(
                {**key, **person_key, "vaccinecode": rng.choice(VACCINES[:5])[0],
                 "dateappoint": day + dt.timedelta(days=rng.choice((30, 60, 90))),
                 "hoscodeappoint": unit, "userappoint": staff}
            )  # fmt: skip
        elif who.chronic:
            diag = "E11.9" if who.chronic == "01" else "I10"
            if rng.random() < 0.3:
                for seq, (lab, low, high) in enumerate(LABS, start=1):
                    value = Decimal(str(round(rng.uniform(low, high), 1)))
                    tables["visitlabchcyhembmsse"].append(
                        {**key, **person_key, "datecheck": day, "labcode": lab,
                         "labresultdigit": value, "labresulttext": str(value), "seqonday": seq,
                         "hosservice": unit, "sell": Decimal(40), "dateupdate": moment}
                    )  # fmt: skip
            tables["visitdiagappoint"].append(
                {**key, "diagcode": diag, "appodate": day + dt.timedelta(days=rng.choice((28, 56))),
                 "appotime": dt.time(9, 0), "appotype": "1", "comment": "รับยาต่อเนื่อง"}
            )  # fmt: skip
        else:
            diag = rng.choice(("J00", "K29.7", "M79.1", "R51", "A09", "L30.9", "Z00.0"))
        tables["visitdiag"].append(
            {**key, "diagcode": diag, "conti": "1" if who.chronic else "0", "dxtype": "01",
             "appointdate": None, "doctordiag": staff, "clinic": "00100", "dateupdate": moment}
        )  # fmt: skip
        drug_pool = DRUGS[:7]
        for code, _name, _kind, price in rng.sample(drug_pool, rng.randint(0, 3)):
            quantity = Decimal(rng.choice((10, 20, 30)))
            tables["visitdrug"].append(
                {**key, "drugcode": code, "unit": quantity, "dose": "1x3 pc", "realprice": price,
                 "costprice": price / 2, "doctor1": staff, "dateupdate": moment}
            )  # fmt: skip
        roll = extra.random()
        if roll < 0.04:
            code, _name, _kind, price, _icd9 = PROCEDURES[0 if roll < 0.03 else 1]
            tables["visitdrug"].append(
                {**key, "drugcode": code, "unit": Decimal(1), "dose": None, "realprice": price,
                 "costprice": Decimal(0), "doctor1": staff, "dateupdate": moment}
            )  # fmt: skip
        roll = extra.random()
        visit_row["refertohos"] = DEMO_HOSPITAL if roll < 0.015 else None
        visit_row["receivefromhos"] = DEMO_HOSPITAL if 0.015 <= roll < 0.02 else None
        if len(tables["visit"]) >= BATCH:
            yield from _drain(tables)
    yield from _drain(tables)


def _born_by(people: list[_Person], drawn: _Person, day: dt.date) -> _Person | None:
    """`drawn`, or someone born by `day` in their place: no visit precedes a birth.

    The stand-in is the next person (in pid order) under three on that day, like the
    unborn `drawn` took the under-three branch of :func:`_visits`: the visit then draws
    as many numbers as before, and the rest of a seed's clinic stays as it was. Else the
    next person born by then; None when nobody is (a tiny population, all born later).
    """
    if drawn.birth <= day:
        return drawn
    n = len(people)
    first_born: _Person | None = None
    for k in range(n - 1):
        person = people[(drawn.pid + k) % n]  # people[pid - 1] is drawn
        if person.birth <= day:
            if (day - person.birth).days < 3 * 365:
                return person
            first_born = first_born or person
    return first_born


def _drain(tables: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for name in list(tables):
        rows = tables[name]
        if rows:
            tables[name] = []
            yield name, rows
