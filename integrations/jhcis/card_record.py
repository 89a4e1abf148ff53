"""What JHCIS itself writes when its card reader registers a person, written the same way.

Seed §7.2: JHCIS's own registration from the card saves the English name, the address
and the photo. A walk-in the kiosk registers gets the same; a person JHCIS already knows
gets only what their record lacks (an empty English name, no contact address, no
photo), so a second visit changes nothing.

* The card's area names become JHCIS's two-digit codes through its own code tables
  (``cprovince``, ``cdistrict``, ``csubdistrict``): exact names only. A name that is
  not found leaves its code (and the ones below it) empty and is reported in
  ``kiosk_person_card`` for staff, never guessed.
* ``personaddresscontact`` holds where an out-of-area person really lives (typelive 4).
* ``personimages`` gets the card's JPEG bytes as they are, only with the clinic's
  consent setting on, never logged or kept anywhere else.

Each table is optional: a JHCIS without it is written without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, insert, select, update

from integrations.jhcis.fitting import fit_text
from integrations.jhcis.own_tables import kiosk_person_card
from integrations.jhcis.profile import SchemaProfile
from integrations.jhcis.records import Person, WalkinIdentity
from integrations.jhcis.tables import (
    cdistrict,
    cprovince,
    csubdistrict,
    person,
    personaddresscontact,
    personimages,
)

Encode = Callable[[str, dict[str, object]], dict[str, object]]


@dataclass(frozen=True)
class AreaCodes:
    province: str | None = None
    district: str | None = None
    subdistrict: str | None = None
    #: Card area names that JHCIS's code tables do not hold ("district", ...).
    unresolved: tuple[str, ...] = field(default=())


def resolve_area(
    conn: Connection, profile: SchemaProfile, who: WalkinIdentity, *, encode: Encode
) -> AreaCodes:
    """The card's province, district and subdistrict as JHCIS codes, as far as they go.

    The names are compared as the tables store them (`encode`: legacy latin1 bytes)."""
    given = [(level, name) for level, name in (
        ("province", who.province), ("district", who.district), ("subdistrict", who.subdistrict)
    ) if name]  # fmt: skip
    if not given:
        return AreaCodes()
    if not all(profile.has_table(t.name) for t in (cprovince, cdistrict, csubdistrict)):
        return AreaCodes(unresolved=tuple(level for level, _ in given))
    province_name = encode("cprovince", {"provname": who.province})["provname"]
    district_name = encode("cdistrict", {"distname": who.district})["distname"]
    subdistrict_name = encode("csubdistrict", {"subdistname": who.subdistrict})["subdistname"]
    province = _one(conn, select(cprovince.c.provcode).where(cprovince.c.provname == province_name))
    district = (
        _one(
            conn,
            select(cdistrict.c.distcode).where(
                cdistrict.c.provcode == province, cdistrict.c.distname == district_name
            ),
        )
        if province
        else None
    )
    subdistrict = (
        _one(
            conn,
            select(csubdistrict.c.subdistcode).where(
                and_(
                    csubdistrict.c.provcode == province,
                    csubdistrict.c.distcode == district,
                    csubdistrict.c.subdistname == subdistrict_name,
                )
            ),
        )
        if district
        else None
    )
    found = {"province": province, "district": district, "subdistrict": subdistrict}
    return AreaCodes(
        province, district, subdistrict, tuple(level for level, _ in given if not found[level])
    )


def _one(conn: Connection, query: object) -> str | None:
    """The one code a name gives; none, or two (a name twice in a province), is None."""
    codes = {str(c).strip() for c in conn.execute(query).scalars()}  # type: ignore[call-overload]
    return codes.pop() if len(codes) == 1 else None


def english_name(who: WalkinIdentity) -> dict[str, object]:
    return {
        "prenameeng": who.title_en.strip() or None,
        "fnameeng": who.first_name_en.strip() or None,
        "lnameeng": who.last_name_en.strip() or None,
    }


def address_values(who: WalkinIdentity, area: AreaCodes) -> dict[str, object]:
    """The card address in person's registration (``...moi``) columns."""
    moo = who.moo.strip()
    return {
        "hnomoi": who.house_no.strip() or None,
        "roadmoi": who.road.strip() or None,
        "mumoi": moo.zfill(2) if moo.isdigit() else None,
        "subdistcodemoi": who.subdistrict_code or area.subdistrict,
        "distcodemoi": who.district_code or area.district,
        "provcodemoi": who.province_code or area.province,
    }


def write_contact_address(
    conn: Connection,
    profile: SchemaProfile,
    key: tuple[str, int],
    who: WalkinIdentity,
    area: AreaCodes,
    *,
    encode: Encode,
) -> bool:
    """Add the person's ``personaddresscontact`` row when JHCIS has the table and the
    person has none (a row staff wrote is theirs). Whether a row was written."""
    if not profile.has_table("personaddresscontact") or not (who.house_no or area.province):
        return False
    unit, pid = key
    exists = conn.execute(
        select(personaddresscontact.c.pid).where(
            personaddresscontact.c.pcucodeperson == unit, personaddresscontact.c.pid == pid
        )
    ).first()
    if exists is not None:
        return False
    moi = address_values(who, area)
    values = {
        "pcucodeperson": unit,
        "pid": pid,
        "hno": moi["hnomoi"],
        "mu": moi["mumoi"],
        "road": moi["roadmoi"],
        "subdistcode": moi["subdistcodemoi"],
        "distcode": moi["distcodemoi"],
        "provcode": moi["provcodemoi"],
    }
    values = profile.only_present(personaddresscontact, values)
    for column in ("hno", "road"):  # as wide as the person's own copy may not be
        text = values.get(column)
        if isinstance(text, str):
            values[column], _cut = fit_text(text, profile.width("personaddresscontact", column))
    conn.execute(insert(personaddresscontact).values(**encode("personaddresscontact", values)))
    return True


def fill_empty_person_fields(
    conn: Connection,
    profile: SchemaProfile,
    known: Person,
    who: WalkinIdentity,
    *,
    encode: Encode,
    fit: Callable[[dict[str, object]], list[str]],
) -> list[str]:
    """For a person JHCIS already has: the card's English name where theirs is empty.

    Nothing JHCIS holds is overwritten; the columns filled are returned.
    """
    wanted = profile.only_present(person, english_name(who))
    if not wanted:
        return []
    current = (
        conn.execute(
            select(*(person.c[c] for c in wanted)).where(
                person.c.pcucodeperson == known.pcucodeperson, person.c.pid == known.pid
            )
        )
        .mappings()
        .first()
    )
    if current is None:
        return []
    empty = {
        column: value
        for column, value in wanted.items()
        if value and not str(current[column] or "").strip()
    }
    if not empty:
        return []
    fit(empty)
    conn.execute(
        update(person)
        .where(person.c.pcucodeperson == known.pcucodeperson, person.c.pid == known.pid)
        .values(**encode("person", empty))
    )
    return sorted(empty)


def save_photo(
    conn: Connection,
    profile: SchemaProfile,
    key: tuple[str, int],
    photo: bytes,
    moment: dt.datetime,
    *,
    replace: bool = False,
) -> bool:
    """The card's JPEG into ``personimages``: when the person has none, or when staff ask
    (`replace`). Whether it was written."""
    if not photo or not profile.has_table("personimages"):
        return False
    unit, pid = key
    where = and_(personimages.c.pcucodeperson == unit, personimages.c.pid == pid)
    current = conn.execute(select(personimages.c.photo).where(where)).first()
    if current is not None and current[0] and not replace:
        return False
    if current is None:
        conn.execute(
            insert(personimages).values(pcucodeperson=unit, pid=pid, photo=photo, dateupdate=moment)
        )
    else:
        conn.execute(update(personimages).where(where).values(photo=photo, dateupdate=moment))
    return True


def has_photo(conn: Connection, profile: SchemaProfile, key: tuple[str, int]) -> bool:
    """Whether ``personimages`` holds a photo of the person (the bytes are not read)."""
    if not profile.has_table("personimages"):
        return False
    unit, pid = key
    found = conn.execute(
        select(personimages.c.pid).where(
            personimages.c.pcucodeperson == unit,
            personimages.c.pid == pid,
            personimages.c.photo.is_not(None),
        )
    ).first()
    return found is not None


def read_photo(conn: Connection, profile: SchemaProfile, key: tuple[str, int]) -> bytes | None:
    """The person's photo in ``personimages``, for staff checking who stands before them."""
    if not profile.has_table("personimages"):
        return None
    unit, pid = key
    photo = conn.execute(
        select(personimages.c.photo).where(
            personimages.c.pcucodeperson == unit, personimages.c.pid == pid
        )
    ).scalar()
    return bytes(photo) if photo else None


def note_card(
    conn: Connection,
    key: tuple[str, int],
    who: WalkinIdentity,
    *,
    fitted: list[str],
    unresolved: tuple[str, ...],
    birth_year: int | None,
    moment: dt.datetime,
) -> None:
    """What the card said that JHCIS could not hold, for staff (kiosk_person_card).

    Written over a row left by a person JHCIS deleted whose pid came back (MAX+1): the
    kiosk may not delete, and an INSERT would collide with it at every retry.
    """
    unit, pid = key
    values = {
        "title": who.title,
        "first_name": who.first_name.strip(),
        "last_name": who.last_name.strip(),
        "fitted_columns": ",".join(fitted) or None,
        "unresolved_area": ",".join(unresolved) or None,
        "birth_year": birth_year,
        "recorded_at": moment,
    }
    where = and_(kiosk_person_card.c.pcucodeperson == unit, kiosk_person_card.c.pid == pid)
    if conn.execute(update(kiosk_person_card).where(where).values(**values)).rowcount == 0:
        conn.execute(insert(kiosk_person_card).values(pcucodeperson=unit, pid=pid, **values))


def card_note(conn: Connection, key: tuple[str, int]) -> dict[str, object] | None:
    """The kiosk_person_card row of a person, for the staff pages."""
    unit, pid = key
    row = (
        conn.execute(
            select(kiosk_person_card).where(
                kiosk_person_card.c.pcucodeperson == unit, kiosk_person_card.c.pid == pid
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None
