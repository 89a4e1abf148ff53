"""Reading visits for claims, in bounded memory, on MySQL 5.6, MariaDB and SQLite.

Visits of a date range are read on one connection as a stream (a server-side
cursor on MySQL: ``stream_results`` + ``yield_per``; SQLite's cursor is lazy by
nature) in chunks of ``chunk_size``. For each chunk, the diagnoses, items, labs and
vaccinations of exactly those visits are read on a second connection with
``visitno IN (...)``. Nothing is ever held beyond one chunk, so memory stays flat
however many visits a batch has.

Only the columns each export needs are selected; the optional JHCIS columns (claim
code, claim type, card inscl) are selected only where the database has them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.sql.elements import ColumnElement

from backoffice.exports.formats import quantity
from backoffice.jhcis import tables as t
from backoffice.jhcis.clinic import unit_code_from_office
from backoffice.jhcis.profile import SchemaProfile, detect_profile
from common.thaidate import parse_db_date

DEFAULT_CHUNK = 1000
OPTIONAL_VISIT_COLUMNS = ("claimcode_nhso", "hiciauthen_nhso", "main_inscl", "sub_inscl")
# Tables a claim read needs; the profile is read for these only.
CLAIM_TABLES = (
    "visit", "person", "cright", "ctitle", "cdisease", "cdrug", "visitdiag", "visitdrug",
    "visitlabchcyhembmsse", "visitepi", "user", "office",
)  # fmt: skip


@dataclass(slots=True)
class Diagnosis:
    code: str  # ICD-10 without the dot (cdisease.mapdisease when set)
    dxtype: str  # 1..5
    clinic: str
    provider_licence: str


@dataclass(slots=True)
class Item:
    """One visitdrug row: a drug, a supply, a procedure, a vaccine or a fee."""

    drugcode: str
    name: str = field(repr=False)
    drugtype: str
    qty: Decimal
    price: Decimal
    cost: Decimal
    tmtcode: str
    code24: str
    unit: str
    dose: str = field(repr=False)

    @property
    def total(self) -> Decimal:
        return self.qty * self.price

    @property
    def std_code(self) -> str:
        """The 24-digit drug code, else the TMT code (either is a standard code)."""
        return self.code24 or self.tmtcode


@dataclass(slots=True)
class Lab:
    labcode: str
    result: str
    day: dt.date | None


@dataclass(slots=True)
class Vaccination:
    vaccinecode: str
    export_code: str  # cdrug.files18epi, 3 characters
    lot: str
    day: dt.date | None


@dataclass(slots=True)
class Visit:
    pcucode: str
    visitno: int
    visitdate: dt.date | None
    timestart: Any
    pcucodeperson: str
    pid: int
    rightcode: str
    rightgroup: str
    mapright: str
    hosmain: str
    hossub: str
    pressure: str
    temperature: Decimal | None
    money1: Decimal | None
    moneynoclaim: Decimal | None
    claim_code: str
    claim_type: str
    main_inscl: str
    sub_inscl: str
    cid: str = field(repr=False)
    title: str = field(repr=False)
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    symptoms: str = field(repr=False)
    birth: dt.date | None = field(repr=False)
    sex: str = ""
    nation: str = ""
    provcode: str = ""
    distcode: str = ""

    @property
    def hn(self) -> str:
        return str(self.pid)

    @property
    def seq(self) -> str:
        return str(self.visitno)

    @property
    def key(self) -> tuple[str, int]:
        return (self.pcucode, self.visitno)


@dataclass
class VisitBundle:
    visit: Visit
    diagnoses: list[Diagnosis] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    labs: list[Lab] = field(default_factory=list)
    vaccinations: list[Vaccination] = field(default_factory=list)


def _s(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else str(value).strip()


def _dn(value: object) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _d(value: object) -> Decimal:
    found = _dn(value)
    return Decimal(0) if found is None else found


class ClaimSource:
    """Streams :class:`VisitBundle` objects of a date range from a JHCIS database."""

    def __init__(self, engine: Engine, *, chunk_size: int = DEFAULT_CHUNK) -> None:
        self.engine = engine
        self.chunk_size = chunk_size
        with engine.connect() as conn:
            self.profile: SchemaProfile = detect_profile(conn, CLAIM_TABLES)

    def own_hcode(self, configured: str = "") -> str:
        """The unit's 5-digit code: the configured one, else JHCIS's office table."""
        if configured:
            return configured
        with self.engine.connect() as conn:
            return unit_code_from_office(conn)

    def _visit_query(
        self,
        date_from: dt.date,
        date_to: dt.date,
        pcucode: str | None,
        visitnos: Sequence[int] | None,
    ) -> Any:
        v, p = t.visit, t.person
        optional = [v.c[name] for name in OPTIONAL_VISIT_COLUMNS if self._has("visit", name)]
        columns = [
            v.c.pcucode, v.c.visitno, v.c.visitdate, v.c.timestart, v.c.pcucodeperson,
            v.c.pid, v.c.rightcode, v.c.hosmain, v.c.hossub, v.c.pressure, v.c.temperature,
            v.c.money1, v.c.moneynoclaim, v.c.symptoms, *optional,
            p.c.idcard, p.c.fname, p.c.lname, p.c.birth, p.c.sex, p.c.nation,
            p.c.provcodemoi, p.c.distcodemoi,
            t.cright.c.rightgroup, t.cright.c.mapright, t.ctitle.c.titlename,
        ]  # fmt: skip
        joined = (
            v.outerjoin(p, and_(p.c.pcucodeperson == v.c.pcucodeperson, p.c.pid == v.c.pid))
            .outerjoin(t.cright, t.cright.c.rightcode == v.c.rightcode)
            .outerjoin(t.ctitle, t.ctitle.c.titlecode == p.c.prename)
        )
        conditions: list[ColumnElement[bool]] = [
            v.c.visitdate >= date_from,
            v.c.visitdate <= date_to,
        ]
        if pcucode:
            conditions.append(v.c.pcucode == pcucode)
        if visitnos is not None:
            conditions.append(v.c.visitno.in_(list(visitnos)))
        return (
            select(*columns)
            .select_from(joined)
            .where(and_(*conditions))
            .order_by(v.c.visitdate, v.c.pcucode, v.c.visitno)
        )

    def _has(self, table: str, column: str) -> bool:
        return self.profile.has_column(table, column)

    def bundles(
        self,
        date_from: dt.date,
        date_to: dt.date,
        *,
        pcucode: str | None = None,
        visitnos: Sequence[int] | None = None,
    ) -> Iterator[VisitBundle]:
        """Every visit of [date_from, date_to] with its children, in date order."""
        query = self._visit_query(date_from, date_to, pcucode, visitnos)
        with self.engine.connect() as stream, self.engine.connect() as lookup:
            result = stream.execution_options(
                stream_results=True, yield_per=self.chunk_size
            ).execute(query)
            for partition in result.mappings().partitions(self.chunk_size):
                visits = [self._visit(row) for row in partition]
                yield from self._attach(lookup, visits)

    def count(self, date_from: dt.date, date_to: dt.date, pcucode: str | None = None) -> int:
        """How many visits the range holds (for progress bars)."""
        from sqlalchemy import func

        v = t.visit
        query = select(func.count()).where(v.c.visitdate >= date_from, v.c.visitdate <= date_to)
        if pcucode:
            query = query.where(v.c.pcucode == pcucode)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _visit(self, row: Any) -> Visit:
        get = row.get
        return Visit(
            pcucode=_s(row["pcucode"]),
            visitno=int(row["visitno"]),
            visitdate=parse_db_date(row["visitdate"]),
            timestart=row["timestart"],
            pcucodeperson=_s(row["pcucodeperson"]),
            pid=int(row["pid"]),
            rightcode=_s(row["rightcode"]),
            rightgroup=_s(row["rightgroup"]),
            mapright=_s(row["mapright"]),
            hosmain=_s(row["hosmain"]),
            hossub=_s(row["hossub"]),
            pressure=_s(row["pressure"]),
            temperature=_dn(row["temperature"]),
            money1=_dn(row["money1"]),
            moneynoclaim=_dn(row["moneynoclaim"]),
            claim_code=_s(get("claimcode_nhso")),
            claim_type=_s(get("hiciauthen_nhso")),
            main_inscl=_s(get("main_inscl")),
            sub_inscl=_s(get("sub_inscl")),
            cid=_s(row["idcard"]),
            title=_s(row["titlename"]),
            first_name=_s(row["fname"]),
            last_name=_s(row["lname"]),
            symptoms=_s(row["symptoms"]),
            birth=parse_db_date(row["birth"]),
            sex=_s(row["sex"]),
            nation=_s(row["nation"]),
            provcode=_s(row["provcodemoi"]),
            distcode=_s(row["distcodemoi"]),
        )

    def _attach(self, conn: Connection, visits: list[Visit]) -> Iterator[VisitBundle]:
        bundles = {v.key: VisitBundle(v) for v in visits}
        by_unit: dict[str, list[int]] = defaultdict(list)
        for v in visits:
            by_unit[v.pcucode].append(v.visitno)
        for unit, numbers in by_unit.items():
            self._diagnoses(conn, unit, numbers, bundles)
            self._items(conn, unit, numbers, bundles)
            self._labs(conn, unit, numbers, bundles)
            self._vaccinations(conn, unit, numbers, bundles)
        for v in visits:
            yield bundles[v.key]

    def _diagnoses(
        self, conn: Connection, unit: str, numbers: list[int], out: dict[Any, VisitBundle]
    ) -> None:
        d, c, u = t.visitdiag, t.cdisease, t.user
        query = (
            select(d.c.visitno, d.c.diagcode, d.c.dxtype, d.c.clinic, c.c.mapdisease, u.c.licenseno)
            .select_from(
                d.outerjoin(c, c.c.diseasecode == d.c.diagcode).outerjoin(
                    u, u.c.username == d.c.doctordiag
                )
            )
            .where(d.c.pcucode == unit, d.c.visitno.in_(numbers))
            .order_by(d.c.visitno, d.c.dxtype, d.c.diagcode)
        )
        for row in conn.execute(query).all():  # one chunk: fetched at once
            code = _s(row.mapdisease) or _s(row.diagcode)
            dxtype = _s(row.dxtype)[-1:] or "1"
            out[(unit, int(row.visitno))].diagnoses.append(
                Diagnosis(code.replace(".", "").upper(), dxtype, _s(row.clinic), _s(row.licenseno))
            )

    def _items(
        self, conn: Connection, unit: str, numbers: list[int], out: dict[Any, VisitBundle]
    ) -> None:
        vd, cd = t.visitdrug, t.cdrug
        query = (
            select(
                vd.c.visitno,
                vd.c.drugcode,
                vd.c.unit,
                vd.c.dose,
                vd.c.realprice,
                vd.c.costprice,
                cd.c.drugname,
                cd.c.drugtype,
                cd.c.tmtcode,
                cd.c.drugcode24,
                cd.c.unitsell,
            )
            .select_from(vd.outerjoin(cd, cd.c.drugcode == vd.c.drugcode))
            .where(vd.c.pcucode == unit, vd.c.visitno.in_(numbers))
            .order_by(vd.c.visitno, vd.c.drugcode)
        )
        for row in conn.execute(query).all():  # one chunk: fetched at once
            out[(unit, int(row.visitno))].items.append(
                Item(
                    drugcode=_s(row.drugcode),
                    name=_s(row.drugname),
                    drugtype=_s(row.drugtype),
                    qty=_d(row.unit),
                    price=_d(row.realprice),
                    cost=_d(row.costprice),
                    tmtcode=_s(row.tmtcode),
                    code24=_s(row.drugcode24),
                    unit=_s(row.unitsell),
                    dose=_s(row.dose),
                )
            )

    def _labs(
        self, conn: Connection, unit: str, numbers: list[int], out: dict[Any, VisitBundle]
    ) -> None:
        lab = t.visitlabchcyhembmsse
        query = (
            select(
                lab.c.visitno,
                lab.c.labcode,
                lab.c.labresultdigit,
                lab.c.labresulttext,
                lab.c.datecheck,
            )
            .where(lab.c.pcucode == unit, lab.c.visitno.in_(numbers))
            .order_by(lab.c.visitno, lab.c.labcode, lab.c.seqonday)
        )
        for row in conn.execute(query).all():  # one chunk: fetched at once
            result = row.labresultdigit
            text = _s(row.labresulttext) if result is None else quantity(_d(result))
            out[(unit, int(row.visitno))].labs.append(
                Lab(_s(row.labcode), text, parse_db_date(row.datecheck))
            )

    def _vaccinations(
        self, conn: Connection, unit: str, numbers: list[int], out: dict[Any, VisitBundle]
    ) -> None:
        e, cd = t.visitepi, t.cdrug
        query = (
            select(e.c.visitno, e.c.vaccinecode, e.c.lotno, e.c.dateepi, cd.c.files18epi)
            .select_from(e.outerjoin(cd, cd.c.drugcode == e.c.vaccinecode))
            .where(e.c.pcucode == unit, e.c.visitno.in_(numbers))
            .order_by(e.c.visitno, e.c.vaccinecode)
        )
        for row in conn.execute(query).all():  # one chunk: fetched at once
            out[(unit, int(row.visitno))].vaccinations.append(
                Vaccination(
                    _s(row.vaccinecode),
                    _s(row.files18epi),
                    _s(row.lotno),
                    parse_db_date(row.dateepi),
                )
            )
