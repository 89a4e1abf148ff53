"""Item 6: the printer URI is an allow-list, and changing settings needs the password again.

Before the fix an admin (or whoever held an admin's session) could set
``printer.uri = file:///any/file`` or any ``tcp://host:port`` and press Reprint: the
kiosk then wrote a ticket into that file or to that host.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from backoffice.testing import seed_day
from common.config import ConfigError, load_settings

from .conftest import NOW, Site, error_code


def settings_form(site: Site, token: str, **changes: str) -> dict[str, str]:
    current = site.deps.settings
    return {
        "csrf_token": token,
        "hcode": current.clinic.hcode,
        "clinic_name": current.clinic.name,
        "printer_uri": current.printer.uri,
        "nhso_mode": str(current.nhso.mode),
        "provider": current.kiosk.provider,
        **changes,
    }


def configured_uri(site: Site) -> str:
    assert site.deps.config_path is not None
    data = tomllib.loads(site.deps.config_path.read_text(encoding="utf-8"))
    return str(data.get("printer", {}).get("uri", ""))


@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "file:///tmp/ticket-sink",
        "file:///dev/usb/lp0/../../etc/shadow",
        "serial:///dev/sda",
        "tcp://127.0.0.1:22",
        "tcp://192.0.2.10:22",
        "tcp://localhost:9100",
        "tcp://169.254.169.254:9100",
        "tcp://user:pw@192.0.2.10:9100",
        "tcp://192.0.2.10:9100/path",
        "cups://queue/../../x",
        "lpt://1",
        "tcp://192.0.2.10:9100?evil=1",
    ],
)
def test_printer_uris_outside_the_allow_list_are_refused(fresh: Site, uri: str) -> None:
    admin = fresh.signed_in("t_admin")
    before = configured_uri(fresh)
    form = settings_form(
        fresh, admin.csrf("/settings"), printer_uri=uri, current_password="admin-pass-1"
    )
    reply = admin.http.post("/settings", data=form)
    assert reply.status_code == 400, reply.status_code
    assert configured_uri(fresh) == before and fresh.deps.settings.printer.uri != uri


def test_a_settings_change_needs_the_password_again(fresh: Site) -> None:
    admin = fresh.signed_in("t_admin")
    wanted = "tcp://192.0.2.10:9100"
    token = admin.csrf("/settings")
    for password in (None, "", "wrong"):
        form = settings_form(fresh, token, printer_uri=wanted)
        if password is not None:
            form["current_password"] = password
        reply = admin.http.post("/settings", data=form)
        assert reply.status_code == 403 and error_code(reply) == "auth.reauth", password
        assert configured_uri(fresh) != wanted
    form = settings_form(fresh, token, printer_uri=wanted, current_password="admin-pass-1")
    assert admin.http.post("/settings", data=form).status_code == 303
    assert configured_uri(fresh) == wanted
    form = settings_form(fresh, token, printer_uri="preview", current_password="admin-pass-1")
    assert admin.http.post("/settings", data=form).status_code == 303


def test_reprint_never_writes_outside_a_printer_device(fresh: Site, tmp_path: Path) -> None:
    sink = tmp_path / "ticket-sink"
    admin = fresh.signed_in("t_admin")
    form = settings_form(
        fresh,
        admin.csrf("/settings"),
        printer_uri=f"file://{sink}",
        current_password="admin-pass-1",
    )
    assert admin.http.post("/settings", data=form).status_code == 400
    visit = seed_day(fresh.deps.clinic, NOW.replace(hour=9), walkin_name="พิมพ์")["coded"][0]
    staff = fresh.signed_in("t_staff")
    staff.http.post(
        f"/visits/{visit.pcucode}/{visit.visitno}/reprint", data={"csrf_token": staff.csrf()}
    )
    assert not sink.exists()


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "serial:///dev/sda", "cups://a/b"])
def test_the_configuration_file_is_held_to_the_allow_list_too(tmp_path: Path, uri: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides={"data_dir": str(tmp_path), "printer.uri": uri})
    assert "printer.uri" in str(caught.value)
