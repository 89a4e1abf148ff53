"""Waiting-room screens: each opens the board by its own secret URL, no staff sign-in.

The token is 32 random bytes shown once when the screen is added; we keep its SHA-256
only. Revoking a screen stops new connections to its URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select, update

from backoffice.calling.tables import display_screen

TOKEN_BYTES = 32
MAX_TOKEN = 100


@dataclass(frozen=True)
class Screen:
    id: int
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_screen(engine: Engine, name: str, now: dt.datetime) -> tuple[Screen, str]:
    """A new screen and its token (the only time the token is seen)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with engine.begin() as conn:
        new_id = conn.execute(
            display_screen.insert().values(
                name=name[:60], token_hash=_hash(token), created_at=now.replace(microsecond=0)
            )
        ).inserted_primary_key
    assert new_id is not None
    return Screen(int(new_id[0]), name[:60], now, None), token


def screen_for(engine: Engine, token: str) -> Screen | None:
    """The live screen this token opens; None for an unknown or revoked one."""
    if not token or len(token) > MAX_TOKEN:
        return None
    with engine.connect() as conn:
        m = (
            conn.execute(
                select(display_screen).where(
                    display_screen.c.token_hash == _hash(token),
                    display_screen.c.revoked_at.is_(None),
                )
            )
            .mappings()
            .first()
        )
    return Screen(m["id"], m["name"], m["created_at"], m["revoked_at"]) if m else None


def list_screens(engine: Engine) -> list[Screen]:
    with engine.connect() as conn:
        rows = conn.execute(select(display_screen).order_by(display_screen.c.id)).mappings()
        return [Screen(m["id"], m["name"], m["created_at"], m["revoked_at"]) for m in rows]


def revoke_screen(engine: Engine, screen_id: int, now: dt.datetime) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            update(display_screen)
            .where(display_screen.c.id == screen_id, display_screen.c.revoked_at.is_(None))
            .values(revoked_at=now.replace(microsecond=0))
        ).rowcount
    return bool(done == 1)
