"""What JHCIS knows of a staff account that the NHSO requests need."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from common.cid import is_valid_cid
from integrations.jhcis.tables import user


def staff_cid(db: Engine | Connection, username: str) -> str | None:
    """The account's citizen ID from JHCIS ``user.idcard``, when it is a valid one.

    NHSO records the staff member as the recorder of an authen code or a close right;
    an empty or mistyped ``idcard`` gives None, so the caller falls back to the
    configured recorder instead of sending NHSO a number it refuses.
    """
    query = select(user.c.idcard).where(user.c.username == username)
    if isinstance(db, Engine):
        with db.connect() as conn:
            value = conn.execute(query).scalar()
    else:
        value = db.execute(query).scalar()
    text = str(value or "").strip()
    return text if is_valid_cid(text) else None
