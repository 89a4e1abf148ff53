"""Reading visits for claims, in bounded memory, on MySQL 5.6, MariaDB and SQLite.

The visits of a date range (joined to person, cright and ctitle) are read as one
stream on one connection (a server-side cursor on MySQL: ``stream_results``;
SQLite's cursor is lazy by nature), ordered by ``(visitdate, visitno, pcucode)``,
``chunk_size`` rows at a time. For each chunk, the diagnoses, items, labs and
vaccinations are read on a second connection with one query per child table: the
child joined to ``visit`` under the same conditions, limited to the visits that sort
between the chunk's first and last visit, in the same order. The children are then
attached to their visit by a merge on that order. Nothing is held beyond one chunk, so
memory stays flat however many visits a batch has; no ``visitno IN (...)`` list is
built, and the queries are the same four statements for every chunk.

The selected columns are typeless (``type_coerce(..., NullType())``): rows carry the
driver's own values and are converted here, by position, once, instead of by the
column types' result processors (on 100,000 visits those cost more than the
queries). The conversions give exactly the values the typed columns gave (dates
parsed, zero dates as ``None``, decimals at their column's scale, TIME as
``datetime.time``), so the files do not change.

Only the columns each export needs are selected; the optional JHCIS columns (claim
code, claim type, card inscl, referrals) are selected only where the database has
them (``NULL`` in their place otherwise).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Numeric,
    Select,
    and_,
    bindparam,
    func,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from common.thaidate import PartialDate, parse_db_date
from integrations.claim_files import quantity
from integrations.jhcis import tables as t
from integrations.jhcis.clinic import unit_code_from_office
from integrations.jhcis.profile import SchemaProfile, detect_profile
from integrations.jhcis.types import parse_birth

DEFAULT_CHUNK = 1000
OPTIONAL_VISIT_COLUMNS = (
    "claimcode_nhso", "hiciauthen_nhso", "main_inscl", "sub_inscl", "refertohos", "receivefromhos",
)  # fmt: skip
OPTIONAL_PERSON_COLUMNS = ("marystatus", "occupa")
OPTIONAL_VACCINATION_COLUMNS = ("datevacineexpire", "manufacturer")
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
    expiry: dt.date | None = None  # visitepi.datevacineexpire (optional column)
    manufacturer: str = ""  # visitepi.manufacturer (optional column)


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
    # A year alone (JHCIS's zero-in-date 1965-00-00) is a PartialDate: the age rules
    # use its year; the files' date fields stay empty, as no exact date is known.
    birth: dt.date | PartialDate | None = field(repr=False)
    sex: str = ""
    nation: str = ""
    provcode: str = ""
    distcode: str = ""
    refer_to: str = ""  # visit.refertohos: the unit the patient was referred out to
    refer_from: str = ""  # visit.receivefromhos: the unit that referred the patient here
    # The licence of the visit's provider (visit.username, a JHCIS account of the unit):
    # what the files carry where no diagnosis names its own doctor.
    provider_licence: str = ""
    provider_name: str = field(default="", repr=False)
    # JHCIS's own codes (person.marystatus, person.occupa; optional columns).
    marriage: str = ""
    occupation: str = ""

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

    @property
    def provider_licence(self) -> str:
        """The first diagnosing doctor's licence, else the visit's provider's."""
        found = next((d.provider_licence for d in self.diagnoses if d.provider_licence), "")
        return found or self.visit.provider_licence


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


def _scaled(scale: int, null: Decimal | None = None) -> Any:
    """A DECIMAL(p, scale) column's value as SQLAlchemy's Numeric gave it (`null` for NULL).

    MySQL's driver already returns Decimal; SQLite returns float or int, which
    SQLAlchemy formatted at the column's scale (``37`` -> ``Decimal('37.0')``).
    """
    pattern = f"%.{scale}f"

    # Prices, amounts and temperatures repeat: the conversion is kept for the last few
    # thousand values (Decimals are immutable, so sharing one is safe).
    @functools.lru_cache(maxsize=4096, typed=True)
    def convert(value: object) -> Decimal | None:
        if value is None:
            return null
        if isinstance(value, Decimal):
            return value
        if isinstance(value, float | int):
            return Decimal(pattern % value)
        return Decimal(str(value))

    return convert


def _scale(column: Any) -> int:
    kind = column.type
    return int(kind.scale or 0) if isinstance(kind, Numeric) else 0


@functools.lru_cache(maxsize=4096)
def _time(value: object) -> dt.time | None:
    """TIME: SQLite gives text, PyMySQL a timedelta; both become ``datetime.time``."""
    if value is None or isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds()) % 86400
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _untyped(query: Select[Any]) -> Select[Any]:
    """The same query with its result columns typeless: rows carry the driver's values."""
    columns = [type_coerce(column, NullType()) for column in query.selected_columns]
    return cast("Select[Any]", query.with_only_columns(*columns, maintain_column_froms=True))


def _stream(conn: Connection, query: Select[Any], size: int) -> Iterator[Any]:
    """The rows of `query` with the driver's values, fetched `size` at a time."""
    result = conn.execution_options(stream_results=True, yield_per=size).execute(_untyped(query))
    try:
        while rows := result.fetchmany(size):
            yield from rows
    finally:
        result.close()


class _End:
    """Sorts after every visit: what a finished stream shows the merge."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_END = _End()


_KEY_OF = operator.itemgetter(0, 1, 2)
_LAST = ((_END, _END, _END), (_END, _END, _END))


def _keyed(rows: Iterable[Any]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """``(merge key, row)`` pairs, then a sentinel pair (so the merge needs no StopIteration)."""
    keys, values = itertools.tee(rows)
    yield from zip(map(_KEY_OF, keys), values, strict=True)
    yield _LAST


def _chunks(pairs: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` items (the last shorter), without the sentinel pair."""
    while part := list(itertools.islice(pairs, size)):
        if part[-1] is _LAST:
            part.pop()
        if part:
            yield part


# Converters, made once: service days repeat across a batch (birthdays hardly, so they
# are parsed each time); decimals as their column's scale gives them.
_day_of = functools.lru_cache(maxsize=1024)(parse_db_date)
_TEMPERATURE = _scaled(_scale(t.visit.c.temperature))
_MONEY = _scaled(_scale(t.visit.c.money1))
_QUANTITY = _scaled(_scale(t.visitdrug.c.unit), Decimal(0))
_PRICE = _scaled(_scale(t.visitdrug.c.realprice), Decimal(0))
_COST = _scaled(_scale(t.visitdrug.c.costprice), Decimal(0))
_LAB_DIGIT = _scaled(_scale(t.visitlabchcyhembmsse.c.labresultdigit))


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

    def _has(self, table: str, column: str) -> bool:
        return self.profile.has_column(table, column)

    def _conditions(
        self,
        date_from: dt.date,
        date_to: dt.date,
        pcucode: str | None,
        visitnos: Sequence[int] | None,
    ) -> list[ColumnElement[bool]]:
        v = t.visit
        conditions: list[ColumnElement[bool]] = [
            v.c.visitdate >= date_from,
            v.c.visitdate <= date_to,
        ]
        if pcucode:
            conditions.append(v.c.pcucode == pcucode)
        if visitnos is not None:
            conditions.append(v.c.visitno.in_(list(visitnos)))
        return conditions

    # The merge key every query starts with, in the order all of them are sorted by.
    # Date and number first: their order is the same in SQL and in Python whatever
    # the collation; pcucode only separates two units' visits with the same number.
    _KEY = (t.visit.c.visitdate, t.visit.c.visitno, t.visit.c.pcucode)

    def _visit_query(self, conditions: list[ColumnElement[bool]]) -> Select[Any]:
        v, p = t.visit, t.person
        u = t.user
        columns = [
            *self._KEY, v.c.timestart, v.c.pcucodeperson, v.c.pid, v.c.rightcode,
            v.c.hosmain, v.c.hossub, v.c.pressure, v.c.temperature, v.c.money1,
            v.c.moneynoclaim, v.c.symptoms, *self._optional(v, OPTIONAL_VISIT_COLUMNS),
            p.c.idcard, p.c.fname, p.c.lname, p.c.birth, p.c.sex, p.c.nation,
            p.c.provcodemoi, p.c.distcodemoi, *self._optional(p, OPTIONAL_PERSON_COLUMNS),
            t.cright.c.rightgroup, t.cright.c.mapright, t.ctitle.c.titlename,
            self._licence(u), *self._optional(u, ("fullname",)), u.c.fname, u.c.lname,
        ]  # fmt: skip
        joined = (
            v.outerjoin(p, and_(p.c.pcucodeperson == v.c.pcucodeperson, p.c.pid == v.c.pid))
            .outerjoin(t.cright, t.cright.c.rightcode == v.c.rightcode)
            .outerjoin(t.ctitle, t.ctitle.c.titlecode == p.c.prename)
            .outerjoin(
                t.user, and_(t.user.c.pcucode == v.c.pcucode, t.user.c.username == v.c.username)
            )
        )
        return select(*columns).select_from(joined).where(and_(*conditions)).order_by(*self._KEY)

    def _licence(self, user: Any) -> Any:
        """A provider's licence: licenseno, else noofoccupation where JHCIS has it."""
        if not self._has("user", "noofoccupation"):
            return user.c.licenseno
        return func.coalesce(func.nullif(user.c.licenseno, ""), user.c.noofoccupation)

    def _optional(self, table: Any, names: Sequence[str]) -> list[Any]:
        """The columns this database has, NULL in place of those it lacks."""
        return [
            table.c[name] if self._has(table.name, name) else null().label(name) for name in names
        ]

    def _child_query(
        self,
        child: Any,
        columns: list[Any],
        conditions: list[ColumnElement[bool]],
        order: list[Any],
        joins: Sequence[tuple[Any, ColumnElement[bool]]] = (),
    ) -> Select[Any]:
        """A child table's rows for the same visits, in the visits' order."""
        v = t.visit
        joined = child.join(v, and_(v.c.pcucode == child.c.pcucode, v.c.visitno == child.c.visitno))
        for table, on in joins:
            joined = joined.outerjoin(table, on)
        return (
            select(*self._KEY, *columns)
            .select_from(joined)
            .where(and_(*conditions))
            .order_by(*self._KEY, *order)
        )

    def bundles(
        self,
        date_from: dt.date,
        date_to: dt.date,
        *,
        pcucode: str | None = None,
        visitnos: Sequence[int] | None = None,
    ) -> Iterator[VisitBundle]:
        """Every visit of [date_from, date_to] with its children, in date order."""
        conditions = self._conditions(date_from, date_to, pcucode, visitnos)
        # The children's queries are bounded by the chunk only (below). With the unit,
        # SQLite reads each child table by its (pcucode, ...) key, the whole unit once
        # per chunk; with the range's dates, it may take those for the index range:
        # without either, it reads the chunk's days from visit's date index. Another
        # unit's rows in those days match no visit, and the merge skips them.
        near: list[ColumnElement[bool]] = []
        if visitnos is not None:
            near.append(t.visit.c.visitno.in_(list(visitnos)))
        size = self.chunk_size
        d, c, u = t.visitdiag, t.cdisease, t.user
        vd, cd = t.visitdrug, t.cdrug
        lab, e = t.visitlabchcyhembmsse, t.visitepi
        children = (
            self._child_query(
                d, [d.c.diagcode, d.c.dxtype, d.c.clinic, c.c.mapdisease, self._licence(u)],
                near, [d.c.dxtype, d.c.diagcode],
                [
                    (c, c.c.diseasecode == d.c.diagcode),
                    # user is keyed by (pcucode, username): one row, never one a unit
                    (u, and_(u.c.pcucode == d.c.pcucode, u.c.username == d.c.doctordiag)),
                ],
            ),
            self._child_query(
                vd, [vd.c.drugcode, vd.c.unit, vd.c.dose, vd.c.realprice, vd.c.costprice,
                     cd.c.drugname, cd.c.drugtype, cd.c.tmtcode, cd.c.drugcode24, cd.c.unitsell],
                near, [vd.c.drugcode], [(cd, cd.c.drugcode == vd.c.drugcode)],
            ),
            self._child_query(
                lab, [lab.c.labcode, lab.c.labresultdigit, lab.c.labresulttext, lab.c.datecheck],
                near, [lab.c.labcode, lab.c.seqonday],
            ),
            self._child_query(
                e, [e.c.vaccinecode, e.c.lotno, e.c.dateepi, cd.c.files18epi,
                    *self._optional(e, OPTIONAL_VACCINATION_COLUMNS)],
                near, [e.c.vaccinecode], [(cd, cd.c.drugcode == e.c.vaccinecode)],
            ),
        )  # fmt: skip
        # The children of one chunk of visits: those whose visit sorts between the
        # chunk's first and last key (ends included; the merge skips the rest).
        v = t.visit.c
        day0 = bindparam("day0", type_=v.visitdate.type)
        day1 = bindparam("day1", type_=v.visitdate.type)
        no0, no1 = bindparam("no0", type_=v.visitno.type), bindparam("no1", type_=v.visitno.type)
        chunk = [
            v.visitdate >= day0,
            v.visitdate <= day1,
            or_(v.visitdate > day0, and_(v.visitdate == day0, v.visitno >= no0)),
            or_(v.visitdate < day1, and_(v.visitdate == day1, v.visitno <= no1)),
        ]
        queries = [_untyped(query.where(*chunk)) for query in children]
        with self.engine.connect() as stream, self.engine.connect() as lookup:
            visits = _keyed(_stream(stream, self._visit_query(conditions), size))
            for part in _chunks(visits, size):
                (first, n_first, _u0), (last, n_last, _u1) = part[0][0], part[-1][0]
                bounds = {
                    "day0": parse_db_date(first), "day1": parse_db_date(last),
                    "no0": n_first, "no1": n_last,
                }  # fmt: skip
                found = [
                    _keyed(lookup.execute(query, bounds).all())  # one chunk: fetched at once
                    for query in queries
                ]
                yield from self._assemble(iter(part), *found)

    def _assemble(
        self,
        visits: Iterator[tuple[tuple[Any, ...], Any]],
        diagnoses: Iterator[tuple[tuple[Any, ...], Any]],
        items: Iterator[tuple[tuple[Any, ...], Any]],
        labs: Iterator[tuple[tuple[Any, ...], Any]],
        vaccinations: Iterator[tuple[tuple[Any, ...], Any]],
    ) -> Iterator[VisitBundle]:
        """Visits with their children, by a merge on the shared sort key.

        A child row whose visit is not among these visits (written between two
        queries, or another unit's visit with the same date and number at a chunk's
        edge) sorts before the current visit, or after the last, and is skipped; a
        child stream never runs ahead, because every query has the same order.
        """
        s, birth_of, day_of = _s, parse_birth, _day_of  # locals: the loop is hot
        temperature, money, labdigit = _TEMPERATURE, _MONEY, _LAB_DIGIT
        qty, price, cost = _QUANTITY, _PRICE, _COST
        dk, dx = next(diagnoses)
        ik, it = next(items)
        lk, lb = next(labs)
        ek, ep = next(vaccinations)
        for key, row in visits:
            if key[0] is _END:
                break
            (day, visitno, unit, timestart, pcucodeperson, pid, rightcode, hosmain, hossub,
             pressure, temp, money1, moneynoclaim, symptoms, claimcode, claimtype, main_inscl,
             sub_inscl, refer_to, refer_from, idcard, fname, lname, birth, sex, nation,
             provcode, distcode, marystatus, occupa, rightgroup, mapright, titlename, licence,
             u_fullname, u_fname, u_lname) = row  # fmt: skip
            visit = Visit(
                s(unit), int(visitno), day_of(day), _time(timestart), s(pcucodeperson), int(pid),
                s(rightcode), s(rightgroup), s(mapright), s(hosmain), s(hossub), s(pressure),
                temperature(temp), money(money1), money(moneynoclaim), s(claimcode),
                s(claimtype), s(main_inscl), s(sub_inscl), s(idcard), s(titlename), s(fname),
                s(lname), s(symptoms), birth_of(birth), s(sex), s(nation), s(provcode),
                s(distcode), s(refer_to), s(refer_from), s(licence),
                # user.prename is a title code in JHCIS, not words: the full name, else
                # first and last name
                s(u_fullname) or " ".join(x for x in (s(u_fname), s(u_lname)) if x),
                s(marystatus), s(occupa),
            )  # fmt: skip
            bundle = VisitBundle(visit)
            while dk < key:
                dk, dx = next(diagnoses)
            while dk == key:
                _d0, _u0, _v0, diagcode, dxtype, clinic, mapdisease, licence = dx
                code = s(mapdisease) or s(diagcode)
                bundle.diagnoses.append(
                    Diagnosis(
                        code.replace(".", "").upper(), s(dxtype)[-1:] or "1", s(clinic),
                        s(licence),
                    )
                )  # fmt: skip
                dk, dx = next(diagnoses)
            while ik < key:
                ik, it = next(items)
            while ik == key:
                (_d1, _u1, _v1, drugcode, unit_qty, dose, realprice, costprice, drugname,
                 drugtype, tmtcode, code24, unitsell) = it  # fmt: skip
                bundle.items.append(
                    Item(
                        s(drugcode), s(drugname), s(drugtype),
                        qty(unit_qty), price(realprice), cost(costprice), s(tmtcode),
                        s(code24), s(unitsell), s(dose),
                    )
                )  # fmt: skip
                ik, it = next(items)
            while lk < key:
                lk, lb = next(labs)
            while lk == key:
                _d2, _u2, _v2, labcode, digit, text, datecheck = lb
                value = labdigit(digit)
                result = s(text) if value is None else quantity(value)
                bundle.labs.append(Lab(s(labcode), result, day_of(datecheck)))
                lk, lb = next(labs)
            while ek < key:
                ek, ep = next(vaccinations)
            while ek == key:
                _d3, _u3, _v3, vaccinecode, lotno, dateepi, files18epi, expiry, maker = ep
                bundle.vaccinations.append(
                    Vaccination(
                        s(vaccinecode), s(files18epi), s(lotno), day_of(dateepi),
                        day_of(expiry), s(maker),
                    )
                )  # fmt: skip
                ek, ep = next(vaccinations)
            yield bundle

    def count(self, date_from: dt.date, date_to: dt.date, pcucode: str | None = None) -> int:
        """How many visits the range holds (for progress bars)."""
        v = t.visit
        query = select(func.count()).where(v.c.visitdate >= date_from, v.c.visitdate <= date_to)
        if pcucode:
            query = query.where(v.c.pcucode == pcucode)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
