"""Sign-in against JHCIS's user table, default roles, lockout, sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from backoffice.web.auth import StaffDirectory, default_role, is_active, role_rank
from backoffice.web.deps import WebDeps
from backoffice.web.errors import AccountLocked, SignInFailed
from backoffice.web.tables import login_state, web_session
from integrations.jhcis.tables import user

from .conftest import Clock


def test_default_roles_follow_officertype() -> None:
    # JHCIS's shared adm account is nobody's admin: the first admin is named explicitly.
    assert default_role("adm", "x") == "viewer"
    assert default_role("adm", "1") == "staff"
    assert default_role("Chanakan", "1") == "staff"
    assert default_role("someone", "x") == "viewer"
    assert default_role("surveyor", "w") == "none"
    assert default_role("j2his_gateway", "1") == "none"
    assert role_rank("none") == 0 < role_rank("viewer") < role_rank("staff") < role_rank("admin")


@pytest.mark.parametrize(
    ("mark", "active"), [(None, True), ("", True), ("0", True), ("1", False), ("d", False)]
)
def test_markdelete(mark: str | None, active: bool) -> None:
    assert is_active(mark) is active


def test_sign_in_each_role(deps: WebDeps) -> None:
    directory = deps.directory
    assert directory.authenticate("t_admin", "admin-pass-1").role == "admin"
    assert directory.authenticate("t_staff", "staff-pass-1").role == "staff"
    viewer = directory.authenticate("t_viewer", "viewer-pass-1")
    assert viewer.role == "viewer"
    assert viewer.display_name == "น.ส. ทดสอบ viewer"


def test_synthetic_jhcis_accounts_sign_in_with_their_stored_password(deps: WebDeps) -> None:
    with deps.clinic.engine.connect() as conn:
        name, password = conn.execute(
            select(user.c.username, user.c.password).where(user.c.password.like("demo-%"))
        ).first()  # type: ignore[misc]
    assert deps.directory.authenticate(name, password).role == "staff"


@pytest.mark.parametrize(
    ("username", "password"),
    [("t_admin", "wrong"), ("nobody", "x"), ("t_gone", "gone-pass-1"), ("", "x"), ("t_admin", "")],
)
def test_refused_sign_ins_say_the_same_thing(deps: WebDeps, username: str, password: str) -> None:
    with pytest.raises(SignInFailed) as caught:
        deps.directory.authenticate(username, password)
    assert caught.value.code == "auth.failed"
    assert password not in str(caught.value) or not password


def test_role_none_cannot_sign_in(deps: WebDeps) -> None:
    deps.directory.set_role("t_staff", "none", by="test")
    with pytest.raises(SignInFailed):
        deps.directory.authenticate("t_staff", "staff-pass-1")


def test_lockout_after_repeated_failures_and_release(deps: WebDeps, clock: Clock) -> None:
    directory = StaffDirectory(
        deps.clinic.engine, lockout_attempts=3, lockout_minutes=15, clock=clock
    )
    for _ in range(2):
        with pytest.raises(SignInFailed):
            directory.authenticate("t_staff", "bad")
    with pytest.raises(AccountLocked):
        directory.authenticate("t_staff", "bad")
    # Locked: even the right password is refused, without being checked.
    with pytest.raises(AccountLocked):
        directory.authenticate("t_staff", "staff-pass-1")
    clock.now += dt.timedelta(minutes=16)
    assert directory.authenticate("t_staff", "staff-pass-1").role == "staff"
    with deps.clinic.engine.connect() as conn:
        assert conn.execute(select(login_state)).first() is None


def test_failures_far_apart_do_not_lock(deps: WebDeps, clock: Clock) -> None:
    directory = StaffDirectory(
        deps.clinic.engine, lockout_attempts=2, lockout_minutes=5, clock=clock
    )
    with pytest.raises(SignInFailed):
        directory.authenticate("t_staff", "bad")
    clock.now += dt.timedelta(minutes=6)
    with pytest.raises(SignInFailed):
        directory.authenticate("t_staff", "bad")
    assert directory.authenticate("t_staff", "staff-pass-1").role == "staff"


def test_lockout_counts_unknown_names_too(deps: WebDeps) -> None:
    for _ in range(2):
        with pytest.raises(SignInFailed):
            deps.directory.authenticate("ghost", "x")
    with pytest.raises(AccountLocked):
        deps.directory.authenticate("ghost", "x")


def test_sessions_revoke_expire_and_follow_role_changes(deps: WebDeps, clock: Clock) -> None:
    staff = deps.directory.authenticate("t_staff", "staff-pass-1")
    cookie, _session = deps.sessions.create(staff)
    loaded = deps.sessions.load(cookie)
    assert loaded is not None and loaded.role == "staff"
    assert deps.sessions.load(cookie + "x") is None
    assert deps.sessions.load("forged") is None
    deps.sessions.set_role_everywhere("t_staff", "viewer")
    assert deps.sessions.load(cookie).role == "viewer"  # type: ignore[union-attr]
    clock.now += dt.timedelta(hours=3)  # idle longer than allowed
    assert deps.sessions.load(cookie) is None
    cookie2, session2 = deps.sessions.create(staff)
    deps.sessions.revoke(session2)
    assert deps.sessions.load(cookie2) is None
    with deps.clinic.engine.connect() as conn:
        stored = conn.execute(select(web_session.c.id_hash)).scalars().all()
    # The table holds hashes, never the cookie's session id.
    assert all(len(h) == 64 for h in stored)
    assert not any(h in cookie for h in stored)


def test_password_change_in_jhcis_takes_effect(deps: WebDeps) -> None:
    with deps.clinic.engine.begin() as conn:
        conn.execute(update(user).where(user.c.username == "t_viewer").values(password="new-one"))
    with pytest.raises(SignInFailed):
        deps.directory.authenticate("t_viewer", "viewer-pass-1")
    assert deps.directory.authenticate("t_viewer", "new-one").role == "viewer"
