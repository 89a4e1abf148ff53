"""What JHCIS knows of a staff account that the NHSO requests need."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, or_, select

from common.cid import is_valid_cid
from integrations.jhcis.tables import user


def staff_cid(db: Engine | Connection, username: str, unit: str | None = None) -> str | None:
    """The account's citizen ID from JHCIS ``user.idcard``, when it is a valid one.

    NHSO records the staff member as the recorder of an authen code or a close right;
    an empty or mistyped ``idcard`` gives None, so the caller falls back to the
    configured recorder instead of sending NHSO a number it refuses.
    """
    query = select(user.c.idcard).where(user.c.username == username)
    if unit:  # user is keyed by (pcucode, username): the account of this unit
        query = query.where(user.c.pcucode == unit)
    if isinstance(db, Engine):
        with db.connect() as conn:
            value = conn.execute(query).scalar()
    else:
        value = db.execute(query).scalar()
    text = str(value or "").strip()
    return text if is_valid_cid(text) else None


def is_unit_account(conn: Connection, username: str, unit: str) -> bool:
    """Is `username` an account of `unit`? (JHCIS keys user by (pcucode, username), and
    visit (pcucode, username) refers to it: what a visit's provider must be.)"""
    query = select(user.c.username).where(user.c.username == username, user.c.pcucode == unit)
    return conn.execute(query).first() is not None


# Accounts JHCIS itself keeps for its tools, never a clinician (research for issue 25:
# a public kiosk's provider list leaves these out), and officer types that are not
# providers ('w' a village health volunteer, 'x' excluded from JHCIS's own lists).
SYSTEM_ACCOUNTS = frozenset(
    {
        "drug_Store_Admin", "student_update", "usr_db", "adm", "code_management_cont",
        "j2his_gateway", "usr_repair_database", "move_All_person_Out",
    }
)  # fmt: skip
NOT_PROVIDERS = ("w", "x")


@dataclass(frozen=True)
class Provider:
    username: str
    display_name: str


def unit_providers(engine: Engine, unit: str) -> list[Provider]:
    """The unit's active staff accounts a visit may name as its provider."""
    query = (
        select(user.c.username, user.c.fullname, user.c.fname, user.c.lname, user.c.officertype)
        .where(user.c.pcucode == unit, or_(user.c.markdelete.is_(None), user.c.markdelete == ""))
        .order_by(user.c.username)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Provider(str(r.username), str(r.fullname or f"{r.fname or ''} {r.lname or ''}").strip())
        for r in rows
        if r.username not in SYSTEM_ACCOUNTS and (r.officertype or "") not in NOT_PROVIDERS
    ]
