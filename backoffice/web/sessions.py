"""Server-side staff sessions behind a signed cookie, and CSRF tokens.

The cookie carries only a random session id signed with ``secrets.session_key``; the
session itself (user, role, CSRF token, expiry) is a row of ``kiosk_web_session``
keyed by the SHA-256 of that id. Signing out or changing a role therefore takes
effect at once, and the table never holds a usable cookie value.

Over HTTPS every cookie name carries the ``__Host-`` prefix: the browser then keeps it
only if it came Secure, for this host alone, for every path (no other host or a plain
HTTP page can plant or read one). Expired rows are purged in a transaction of their
own, at most every few minutes, never inside a sign-in (on MariaDB the purge's range
locks deadlocked concurrent sign-ins).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets as pysecrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from backoffice.web.auth import StaffUser
from backoffice.web.db_retry import once_more_on_deadlock
from backoffice.web.tables import web_session
from common.secrets import Secrets, generated_secret

log = logging.getLogger(__name__)

SESSION_COOKIE = "kb_session"
LOGIN_COOKIE = "kb_login"
#: A browser's sign-in history (a random id, signed): a locked account still opens there.
DEVICE_COOKIE = "kb_device"
DEVICE_LIFETIME = dt.timedelta(days=365)
SESSION_LIFETIME = dt.timedelta(hours=12)
SESSION_IDLE = dt.timedelta(hours=2)
_TOUCH_EVERY = dt.timedelta(minutes=1)
PURGE_EVERY = dt.timedelta(minutes=10)


def cookie_name(name: str, secure: bool) -> str:
    """The cookie's name as sent: ``__Host-`` prefixed over HTTPS."""
    return f"__Host-{name}" if secure else name


def ensure_session_key(secrets_file: Path, loaded: Secrets) -> str:
    """The configured session key, or a new random one saved (mode 0600) into the secrets file."""
    return generated_secret(secrets_file, loaded, "session_key")


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Session:
    id_hash: str
    username: str
    role: str
    display_name: str
    csrf_token: str

    def csrf_ok(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(
            self.csrf_token.encode(), (submitted or "").encode()
        )


class SessionStore:
    def __init__(
        self,
        engine: Engine,
        key: str,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.engine = engine
        self._cookie = URLSafeSerializer(key, salt="backoffice-session")
        self._login = URLSafeSerializer(key, salt="backoffice-login-form")
        self._device = URLSafeSerializer(key, salt="backoffice-device")
        self.clock = clock
        self._purge_lock = threading.Lock()
        self._next_purge: dt.datetime | None = None

    def create(self, staff: StaffUser) -> tuple[str, Session]:
        """A new session for `staff`: (cookie value, session)."""
        session_id = pysecrets.token_urlsafe(32)
        now = self.clock()
        session = Session(
            id_hash=_hash(session_id),
            username=staff.username,
            role=staff.role,
            display_name=staff.display_name[:150],
            csrf_token=pysecrets.token_urlsafe(32),
        )
        values = {
            "id_hash": session.id_hash,
            "username": session.username,
            "role": session.role,
            "display_name": session.display_name,
            "csrf_token": session.csrf_token,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + SESSION_LIFETIME,
        }

        def store() -> None:
            with self.engine.begin() as conn:
                conn.execute(insert(web_session).values(values))

        once_more_on_deadlock(store)
        self.purge_expired()
        return self._cookie.dumps(session_id), session

    def _session_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._cookie.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def load(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, or None (bad signature, expired, idle, signed out)."""
        session_id = self._session_id(cookie)
        if session_id is None:
            return None
        id_hash = _hash(session_id)
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(web_session).where(web_session.c.id_hash == id_hash)).first()
        if row is None or row.expires_at <= now or now - row.last_seen_at > SESSION_IDLE:
            return None
        if now - row.last_seen_at > _TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(
                    update(web_session)
                    .where(web_session.c.id_hash == id_hash)
                    .values(last_seen_at=now)
                )
        return Session(
            id_hash=id_hash,
            username=row.username,
            role=row.role,
            display_name=row.display_name or row.username,
            csrf_token=row.csrf_token,
        )

    def purge_expired(self, *, force: bool = False) -> int:
        """Delete expired sessions, at most every PURGE_EVERY (its own short transaction;
        a failure is only logged: the rows are gone next time)."""
        now = self.clock()
        with self._purge_lock:
            due = self._next_purge
            # Not yet due, unless the clock was set back (then the wait would be as long).
            if not force and due is not None and due - PURGE_EVERY <= now < due:
                return 0
            self._next_purge = now + PURGE_EVERY
        try:
            with self.engine.begin() as conn:
                done = conn.execute(delete(web_session).where(web_session.c.expires_at < now))
            return int(done.rowcount or 0)
        except DBAPIError as exc:
            log.warning("expired sessions not purged now (%s)", type(exc.orig).__name__)
            return 0

    def revoke(self, session: Session) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_session).where(web_session.c.id_hash == session.id_hash))

    def set_role_everywhere(self, username: str, role: str) -> None:
        """Apply a role change to the user's open sessions (ending them for "none")."""
        with self.engine.begin() as conn:
            where = web_session.c.username == username
            if role == "none":
                conn.execute(delete(web_session).where(where))
            else:
                conn.execute(update(web_session).where(where).values(role=role))

    # -- the browser's sign-in history ---------------------------------------------

    def new_device(self) -> tuple[str, str]:
        """(cookie value, device id) for a browser that has none yet."""
        device_id = pysecrets.token_urlsafe(24)
        return self._device.dumps(device_id), device_id

    def device_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._device.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    # -- the sign-in form's CSRF token (there is no session yet) -------------------

    def new_login_token(self) -> tuple[str, str]:
        """(cookie value, form value) for the sign-in form: a double-submit pair."""
        token = pysecrets.token_urlsafe(24)
        return self._login.dumps(token), token

    def login_token_ok(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            expected = self._login.loads(cookie)
        except BadSignature:
            return False
        return isinstance(expected, str) and hmac.compare_digest(
            expected.encode(), submitted.encode()
        )
