"""The operations the kiosk and the backoffice run on the clinic's JHCIS database.

:class:`ClinicDatabase` is built from an Engine (see :func:`open_engine`). It reads
the database's profile once (tables, optional columns, charsets), then offers a
small synchronous API: find or register a person, open today's visit with the NHSO
claim fields and a daily queue number (idempotently), set or clear a claim code
later, and keep the list of check-ins whose NHSO authentication is pending.

Numbers JHCIS allocates as ``MAX()+1`` (``visitno``, ``pid``) are taken under the
numbering lock of :mod:`integrations.jhcis.numbering`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError

from common.cid import is_valid_cid
from common.config import Settings
from common.logs import register_sensitive
from common.thaidate import PartialDate
from integrations.jhcis.card_record import (
    AreaCodes,
    address_values,
    card_note,
    english_name,
    fill_empty_person_fields,
    has_photo,
    note_card,
    read_photo,
    resolve_area,
    save_photo,
    write_contact_address,
)
from integrations.jhcis.engine import SQLITE_BEGIN_OPTION, configured_url, is_mysql, open_engine
from integrations.jhcis.errors import (
    ClaimCodeConflict,
    ClaimColumnsMissing,
    IdempotencyKeyReused,
    JhcisError,
    JhcisUnavailable,
    NumberingBusy,
    OutOfAreaHouseMissing,
    PendingAuthenNotFound,
    PersonNeedsStaff,
    ProviderNotFound,
    UnitCodeMissing,
    VisitNotFound,
    WriteRefused,
)
from integrations.jhcis.fitting import fit_text
from integrations.jhcis.guardians import guardian_of, record_guardian
from integrations.jhcis.legacy_text import LegacyText, detect_legacy_text
from integrations.jhcis.numbering import next_number, next_visitno, numbering_transaction
from integrations.jhcis.own_tables import (
    ensure_own_tables,
    kiosk_pending_authen,
    kiosk_visit,
)
from integrations.jhcis.person_right import JhcisRight, nhso_right, update_person_right
from integrations.jhcis.profile import THAI_SAFE_CHARSETS, SchemaProfile, detect_profile
from integrations.jhcis.records import (
    CheckinRequest,
    CheckinResult,
    Guardian,
    PendingAuthen,
    Person,
    Visit,
    VisitClaim,
    WalkinIdentity,
)
from integrations.jhcis.staff import is_unit_account
from integrations.jhcis.tables import (
    ctitle,
    house,
    office,
    person,
    persondeath,
    village,
    visit,
)
from integrations.jhcis.types import local_naive

log = logging.getLogger(__name__)
_T = TypeVar("_T")

OUT_OF_AREA_MOO = "00"
WALKIN_TYPELIVE = "4"  # lives outside the area (KIOSK_JHCIS walk-in convention)
NOT_DISCHARGED = "9"
FLAG_WAITING = "01"
FLAG_EXCLUDED = "99"  # visits JHCIS's own "today's visit" lookups skip
MAX_COLLISION_RETRIES = 5
OFFICE_HOURS = (dt.time(8, 30), dt.time(16, 30))

_PERSON_COLUMNS = (
    "pcucodeperson", "pid", "idcard", "prename", "fname", "lname", "birth", "sex",
    "mobile", "telephoneperson", "hcode", "typelive", "dischargetype",
    "rightcode", "rightno", "hosmain", "hossub",
)  # fmt: skip
_VISIT_COLUMNS = ("pcucode", "visitno", "visitdate", "pcucodeperson", "pid", "timestart",
                  "flagservice")  # fmt: skip
_THAI_TEXT_COLUMNS = (("person", "fname"), ("person", "lname"), ("ctitle", "titlename"))
# The columns a check-in's INSERTs name (registration, visit): `backoffice doctor` finds
# NOT NULL columns without a default outside them (tests/unit/jhcis/test_checkin_writes.py
# holds these lists to what the inserts really send).
CHECKIN_WRITES: dict[str, frozenset[str]] = {
    "person": frozenset(
        [
            "pcucodeperson",
            "pid",
            "hcode",
            "prename",
            "fname",
            "lname",
            "birth",
            "sex",
            "idcard",
            "typelive",
            "prenameeng",
            "fnameeng",
            "lnameeng",
            "dischargetype",
            "rightcode",
            "hosmain",
            "hossub",
            "nation",
            "hnomoi",
            "roadmoi",
            "mumoi",
            "subdistcodemoi",
            "distcodemoi",
            "provcodemoi",
            "datein",
            "dateupdate",
        ]
    ),
    "visit": frozenset(
        [
            "pcucode",
            "visitno",
            "visitdate",
            "pcucodeperson",
            "pid",
            "timestart",
            "timeservice",
            "servicetype",
            "flagservice",
            "typein",
            "rightcode",
            "rightno",
            "hosmain",
            "hossub",
            "username",
            "dateupdate",
            "hiciauthen_nhso",
            "claimcode_nhso",
            "datetime_claim",
            "correlationid_nhso",
            "main_inscl",
            "sub_inscl",
        ]
    ),
}
# Of those, the ones a check-in may leave empty (NULL, or out of the INSERT): an unknown
# title, area, right or unit, a year-only birth on a NO_ZERO_IN_DATE server, no provider.
# A NOT NULL column without a default among them refuses some check-ins on a strict server.
CHECKIN_MAYBE_EMPTY: dict[str, frozenset[str]] = {
    "person": frozenset(
        [
            "prename",
            "lname",
            "birth",
            "hnomoi",
            "roadmoi",
            "mumoi",
            "subdistcodemoi",
            "distcodemoi",
            "provcodemoi",
            "prenameeng",
            "fnameeng",
            "lnameeng",
            "rightcode",
            "hosmain",
            "hossub",
        ]
    ),
    "visit": frozenset(
        [
            "rightcode",
            "rightno",
            "hosmain",
            "hossub",
            "username",
            "hiciauthen_nhso",
            "claimcode_nhso",
            "datetime_claim",
            "correlationid_nhso",
            "main_inscl",
            "sub_inscl",
        ]
    ),
}
# The claim code's own fields, set and cleared together (of _CLAIM_COLUMNS' values).
_CODE_FIELDS = ("claim_type", "claim_code", "datetime_claim", "correlation_id")
# visit column -> kiosk_visit column, for the NHSO authentication fields.
_CLAIM_COLUMNS = {
    "hiciauthen_nhso": "claim_type",
    "claimcode_nhso": "claim_code",
    "datetime_claim": "datetime_claim",
    "correlationid_nhso": "correlation_id",
    "main_inscl": "main_inscl",
    "sub_inscl": "sub_inscl",
}


def _is_real_unit_code(code: str | None) -> bool:
    # office carries placeholder rows such as '0000x'; a unit code is 5 digits.
    text = (code or "").strip()
    return len(text) == 5 and text.isdigit() and text != "00000"


def in_office_hours(moment: dt.datetime) -> bool:
    """Mon-Fri 08:30-16:30: JHCIS's timeservice '1' (in hours) versus '2'."""
    return moment.weekday() < 5 and OFFICE_HOURS[0] <= moment.time() <= OFFICE_HOURS[1]


def _mobile_digits(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if not 9 <= len(digits) <= 10:
        raise ValueError("a Thai phone number has 9 or 10 digits")
    return digits


def _claim_fields(request: CheckinRequest, at: dt.datetime) -> dict[str, object]:
    """The request's NHSO fields, by kiosk_visit column (see _CLAIM_COLUMNS)."""
    return {
        "claim_type": request.claim_type,
        "claim_code": request.claim_code,
        "datetime_claim": at if request.claim_code else None,
        "correlation_id": request.correlation_id,
        "main_inscl": request.main_inscl,
        "sub_inscl": request.sub_inscl,
    }


# MySQL client/server error numbers meaning "the database cannot be reached/used now".
_UNREACHABLE = frozenset({1040, 1045, 1049, 1129, 1130, 2002, 2003, 2005, 2006, 2013, 2055})
_BUSY = frozenset({1205, 1213})  # lock wait timeout, deadlock
_DUPLICATE = 1062
# Refusals retrying cannot cure, by errno: the server's text names the column (and, for a
# foreign key, the constraint), never a value, so the column is read from it.
_FOREIGN_KEY = frozenset({1216, 1217, 1451, 1452})
_TOO_LONG = 1406  # strict sql_mode; otherwise the server cuts the text with a warning
_NOT_NULL = frozenset({1048, 1364})  # NULL into NOT NULL; no value for a column without default


def _errno_and_text(exc: DBAPIError) -> tuple[int | None, str]:
    orig = exc.orig
    args = orig.args if orig is not None else ()
    errno = args[0] if args and isinstance(args[0], int) else None
    text = next((a for a in args if isinstance(a, str)), "")
    return errno, text


def is_duplicate_key(exc: DBAPIError) -> bool:
    """A unique or primary key already taken: a race for a number, worth a retry."""
    errno, text = _errno_and_text(exc)
    return errno == _DUPLICATE or (errno is None and text.startswith("UNIQUE constraint failed"))


def write_refusal(exc: DBAPIError) -> WriteRefused | None:
    """The refusal a retry cannot cure (foreign key, too long, NOT NULL), or None."""
    errno, text = _errno_and_text(exc)
    if errno in _FOREIGN_KEY or text.startswith("FOREIGN KEY constraint failed"):
        match = re.search(r"\(`[^`]*`\.`([^`]+)`, CONSTRAINT .*?FOREIGN KEY \(([^)]*)\)", text)
        table, columns = (match.group(1), match.group(2).replace("`", "")) if match else ("", "")
        return WriteRefused("foreign_key", table, columns or "?")
    if errno == _TOO_LONG:
        match = re.search(r"column '([^']+)'", text)
        return WriteRefused("too_long", "", match.group(1) if match else "?")
    if errno in _NOT_NULL:
        match = re.search(r"(?:Column|Field) '([^']+)'", text)
        return WriteRefused("not_null", "", match.group(1) if match else "?")
    if errno is None and text.startswith("NOT NULL constraint failed: "):
        table, _, column = text.removeprefix("NOT NULL constraint failed: ").partition(".")
        return WriteRefused("not_null", table, column)
    return None


def classify_db_error(exc: DBAPIError) -> JhcisError:
    """The bilingual error for a driver failure, without its (PII-bearing) text."""
    refused = write_refusal(exc)
    if refused is not None:
        return refused
    errno, first = _errno_and_text(exc)
    orig = exc.orig
    name = type(orig).__name__ if orig is not None else type(exc).__name__
    detail = f"{name} {errno}" if errno is not None else name
    if exc.connection_invalidated or errno in _UNREACHABLE:
        return JhcisUnavailable(detail)
    if errno in _BUSY:
        return NumberingBusy(detail)
    if errno is None:  # SQLite: messages carry no data
        if "locked" in first or "busy" in first:
            return NumberingBusy(detail)
        if "unable to open" in first:
            return JhcisUnavailable(detail)
    return JhcisError(detail)


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except JhcisError:
        raise
    except IntegrityError as exc:
        if is_duplicate_key(exc):
            raise  # a race for a number: the caller retries
        raise classify_db_error(exc) from None
    except DBAPIError as exc:
        raise classify_db_error(exc) from None


class ClinicDatabase:
    """The clinic's JHCIS database, as the kiosk and the backoffice use it."""

    def __init__(
        self,
        engine: Engine,
        *,
        hcode: str = "",
        lock_timeout_s: float = 10.0,
        provider: str | None = None,
        ensure_tables: bool = True,
    ) -> None:
        self.engine = engine
        self.lock_timeout_s = lock_timeout_s
        # The JHCIS account written as visit.username when a check-in names none. A
        # real account of the unit (visit (pcucode, username) -> user), never made up;
        # None leaves it empty for staff to fill in JHCIS.
        self.provider = provider or None
        self.collisions = 0  # duplicate-key retries (a race with a writer outside our lock)
        self._configured_hcode = hcode
        self._unit_code: str | None = None
        self._ensure_tables = ensure_tables
        self._profile: SchemaProfile | None = None
        self._legacy: LegacyText | None = None

    @property
    def profile(self) -> SchemaProfile:
        """What this database has, read at first use (so a kiosk starts while it is down).

        The first successful read also creates our kiosk_ tables if they are missing.
        """
        if self._profile is None:
            with _translated_errors():
                if self._ensure_tables:
                    ensure_own_tables(self.engine)
                with self.engine.connect() as conn:
                    profile = detect_profile(conn)
                    self._legacy = detect_legacy_text(conn, profile)
                    conn.rollback()
            if self._legacy is not None:
                log.warning(
                    "latin1 text columns hold %s bytes: Thai is transcoded by this layer",
                    self._legacy.encoding,
                )
            for table, column in _THAI_TEXT_COLUMNS:
                charset = profile.charset(table, column)
                if charset and charset not in THAI_SAFE_CHARSETS and self._legacy is None:
                    log.warning(
                        "column %s.%s uses charset %s: Thai text cannot be stored; "
                        "run `backoffice doctor`",
                        table,
                        column,
                        charset,
                    )
            self._profile = profile
        return self._profile

    @property
    def legacy_text(self) -> LegacyText | None:
        """The transcoding of latin1 columns holding Thai bytes, if this database has any."""
        _ = self.profile
        return self._legacy

    def _decoded(self, table: str, column: str, value: Any) -> Any:
        legacy = self.legacy_text
        return legacy.decode(value) if legacy and legacy.applies(table, column) else value

    def _encoded(self, table: str, values: dict[str, object]) -> dict[str, object]:
        legacy = self.legacy_text
        if legacy is None:
            return values
        return {k: legacy.encode(v) if legacy.applies(table, k) else v for k, v in values.items()}

    def check(self) -> SchemaProfile:
        """Connect now (start-up, health checks); raises JhcisUnavailable when down."""
        self._profile = None
        return self.profile

    @classmethod
    def from_settings(cls, settings: Settings, *, url: str | None = None) -> ClinicDatabase:
        """The clinic database the configuration names (or the embedded demo database).

        The demo database is never made up on the fly: without ``database.url`` the
        file must exist (``backoffice jhcis create-demo``), else JhcisUnavailable.
        """
        if url is None and settings.is_demo_db and not settings.demo_db_path.exists():
            raise JhcisUnavailable(
                "no database.url and no demo database; run: backoffice jhcis create-demo",
            )
        return cls.from_url(
            url or configured_url(settings),
            hcode=settings.clinic.hcode,
            lock_timeout_s=settings.database.lock_timeout_s,
            connect_timeout_s=settings.database.connect_timeout_s,
            provider=settings.kiosk.provider or None,
        )

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        *,
        hcode: str = "",
        lock_timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float | None = None,
        **kwargs: Any,
    ) -> ClinicDatabase:
        """`read_timeout_s` defaults to well beyond the numbering lock's wait."""
        engine = open_engine(
            url,
            connect_timeout_s=connect_timeout_s,
            lock_timeout_s=lock_timeout_s,
            read_timeout_s=read_timeout_s or max(60.0, lock_timeout_s + 30.0),
        )
        return cls(engine, hcode=hcode, lock_timeout_s=lock_timeout_s, **kwargs)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- unit ---------------------------------------------------------------------

    def unit_code(self) -> str:
        """The unit's 5-digit code: configured, else the one real row of ``office``."""
        if self._unit_code is None:
            if self._configured_hcode:
                self._unit_code = self._configured_hcode
            else:
                with _translated_errors(), self.engine.connect() as conn:
                    self._unit_code = unit_code_from_office(conn)
        return self._unit_code

    def check_provider(self, username: str | None = None) -> str | None:
        """The provider visits will carry (`username`, else the default), checked to be
        an account of this unit, as JHCIS's key visit (pcucode, username) -> user demands.

        Raises :class:`ProviderNotFound`; None when there is no provider to check.
        """
        name = username or self.provider
        if name is None:
            return None
        with _translated_errors(), self.engine.connect() as conn:
            if not is_unit_account(conn, name, self.unit_code()):
                raise ProviderNotFound(f"unit {self.unit_code()}")
        return name

    # -- persons ------------------------------------------------------------------

    def find_person_by_cid(self, cid: str) -> Person | None:
        """The person with this citizen ID (this unit's record first), or None."""
        with _translated_errors(), self.engine.connect() as conn:
            return self._find_person(conn, cid)

    def get_person(self, pcucodeperson: str, pid: int) -> Person | None:
        """The person with this key (``(pcucodeperson, pid)``), or None."""
        with _translated_errors(), self.engine.connect() as conn:
            return self._get_person(conn, pcucodeperson, pid)

    def staff_notes(self, pcucodeperson: str, pid: int) -> tuple[bool, dict[str, object] | None]:
        """For the staff pages beside a person: whether JHCIS keeps their photo (without
        reading it), and what their card said that JHCIS could not hold."""
        with _translated_errors(), self.engine.connect() as conn:
            key = (pcucodeperson, pid)
            return has_photo(conn, self.profile, key), card_note(conn, key)

    def person_photo(self, pcucodeperson: str, pid: int) -> bytes | None:
        """The photo JHCIS keeps for this person (personimages), for staff eyes only."""
        with _translated_errors(), self.engine.connect() as conn:
            return read_photo(conn, self.profile, (pcucodeperson, pid))

    def _person_select(self) -> Select[Any]:
        """Person rows with their title, and their death where this JHCIS records deaths."""
        source = person.outerjoin(ctitle, ctitle.c.titlecode == person.c.prename)
        columns: list[Any] = [*self.profile.present(person, _PERSON_COLUMNS), ctitle.c.titlename]
        if self.profile.has_table("persondeath"):
            source = source.outerjoin(
                persondeath,
                and_(
                    persondeath.c.pcucodeperson == person.c.pcucodeperson,
                    persondeath.c.pid == person.c.pid,
                ),
            )
            columns.append(persondeath.c.pid.label("dead_pid"))
        return select(*columns).select_from(source)

    def _get_person(self, conn: Connection, pcucodeperson: str, pid: int) -> Person | None:
        query = self._person_select().where(
            person.c.pcucodeperson == pcucodeperson, person.c.pid == pid
        )
        row = conn.execute(query).mappings().first()
        return self._person_from_row(row) if row is not None else None

    def _find_person(self, conn: Connection, cid: str) -> Person | None:
        unit = self.unit_code()
        query = self._person_select().where(person.c.idcard == cid)
        rows = list(conn.execute(query).mappings())
        if not rows:
            return None
        rows.sort(
            key=lambda r: (
                r["pcucodeperson"] != unit,
                (r.get("dischargetype") or NOT_DISCHARGED) != NOT_DISCHARGED,
                r["pid"],
            )
        )
        return self._person_from_row(rows[0])

    def _person_from_row(self, row: Mapping[Any, Any], *, new: bool = False) -> Person:
        first = self._decoded("person", "fname", row.get("fname") or "")
        last = self._decoded("person", "lname", row.get("lname") or "")
        register_sensitive([first, last])
        return Person(
            pcucodeperson=row["pcucodeperson"],
            pid=int(row["pid"]),
            cid=row.get("idcard") or "",
            prename_code=row.get("prename"),
            title=self._decoded("ctitle", "titlename", row.get("titlename")),
            first_name=first,
            last_name=last,
            birth=row.get("birth"),
            sex=row.get("sex"),
            mobile=row.get("mobile") or row.get("telephoneperson") or None,
            hcode=row.get("hcode"),
            typelive=row.get("typelive"),
            dischargetype=row.get("dischargetype"),
            rightcode=row.get("rightcode"),
            rightno=row.get("rightno"),
            hosmain=row.get("hosmain"),
            hossub=row.get("hossub"),
            newly_registered=new,
            deceased=row.get("dead_pid") is not None,
        )

    def register_walkin(self, identity: WalkinIdentity, *, at: dt.datetime | None = None) -> Person:
        """Register an out-of-area walk-in (moo 00 house, typelive 4), or find them.

        Returns the new person with ``newly_registered=True``; if the citizen ID is
        already registered (another kiosk won the race) returns that person instead.
        """
        if not is_valid_cid(identity.cid):
            raise ValueError("invalid citizen ID checksum")
        moment = local_naive(at or dt.datetime.now())
        return self._retrying_collisions(
            lambda conn: self._find_or_register(conn, identity, moment)
        )

    def _find_or_register(
        self,
        conn: Connection,
        identity: WalkinIdentity,
        moment: dt.datetime,
        photo: bytes | None = None,
        right: JhcisRight | None = None,
    ) -> Person:
        """Under the numbering lock: the person with this citizen ID, else a new walk-in
        with what JHCIS's own card registration writes (card_record.py)."""
        register_sensitive([identity.first_name, identity.last_name])
        existing = self._find_person(conn, identity.cid)
        if existing is not None:
            return existing
        unit = self.unit_code()
        hcode = self._out_of_area_house(conn, unit)
        pid = next_number(conn, person.c.pid, person.c.pcucodeperson == unit)
        area = resolve_area(conn, self.profile, identity, encode=self._encoded)
        values = self._walkin_values(
            conn, identity=identity, unit=unit, pid=pid, hcode=hcode, moment=moment, area=area
        )
        # A new walk-in: NHSO's right and units where JHCIS's code tables have them.
        values.update((right or JhcisRight()).values())
        fitted = self._fit_person_text(values)
        stored = self._encoded("person", values)
        conn.execute(person.insert().values(**stored))
        write_contact_address(conn, self.profile, (unit, pid), identity, area, encode=self._encoded)
        if photo:  # a row left by a person JHCIS deleted, whose pid came back, is not theirs
            save_photo(conn, self.profile, (unit, pid), photo, moment, replace=True)
        year_lost = identity.birth is None and identity.birth_year and values.get("birth") is None
        if fitted or area.unresolved or year_lost:
            note_card(
                conn,
                (unit, pid),
                identity,
                fitted=fitted,
                unresolved=area.unresolved,
                birth_year=identity.birth_year if year_lost else None,
                moment=moment,
            )
            log.warning(
                "walk-in pid=%s: fitted %s; area not found: %s",
                pid, ",".join(fitted) or "-", ",".join(area.unresolved) or "-",
            )  # fmt: skip
        log.info("registered walk-in person pid=%s in unit %s", pid, unit)
        row = {**stored, "idcard": identity.cid, "titlename": identity.title}
        return self._person_from_row(row, new=True)

    def _complete_known(
        self,
        conn: Connection,
        who: Person,
        identity: WalkinIdentity,
        moment: dt.datetime,
        request: CheckinRequest,
    ) -> None:
        """A person JHCIS already has: only what their record lacks, from the card."""
        fill_empty_person_fields(
            conn, self.profile, who, identity, encode=self._encoded, fit=self._fit_person_text
        )
        if who.typelive == WALKIN_TYPELIVE:  # their real address is the contact one
            area = resolve_area(conn, self.profile, identity, encode=self._encoded)
            write_contact_address(conn, self.profile, who.key, identity, area, encode=self._encoded)
        if request.photo:
            save_photo(
                conn, self.profile, who.key, request.photo, moment, replace=request.replace_photo
            )

    def _birth_value(self, identity: WalkinIdentity) -> dt.date | PartialDate | None:
        """The exact date; a year alone as JHCIS's zero-in-date where the server takes one
        (else nothing: the year is kept in kiosk_person_card)."""
        if identity.birth is not None:
            return identity.birth
        if identity.birth_year and self.profile.zero_in_date_ok:
            return PartialDate(identity.birth_year)
        return None

    def _fit_person_text(self, values: dict[str, object]) -> list[str]:
        """Fit `values`' text to person's real column widths, in place (fitting.py);
        the names of the columns that were cut."""
        legacy = self.legacy_text
        fitted = []
        for column, value in values.items():
            width = self.profile.width("person", column)
            if not isinstance(value, str) or width is None:
                continue
            units = len
            if legacy is not None and legacy.applies("person", column):
                units = lambda text: len(str(legacy.encode(text)))  # noqa: E731 - bytes
            values[column], cut = fit_text(value, width, units=units)
            if cut:
                fitted.append(column)
        return fitted

    def _walkin_values(
        self,
        conn: Connection,
        *,
        identity: WalkinIdentity,
        unit: str,
        pid: int,
        hcode: int,
        moment: dt.datetime,
        area: AreaCodes,
    ) -> dict[str, object]:
        title = identity.title.strip()
        prename = conn.execute(
            select(ctitle.c.titlecode)
            .where(
                or_(
                    ctitle.c.titlename
                    == self._encoded("ctitle", {"titlename": title})["titlename"],
                    ctitle.c.titlenamelong
                    == self._encoded("ctitle", {"titlenamelong": title})["titlenamelong"],
                )
            )
            .order_by(ctitle.c.titlecode)
            .limit(1)
        ).scalar()
        values: dict[str, object] = {
            "pcucodeperson": unit,
            "pid": pid,
            "hcode": hcode,
            "prename": prename,
            "fname": identity.first_name.strip(),
            "lname": identity.last_name.strip(),
            "birth": self._birth_value(identity),
            "sex": identity.sex,
            "idcard": identity.cid,
            "typelive": WALKIN_TYPELIVE,
            "dischargetype": NOT_DISCHARGED,
            "nation": "99",  # as KIOSK_JHCIS writes on real JHCIS (reference §1.1)
            **address_values(identity, area),
            **english_name(identity),
            "datein": moment.date(),
            "dateupdate": moment,
        }
        return self.profile.only_present(person, values)

    def _out_of_area_house(self, conn: Connection, unit: str) -> int:
        query = (
            select(house.c.hcode)
            .select_from(
                house.join(
                    village,
                    and_(
                        village.c.pcucode == house.c.pcucode, village.c.villcode == house.c.villcode
                    ),
                )
            )
            .where(house.c.pcucode == unit, village.c.villcode.like("%" + OUT_OF_AREA_MOO))
            .order_by(house.c.hcode)
            .limit(1)
        )
        hcode = conn.execute(query).scalar()
        if hcode is None:
            raise OutOfAreaHouseMissing(f"unit {unit}")
        return int(hcode)

    def update_mobile(self, who: Person, mobile: str) -> None:
        """Store the mobile number the patient confirmed (``mobile``, else ``telephoneperson``)."""
        digits = _mobile_digits(mobile)
        with _translated_errors(), self.engine.begin() as conn:
            self._store_mobile(conn, who, digits)

    def _store_mobile(self, conn: Connection, who: Person, digits: str) -> None:
        column = "mobile" if self.profile.has_column("person", "mobile") else "telephoneperson"
        result = conn.execute(
            update(person)
            .where(person.c.pcucodeperson == who.pcucodeperson, person.c.pid == who.pid)
            .values({column: digits, "dateupdate": dt.datetime.now()})
        )
        if result.rowcount != 1:
            raise JhcisError("person row not found for mobile update")

    # -- visits -------------------------------------------------------------------

    def open_visit(
        self,
        who: Person,
        *,
        at: dt.datetime,
        idempotency_key: str,
        claim_type: str | None = None,
        claim_code: str | None = None,
        correlation_id: str | None = None,
        main_inscl: str | None = None,
        sub_inscl: str | None = None,
    ) -> Visit:
        """Open today's visit of a known person with the NHSO fields and a queue number.

        Idempotent on `idempotency_key`: a replay (after a crash, from the journal)
        returns the visit the first call opened, never a second one.
        """
        request = CheckinRequest(
            key=idempotency_key,
            at=at,
            person=who.key,
            claim_type=claim_type,
            claim_code=claim_code,
            correlation_id=correlation_id,
            main_inscl=main_inscl,
            sub_inscl=sub_inscl,
        )
        return self.open_checkin_visit(request, known=who).visit

    def open_checkin_visit(
        self, request: CheckinRequest, *, known: Person | None = None
    ) -> CheckinResult:
        """One check-in in one transaction under the numbering lock, all of it or none.

        Finds the person (or registers the walk-in), reuses today's visit where the
        request asks for it (filling in its missing claim code), else opens the visit
        with the claim fields and a queue number, records a pending authen and stores
        the confirmed mobile. A replay of the same key returns what the first call did;
        a crash or kill at any point leaves either the whole check-in or nothing.
        """
        if not request.key or len(request.key) > 64:
            raise ValueError("idempotency_key must be 1-64 characters")
        if request.person is None and request.identity is None:
            raise ValueError("a check-in needs the person's key or the card's identity")
        if request.identity is not None and not is_valid_cid(request.identity.cid):
            raise ValueError("invalid citizen ID checksum")
        digits = _mobile_digits(request.mobile) if request.store_mobile and request.mobile else None
        at = local_naive(request.at)  # the visit's day is Bangkok's day, whatever the zone

        def check_in(conn: Connection) -> CheckinResult:
            replay = self._visit_by_key(conn, request.key)
            if replay is not None:  # this check-in happened already: what it did, nothing more
                who = self._checkin_person(conn, request, at, known, replay, right=JhcisRight())
                self._check_same_person(replay, who)
                asked = request.person or who.key
                if asked != who.key or (request.identity and request.identity.cid != who.cid):
                    raise IdempotencyKeyReused(f"visit {replay.visitno}")
                return CheckinResult(who, replay)
            right = nhso_right(conn, request)
            who = self._checkin_person(conn, request, at, known, None, right=right)
            if request.refuse_inactive and who.inactive_reason:
                raise PersonNeedsStaff(who.inactive_reason)
            if request.identity is not None and not who.newly_registered:
                self._complete_known(conn, who, request.identity, at, request)
            if (
                request.update_person_right
                and not who.newly_registered
                and update_person_right(conn, who, right, at, request.channel)
            ):
                who = self._get_person(conn, *who.key) or who  # the visit copies it
            if request.reuse_same_day:
                today = self._same_day_visit(conn, who, request, at)
                if today is not None:
                    return CheckinResult(who, today, reused=True)
            opened = self._open_visit_locked(
                conn, who, at, request.key, _claim_fields(request, at),
                provider=request.provider or self.provider,
            )  # fmt: skip
            if request.pending_authen and request.claim_type:
                self._record_pending(conn, opened, request.claim_type, request.mobile, at)
            if request.guardian is not None:
                record_guardian(conn, opened, request.guardian, at, request.provider)
            if digits is not None:
                self._store_mobile(conn, who, digits)
            return CheckinResult(who, opened)

        return self._retrying_collisions(check_in)

    def _checkin_person(
        self,
        conn: Connection,
        request: CheckinRequest,
        at: dt.datetime,
        known: Person | None,
        replay: Visit | None,
        *,
        right: JhcisRight,
    ) -> Person:
        if known is not None:
            return known
        key = (replay.pcucodeperson, replay.pid) if replay is not None else request.person
        if key is not None:
            found = self._get_person(conn, *key)
            # The key came from an earlier look-up (a journal entry, a page): if JHCIS's
            # record under it is now someone else's (deleted, its pid given again), the
            # card decides, never the key.
            card = request.identity
            if found is not None and (card is None or found.cid == card.cid):
                return found
        if request.identity is None:  # a known key that no longer exists, and no card
            raise JhcisError("person row not found for check-in")
        return self._find_or_register(conn, request.identity, at, request.photo, right)

    def _same_day_visit(
        self, conn: Connection, who: Person, request: CheckinRequest, at: dt.datetime
    ) -> Visit | None:
        """Today's visit of this person for the request's claim type, if one is open."""
        for found in self._visits_on(conn, who, at.date()):
            if found.claim_type != request.claim_type:
                continue
            if request.claim_code and request.claim_type and not found.claim_code:
                claim = _claim_fields(request, at)
                fields = {key: claim[key] for key in _CODE_FIELDS}
                self._write_claim(conn, found, fields, require_visit_columns=True)
                return self._visit_at(conn, found.pcucode, found.visitno)
            return found
        return None

    def _retrying_collisions(self, work: Callable[[Connection], _T]) -> _T:
        """Run `work` under the numbering lock; a duplicate key from a writer outside our
        lock (JHCIS itself) rolls it all back and tries again with fresh numbers."""
        for _attempt in range(MAX_COLLISION_RETRIES):
            with _translated_errors():
                try:
                    with self._locked() as conn:
                        return work(conn)
                except IntegrityError as exc:
                    if not is_duplicate_key(exc):  # a foreign key or NOT NULL: say which
                        raise classify_db_error(exc) from None
                    self.collisions += 1
                    log.warning("number collision with a writer outside the lock; retrying")
        raise NumberingBusy("number collisions did not stop")

    def _check_same_person(self, found: Visit, who: Person) -> Visit:
        if (found.pcucodeperson, found.pid) != who.key:
            raise IdempotencyKeyReused(f"visit {found.visitno}")
        return found

    def _open_visit_locked(
        self,
        conn: Connection,
        who: Person,
        at: dt.datetime,
        key: str,
        claim: Mapping[str, object],
        *,
        provider: str | None,
    ) -> Visit:
        """Under the lock, for a key with no visit (open_checkin_visit looked it up)."""
        if conn.execute(
            select(kiosk_visit.c.visitno).where(kiosk_visit.c.idempotency_key == key)
        ).first():
            # Opened once, then deleted by staff in JHCIS: never open it a second time.
            raise VisitNotFound("the visit of this request was deleted in JHCIS")
        unit = self.unit_code()
        day = at.date()
        visitno = next_visitno(conn)  # global in JHCIS, not per unit
        values: dict[str, object] = {
            "pcucode": unit,
            "visitno": visitno,
            "visitdate": day,
            "pcucodeperson": who.pcucodeperson,
            "pid": who.pid,
            "timestart": at.time().replace(microsecond=0),
            "timeservice": "1" if in_office_hours(at) else "2",
            "servicetype": "1",
            "flagservice": FLAG_WAITING,
            "typein": "1",
            # Copied from the person; an empty code is no code: '' breaks the live
            # foreign keys to chospital and cright (`visit_hm`), NULL does not.
            "rightcode": (who.rightcode or "").strip() or None,
            "rightno": who.rightno,
            "hosmain": (who.hosmain or "").strip() or None,
            "hossub": (who.hossub or "").strip() or None,
            "username": provider,
            "dateupdate": at,
        }
        for visit_column, own_column in _CLAIM_COLUMNS.items():
            values[visit_column] = claim[own_column]
        conn.execute(visit.insert().values(**self.profile.only_present(visit, values)))
        queue_no = self._next_queue_no(conn, unit, day)
        conn.execute(
            kiosk_visit.insert().values(
                idempotency_key=key,
                pcucode=unit,
                visitno=visitno,
                visitdate=day,
                queue_no=queue_no,
                pcucodeperson=who.pcucodeperson,
                pid=who.pid,
                created_at=at,
                **claim,
            )
        )
        log.info("opened visit %s (queue %s) in unit %s", visitno, queue_no, unit)
        return Visit(
            pcucode=unit,
            visitno=visitno,
            visitdate=day,
            pcucodeperson=who.pcucodeperson,
            pid=who.pid,
            queue_no=queue_no,
            timestart=at.time().replace(microsecond=0),
            flagservice=FLAG_WAITING,
            idempotency_key=key,
            claim_type=cast(str | None, claim["claim_type"]),
            claim_code=cast(str | None, claim["claim_code"]),
        )

    def _next_queue_no(self, conn: Connection, unit: str, day: dt.date) -> int:
        # JHCIS's slip prints the day's visit count as "ลำดับที่ของวัน"; the count
        # already includes the visit just inserted. Our last number + 1 keeps the
        # sequence strictly increasing when staff delete a visit during the day.
        count = conn.execute(
            select(func.count())
            .select_from(visit)
            .where(visit.c.pcucode == unit, visit.c.visitdate == day)
        ).scalar_one()
        last = next_number(
            conn,
            kiosk_visit.c.queue_no,
            kiosk_visit.c.pcucode == unit,
            kiosk_visit.c.visitdate == day,
        )
        return max(int(count), last)

    def _visit_select(self) -> Any:
        return select(
            *self.profile.present(visit, _VISIT_COLUMNS),
            *self.profile.present(visit, ("hiciauthen_nhso", "claimcode_nhso")),
            kiosk_visit.c.queue_no,
            kiosk_visit.c.idempotency_key,
            kiosk_visit.c.claim_type.label("own_claim_type"),
            kiosk_visit.c.claim_code.label("own_claim_code"),
        ).select_from(
            visit.outerjoin(
                kiosk_visit,
                and_(
                    kiosk_visit.c.pcucode == visit.c.pcucode,
                    kiosk_visit.c.visitno == visit.c.visitno,
                    kiosk_visit.c.pcucodeperson == visit.c.pcucodeperson,
                    kiosk_visit.c.pid == visit.c.pid,
                    kiosk_visit.c.visitdate == visit.c.visitdate,
                ),
            )
        )

    @staticmethod
    def _visit_from_row(row: Row[Any]) -> Visit:
        m = row._mapping
        return Visit(
            pcucode=m["pcucode"],
            visitno=int(m["visitno"]),
            visitdate=m["visitdate"],
            pcucodeperson=m["pcucodeperson"],
            pid=int(m["pid"]),
            queue_no=m["queue_no"],
            timestart=m.get("timestart"),
            flagservice=m.get("flagservice"),
            idempotency_key=m["idempotency_key"],
            # JHCIS's own columns win where they exist (staff may edit them in JHCIS).
            claim_type=m["hiciauthen_nhso"] if "hiciauthen_nhso" in m else m["own_claim_type"],
            claim_code=m["claimcode_nhso"] if "claimcode_nhso" in m else m["own_claim_code"],
        )

    def _visit_by_key(self, conn: Connection, key: str) -> Visit | None:
        row = conn.execute(self._visit_select().where(kiosk_visit.c.idempotency_key == key)).first()
        return self._visit_from_row(row) if row is not None else None

    def find_visit_by_key(self, idempotency_key: str) -> Visit | None:
        """The visit a previous open_visit with this key opened, or None."""
        with _translated_errors(), self.engine.connect() as conn:
            return self._visit_by_key(conn, idempotency_key)

    def get_visit(self, pcucode: str, visitno: int) -> Visit:
        with _translated_errors(), self.engine.connect() as conn:
            return self._visit_at(conn, pcucode, visitno)

    def _visit_at(self, conn: Connection, pcucode: str, visitno: int) -> Visit:
        row = conn.execute(
            self._visit_select().where(visit.c.pcucode == pcucode, visit.c.visitno == visitno)
        ).first()
        if row is None:
            raise VisitNotFound(f"visit {pcucode}/{visitno}")
        return self._visit_from_row(row)

    def visits_on(self, who: Person, day: dt.date) -> list[Visit]:
        """The person's visits on `day` (flagservice '99' excluded), oldest first."""
        with _translated_errors(), self.engine.connect() as conn:
            return self._visits_on(conn, who, day)

    def _visits_on(self, conn: Connection, who: Person, day: dt.date) -> list[Visit]:
        query = (
            self._visit_select()
            .where(
                visit.c.pcucodeperson == who.pcucodeperson,
                visit.c.pid == who.pid,
                visit.c.visitdate == day,
            )
            .order_by(visit.c.visitno)
        )
        if self.profile.has_column("visit", "flagservice"):
            query = query.where(
                or_(visit.c.flagservice.is_(None), visit.c.flagservice != FLAG_EXCLUDED)
            )
        return [self._visit_from_row(row) for row in conn.execute(query)]

    def visit_guardian(self, target: Visit) -> Guardian | None:
        """Who brought the patient, when staff recorded it with the check-in."""
        with _translated_errors(), self.engine.connect() as conn:
            return guardian_of(conn, target)

    def find_today_visit(self, who: Person, day: dt.date) -> Visit | None:
        """The person's latest visit on `day` (excluding flagservice '99'), or None."""
        visits = self.visits_on(who, day)
        return visits[-1] if visits else None

    # -- claim codes --------------------------------------------------------------

    def visit_claim(self, target: Visit) -> VisitClaim:
        """The visit's NHSO claim fields: JHCIS's columns where present, else our copy."""
        with _translated_errors(), self.engine.connect() as conn:
            return self._read_claim(conn, target)

    def _read_claim(self, conn: Connection, target: Visit, *, lock: bool = False) -> VisitClaim:
        present = self.profile.present(visit, _CLAIM_COLUMNS)
        values: dict[str, Any] = dict.fromkeys(_CLAIM_COLUMNS.values())
        own_query = select(*(kiosk_visit.c[c] for c in _CLAIM_COLUMNS.values())).where(
            *own_row_of(target)
        )
        own = conn.execute(own_query).mappings().first()
        if own is not None:
            values.update(own)
        visit_query = select(visit.c.visitno, *present).where(
            visit.c.pcucode == target.pcucode, visit.c.visitno == target.visitno
        )
        if lock:
            visit_query = visit_query.with_for_update()
        row = conn.execute(visit_query).mappings().first()
        if row is None:
            raise VisitNotFound(f"visit {target.pcucode}/{target.visitno}")
        for column in present:
            values[_CLAIM_COLUMNS[column.name]] = row[column.name]
        return VisitClaim(**values)

    def set_claim_code(
        self,
        target: Visit,
        claim_code: str,
        claim_type: str,
        at: dt.datetime,
        correlation_id: str | None = None,
        *,
        force: bool = False,
    ) -> VisitClaim:
        """Record the NHSO claim code of a visit.

        Setting the same code again is a no-op; a *different* existing code raises
        :class:`ClaimCodeConflict` unless ``force=True``.
        """
        if not claim_code:
            raise ValueError("claim_code must not be empty")
        fields: dict[str, object] = {
            "claim_type": claim_type,
            "claim_code": claim_code,
            "datetime_claim": at,
            "correlation_id": correlation_id,
        }
        with _translated_errors(), self._write() as conn:
            current = self._read_claim(conn, target, lock=True)
            if current.claim_code == claim_code:
                return current
            if current.claim_code and not force:
                raise ClaimCodeConflict(f"visit {target.visitno}")
            self._write_claim(conn, target, fields, require_visit_columns=True)
            return self._read_claim(conn, target)

    def clear_claim_code(self, target: Visit) -> None:
        """Remove the claim code (and its type, time and correlation id) from a visit."""
        fields = dict.fromkeys(_CODE_FIELDS)
        with _translated_errors(), self._write() as conn:
            self._read_claim(conn, target, lock=True)  # raises VisitNotFound
            self._write_claim(conn, target, fields, require_visit_columns=False)

    def _write_claim(
        self,
        conn: Connection,
        target: Visit,
        fields: Mapping[str, object],
        *,
        require_visit_columns: bool,
    ) -> None:
        visit_values = self.profile.only_present(
            visit, {col: fields[own] for col, own in _CLAIM_COLUMNS.items() if own in fields}
        )
        own_updated = conn.execute(
            update(kiosk_visit).where(*own_row_of(target)).values(**fields)
        ).rowcount
        if "claimcode_nhso" not in visit_values and not own_updated and require_visit_columns:
            raise ClaimColumnsMissing(f"visit {target.visitno}")
        if visit_values:
            visit_values["dateupdate"] = dt.datetime.now()
            conn.execute(
                update(visit)
                .where(visit.c.pcucode == target.pcucode, visit.c.visitno == target.visitno)
                .values(**visit_values)
            )

    def set_close_right(
        self,
        target: Visit,
        *,
        seq: str | None,
        authen_code: str | None,
        amount: Decimal | None,
    ) -> list[str]:
        """Record NHSO's close-right (ปิดสิทธิ) answer on the visit; Nones clear it.

        Writes ``nhso_seq_closed``, ``nhso_authencode_closed`` and ``money_closed_all``
        where the database has them; returns the columns written (empty on an older
        JHCIS, which has nowhere to keep it).
        """
        values = self.profile.only_present(
            visit,
            {
                "nhso_seq_closed": seq,
                "nhso_authencode_closed": authen_code,
                "money_closed_all": amount,
            },
        )
        if not values:
            return []
        with _translated_errors(), self.engine.begin() as conn:
            result = conn.execute(
                update(visit)
                .where(visit.c.pcucode == target.pcucode, visit.c.visitno == target.visitno)
                .values(**values, dateupdate=dt.datetime.now())
            )
            if result.rowcount != 1:
                raise VisitNotFound(f"visit {target.pcucode}/{target.visitno}")
        return sorted(values)

    # -- pending NHSO authentications -----------------------------------------------

    def record_pending_authen(
        self, target: Visit, claim_type: str, mobile: str | None, *, at: dt.datetime | None = None
    ) -> PendingAuthen:
        """Remember a check-in whose NHSO authentication must be completed later."""
        with _translated_errors(), self.engine.begin() as conn:
            pending_id = self._record_pending(conn, target, claim_type, mobile, at)
            return self._pending(conn, pending_id)

    def _record_pending(
        self,
        conn: Connection,
        target: Visit,
        claim_type: str,
        mobile: str | None,
        at: dt.datetime | None,
    ) -> int:
        existing = conn.execute(
            select(kiosk_pending_authen.c.id).where(
                kiosk_pending_authen.c.pcucode == target.pcucode,
                kiosk_pending_authen.c.visitno == target.visitno,
                kiosk_pending_authen.c.pcucodeperson == target.pcucodeperson,
                kiosk_pending_authen.c.pid == target.pid,
                kiosk_pending_authen.c.resolved_at.is_(None),
            )
        ).scalar()
        if existing is not None:
            return int(existing)
        inserted = conn.execute(
            kiosk_pending_authen.insert().values(
                pcucode=target.pcucode,
                visitno=target.visitno,
                visitdate=target.visitdate,
                pcucodeperson=target.pcucodeperson,
                pid=target.pid,
                claim_type=claim_type,
                mobile=mobile,
                created_at=at or dt.datetime.now(),
                attempts=0,
            )
        ).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    def _pending_select(self) -> Any:
        p = kiosk_pending_authen
        return select(p, person.c.idcard).select_from(
            p.outerjoin(
                person,
                and_(person.c.pcucodeperson == p.c.pcucodeperson, person.c.pid == p.c.pid),
            )
        )

    @staticmethod
    def _pending_from_row(row: Mapping[Any, Any]) -> PendingAuthen:
        return PendingAuthen(
            id=int(row["id"]),
            pcucode=row["pcucode"],
            visitno=int(row["visitno"]),
            visitdate=row["visitdate"],
            pcucodeperson=row["pcucodeperson"],
            pid=int(row["pid"]),
            cid=row["idcard"],
            claim_type=row["claim_type"],
            mobile=row["mobile"],
            created_at=row["created_at"],
            attempts=int(row["attempts"] or 0),
            last_attempt_at=row["last_attempt_at"],
            resolved_at=row["resolved_at"],
            outcome=row["outcome"],
            claim_code=row["claim_code"],
        )

    def _pending(self, conn: Connection, pending_id: int) -> PendingAuthen:
        row = (
            conn.execute(self._pending_select().where(kiosk_pending_authen.c.id == pending_id))
            .mappings()
            .first()
        )
        if row is None:
            raise PendingAuthenNotFound(f"pending {pending_id}")
        return self._pending_from_row(row)

    def list_pending_authens(
        self, *, include_resolved: bool = False, limit: int = 500
    ) -> list[PendingAuthen]:
        """Pending authentications, oldest first (unresolved only by default)."""
        query = self._pending_select().order_by(kiosk_pending_authen.c.id).limit(limit)
        if not include_resolved:
            query = query.where(kiosk_pending_authen.c.resolved_at.is_(None))
        with _translated_errors(), self.engine.connect() as conn:
            return [self._pending_from_row(r) for r in conn.execute(query).mappings()]

    def note_authen_attempt(self, pending_id: int, *, at: dt.datetime | None = None) -> None:
        """Count one more catch-up attempt that did not resolve the item."""
        with _translated_errors(), self.engine.begin() as conn:
            result = conn.execute(
                update(kiosk_pending_authen)
                .where(kiosk_pending_authen.c.id == pending_id)
                .values(
                    attempts=kiosk_pending_authen.c.attempts + 1,
                    last_attempt_at=at or dt.datetime.now(),
                )
            )
            if result.rowcount != 1:
                raise PendingAuthenNotFound(f"pending {pending_id}")

    def resolve_pending_authen(
        self,
        pending_id: int,
        *,
        outcome: str,
        claim_code: str | None = None,
        at: dt.datetime | None = None,
        correlation_id: str | None = None,
        force: bool = False,
    ) -> PendingAuthen:
        """Close a pending item; with a claim code, also record it on the visit.

        `outcome` is a short word for the staff list, e.g. ``authenticated``,
        ``found_existing`` or ``abandoned``.
        """
        moment = at or dt.datetime.now()
        with _translated_errors(), self.engine.connect() as conn:
            item = self._pending(conn, pending_id)
        if claim_code:
            target = self.get_visit(item.pcucode, item.visitno)
            if (target.pcucodeperson, target.pid, target.visitdate) != (
                item.pcucodeperson,
                item.pid,
                item.visitdate,
            ):  # deleted in JHCIS and its number reused by MAX+1 for someone else
                raise VisitNotFound(f"visit {item.pcucode}/{item.visitno} is another visit now")
            self.set_claim_code(
                target, claim_code, item.claim_type, moment, correlation_id, force=force
            )
        with _translated_errors(), self.engine.begin() as conn:
            conn.execute(
                update(kiosk_pending_authen)
                .where(kiosk_pending_authen.c.id == pending_id)
                .values(resolved_at=moment, outcome=outcome[:20], claim_code=claim_code)
            )
            return self._pending(conn, pending_id)

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        with numbering_transaction(
            self.engine, database=self.profile.database, timeout_s=self.lock_timeout_s
        ) as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: row locks on MySQL, the write lock up front on SQLite."""
        if is_mysql(self.engine):
            with self.engine.begin() as conn:
                yield conn
        else:
            with self.engine.connect() as base:
                conn = base.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
                with conn.begin():
                    yield conn


def own_row_of(target: Visit) -> list[ColumnElement[bool]]:
    """Conditions selecting the kiosk_visit row of `target` (never a stale one)."""
    return [
        kiosk_visit.c.pcucode == target.pcucode,
        kiosk_visit.c.visitno == target.visitno,
        kiosk_visit.c.pcucodeperson == target.pcucodeperson,
        kiosk_visit.c.pid == target.pid,
        kiosk_visit.c.visitdate == target.visitdate,
    ]


def unit_code_from_office(conn: Connection) -> str:
    """The one real unit code in ``office`` (placeholder rows skipped)."""
    codes = sorted(
        {
            str(code).strip()
            for code in list[Any](conn.execute(select(office.c.offid)).scalars())
            if _is_real_unit_code(code)
        }
    )
    if len(codes) != 1:
        raise UnitCodeMissing(f"{len(codes)} candidate rows in office")
    return codes[0]
