"""Staff sign-in against JHCIS's own ``user`` table, roles and lockout.

JHCIS keeps its accounts in ``user`` (reference §1.9); we only read it. Our role
mapping (``kiosk_staff_role``) and failure counters (``kiosk_login_state``) live in
our own tables. An account with no explicit role gets a default from its JHCIS
``officertype``: clinical officers are ``staff``, "other" accounts are ``viewer``,
survey-only and known system/integration accounts cannot sign in here. Nobody is an
administrator by default, JHCIS's shared ``adm`` account included: the first
administrator is named on the appliance (``backoffice staff role NAME admin``).

Guessing is slowed by :mod:`backoffice.web.throttle`; an account locked by failures
still opens with the right password from a computer or browser it used before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update

from backoffice.web.errors import AccountLocked, SignInFailed, SignInThrottled
from backoffice.web.passwords import PasswordFormat, detect_format, verify_password
from backoffice.web.tables import ROLE_NONE, ROLES, login_state, staff_role
from backoffice.web.throttle import (
    ACCOUNTS,
    KnownClients,
    Policy,
    SignInThrottle,
    address_client,
    blocked_until,
    count_failure,
    device_client,
)
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
# markdelete values that still mean "active" (NULL in AIR; blanks and zeros seen in dumps).
_ACTIVE_MARKS = frozenset({"", "0", "n", "f"})


def sign_in_key(username: str) -> str:
    """How a typed sign-in name is counted and remembered (MySQL compares names
    case-insensitively, so the counters do too)."""
    return username.strip().lower()[:35]


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
        address_free: int = 5,
        overall_free: int = 30,
        max_delay_s: int = 300,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.engine = engine
        self.lockout_attempts = lockout_attempts
        self.lockout = dt.timedelta(minutes=lockout_minutes)
        self.clock = clock
        self.throttle = SignInThrottle(
            engine,
            per_address=Policy(address_free, max_delay_s),
            overall=Policy(overall_free, min(max_delay_s, 60)),
            clock=clock,
        )
        self.known = KnownClients(engine, clock=clock)

    # -- sign-in -----------------------------------------------------------------

    def authenticate(
        self, username: str, password: str, *, client: str = "", device: str | None = None
    ) -> StaffUser:
        """The signed-in user, or SignInFailed / AccountLocked / SignInThrottled (never
        says which part was wrong). `client` is the computer's address, `device` the
        browser's device-cookie id (None when it has none).

        The password is taken as typed: JHCIS compares it untrimmed too.
        """
        key = sign_in_key(username)
        now = self.clock()
        if not key or not password:
            raise SignInFailed("empty field")
        clients = [
            address_client(client) if client else "",
            device_client(device) if device else "",
        ]
        known = self.known.any_known(key, clients)
        wait = self.throttle.wait_s(client, known=known)
        if wait:
            raise SignInThrottled("throttled", wait_s=wait)
        locked = blocked_until(self.engine, ACCOUNTS, key, now)
        if locked is not None and not known:
            # Not even checked: a lock must not become a password oracle.
            raise AccountLocked("locked")
        with self.engine.connect() as conn:
            row = self._jhcis_account(conn, username.strip())
        staff = self._check(row, password)
        if staff is None:
            self.throttle.failed(client, known=known)
            if self._record_failure(key, now) and not known:
                raise AccountLocked("locked after failures")
            raise SignInFailed("bad credentials")
        if locked is None:
            # A lock set by someone else's guesses stays until it ends, even when the
            # account opens at its usual desk: the guesser gets no fresh attempts.
            with self.engine.begin() as conn:
                conn.execute(delete(login_state).where(login_state.c.username == key))
        self.throttle.succeeded(client)
        self.known.remember(key, clients)
        return staff

    def account_name(self, typed: str) -> str | None:
        """The JHCIS account a typed sign-in name names, or None: what the audit of a
        failed sign-in may keep (a password typed into the name field never lands there)."""
        name = typed.strip()[:35]
        if not name:
            return None
        with self.engine.connect() as conn:
            row = self._jhcis_account(conn, name)
        return str(row["username"]) if row is not None else None

    def reauthenticate(self, username: str, password: str, *, client: str = "") -> bool:
        """Whether a signed-in user typed their own password again (before a settings
        change: a borrowed or stolen session alone must not reconfigure the kiosk).
        Failures count like sign-in failures; raises SignInThrottled when slowed."""
        wait = self.throttle.wait_s(client, known=True)
        if wait:
            raise SignInThrottled("throttled", wait_s=wait)
        with self.engine.connect() as conn:
            row = self._jhcis_account(conn, username)
        staff = self._check(row, password) if password else None
        if staff is None or staff.username != username:
            self.throttle.failed(client, known=True)
            self._record_failure(sign_in_key(username), self.clock())
            return False
        return True

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

    def _record_failure(self, key: str, now: dt.datetime) -> bool:
        """Count a failure atomically; True when the account is (now) locked."""
        lockout = self.lockout

        def until(failures: int) -> dt.datetime | None:
            return now + lockout if failures >= self.lockout_attempts else None

        _failures, locked = count_failure(
            self.engine, ACCOUNTS, key, now=now, window=lockout, until_for=until
        )
        return locked is not None

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
