"""Staff sign-in against JHCIS's own ``user`` table, roles and lockout.

JHCIS keeps its accounts in ``user`` (reference §1.9); we only read it. Our role
mapping (``kiosk_staff_role``) and failure counters (``kiosk_login_state``) live in
our own tables. An account with no explicit role gets a default from its JHCIS
``officertype``: clinical officers are ``staff``, "other" accounts are ``viewer``,
survey-only and known system/integration accounts cannot sign in here, and JHCIS's
own ``adm`` account is ``admin`` so that a fresh installation can be configured.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from backoffice.web.errors import AccountLocked, SignInFailed
from backoffice.web.passwords import PasswordFormat, detect_format, verify_password
from backoffice.web.tables import ROLE_NONE, ROLES, login_state, staff_role
from integrations.jhcis.tables import user as jhcis_user

log = logging.getLogger(__name__)

# Integration and maintenance accounts that JHCIS ships (reference §1.9, KIOSK).
SYSTEM_ACCOUNTS = frozenset(
    name.lower()
    for name in (
        "drug_Store_Admin",
        "student_update",
        "usr_db",
        "code_management_cont",
        "j2his_gateway",
        "usr_repair_database",
        "move_All_person_Out",
    )
)
ADMIN_ACCOUNT = "adm"
# markdelete values that still mean "active" (NULL in AIR; blanks and zeros seen in dumps).
_ACTIVE_MARKS = frozenset({"", "0", "n", "f"})


def role_rank(role: str) -> int:
    """0 for no access, then 1 viewer, 2 staff, 3 admin."""
    return ROLES.index(role) + 1 if role in ROLES else 0


@dataclass(frozen=True)
class StaffUser:
    username: str  # as JHCIS spells it
    role: str
    display_name: str


def default_role(username: str, officertype: str | None) -> str:
    name = username.lower()
    if name == ADMIN_ACCOUNT:
        return "admin"
    if name in SYSTEM_ACCOUNTS:
        return ROLE_NONE
    kind = (officertype or "").strip().lower()
    if kind == "w":
        return ROLE_NONE
    if kind in ("", "x"):
        return "viewer"
    return "staff"


def is_active(markdelete: str | None) -> bool:
    return markdelete is None or markdelete.strip().lower() in _ACTIVE_MARKS


def _display_name(row: dict[str, object]) -> str:
    parts = [str(row.get(k) or "").strip() for k in ("prename", "fname", "lname")]
    text = " ".join(p for p in parts if p)
    return text or str(row["username"])


class StaffDirectory:
    """Authenticates staff and resolves their roles; all state is in the database."""

    def __init__(
        self,
        engine: Engine,
        *,
        lockout_attempts: int = 5,
        lockout_minutes: int = 15,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.engine = engine
        self.lockout_attempts = lockout_attempts
        self.lockout = dt.timedelta(minutes=lockout_minutes)
        self.clock = clock

    # -- sign-in -----------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> StaffUser:
        """The signed-in user, or SignInFailed / AccountLocked (never says which part was wrong)."""
        key = username.strip().lower()[:35]
        now = self.clock()
        if not key or not password:
            raise SignInFailed("empty field")
        with self.engine.connect() as conn:
            locked_until = self._locked_until(conn, key, now)
            if locked_until is not None:
                raise AccountLocked("locked")
            row = self._jhcis_account(conn, username.strip())
        staff = self._check(row, password)
        if staff is None:
            if self._record_failure(key, now):
                raise AccountLocked("locked after failures")
            raise SignInFailed("bad credentials")
        with self.engine.begin() as conn:
            conn.execute(delete(login_state).where(login_state.c.username == key))
        return staff

    def _check(self, row: dict[str, object] | None, password: str) -> StaffUser | None:
        if row is None:
            # Same work as a real check, so timing does not tell which names exist.
            verify_password("x" * 64, password)
            return None
        stored = row.get("password")
        stored_text = None if stored is None else str(stored)
        if detect_format(stored_text) is PasswordFormat.unsupported:
            log.warning("a JHCIS account has a password format we cannot check")
        if not verify_password(stored_text, password):
            return None
        if not is_active(_text(row.get("markdelete"))):
            return None
        username = str(row["username"])
        with self.engine.connect() as conn:
            role = self.role_of(conn, username, _text(row.get("officertype")))
        if role_rank(role) == 0:
            return None
        return StaffUser(username=username, role=role, display_name=_display_name(row))

    def _jhcis_account(self, conn: Connection, username: str) -> dict[str, object] | None:
        names = ("username", "password", "markdelete", "officertype", "prename", "fname", "lname")
        cols = [jhcis_user.c[name] for name in names]
        rows = conn.execute(select(*cols).where(jhcis_user.c.username == username)).mappings()
        found = [dict(r) for r in rows]
        # MySQL compares names case-insensitively; prefer the exact spelling if both exist.
        exact = [r for r in found if r["username"] == username]
        chosen = exact or found
        return chosen[0] if chosen else None

    # -- lockout -----------------------------------------------------------------

    def _locked_until(self, conn: Connection, key: str, now: dt.datetime) -> dt.datetime | None:
        until = conn.execute(
            select(login_state.c.locked_until).where(login_state.c.username == key)
        ).scalar()
        return until if until is not None and until > now else None

    def _record_failure(self, key: str, now: dt.datetime) -> bool:
        """Count a failure; True when this failure locks the account."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(login_state.c.failures, login_state.c.last_failure_at).where(
                    login_state.c.username == key
                )
            ).first()
            last = row.last_failure_at if row is not None else None
            fresh = last is not None and now - last <= self.lockout
            failures = int(row.failures) + 1 if row is not None and fresh else 1
            locked_until = now + self.lockout if failures >= self.lockout_attempts else None
            values = {
                "failures": 0 if locked_until else failures,
                "last_failure_at": now,
                "locked_until": locked_until,
            }
            where = login_state.c.username == key
            if row is not None:
                conn.execute(update(login_state).where(where).values(values))
                return locked_until is not None
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(login_state).values(username=key, **values))
        except IntegrityError:  # a concurrent failure inserted the row first
            with self.engine.begin() as conn:
                conn.execute(update(login_state).where(where).values(values))
        return locked_until is not None

    def unlock(self, username: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_state).where(login_state.c.username == username.lower()))

    # -- roles -------------------------------------------------------------------

    def role_of(self, conn: Connection, username: str, officertype: str | None) -> str:
        explicit = conn.execute(
            select(staff_role.c.role).where(staff_role.c.username == username)
        ).scalar()
        return str(explicit) if explicit else default_role(username, officertype)

    def set_role(self, username: str, role: str, *, by: str) -> None:
        """Give `username` a role ("none" to refuse sign-in); the JHCIS account must exist."""
        if role not in (*ROLES, ROLE_NONE):
            raise ValueError(f"unknown role: {role}")
        now = self.clock()
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(jhcis_user.c.username).where(jhcis_user.c.username == username)
            ).first()
            if exists is None:
                raise LookupError("no such JHCIS account")
            values = {"role": role, "updated_by": by, "updated_at": now}
            done = conn.execute(
                update(staff_role).where(staff_role.c.username == username).values(values)
            )
            if done.rowcount == 0:
                conn.execute(insert(staff_role).values(username=username, **values))

    def list_accounts(self) -> list[dict[str, str]]:
        """Every active JHCIS account with its effective role, for the admin page."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    jhcis_user.c.username,
                    jhcis_user.c.officertype,
                    jhcis_user.c.markdelete,
                    jhcis_user.c.prename,
                    jhcis_user.c.fname,
                    jhcis_user.c.lname,
                ).order_by(jhcis_user.c.username)
            ).mappings()
            explicit: dict[str, str] = {
                str(name): str(role)
                for name, role in conn.execute(select(staff_role.c.username, staff_role.c.role))
            }
            out = []
            for row in rows:
                if not is_active(_text(row["markdelete"])):
                    continue
                name = str(row["username"])
                role = explicit.get(name) or default_role(name, _text(row["officertype"]))
                out.append(
                    {
                        "username": name,
                        "display_name": _display_name(dict(row)),
                        "role": str(role),
                        "explicit": "1" if name in explicit else "",
                    }
                )
        return out


def _text(value: object) -> str | None:
    return None if value is None else str(value)
