"""systemd notify, window orientation, health file, and the `kiosk` subcommands."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from common.config import load_settings
from kiosk import flow as f
from kiosk.app import flow_config, window_size
from kiosk.cli import main
from kiosk.health import HealthRecorder, read_health
from kiosk.journal import Journal
from kiosk.ports import Patient, VisitRequest
from kiosk.sdnotify import notify, watchdog_interval_s
from kiosk.testing import sample_identity


def test_notify_without_systemd_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False


@pytest.mark.parametrize("systemd_python", [True, False])
def test_notify_speaks_the_datagram_protocol(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, systemd_python: bool
) -> None:
    if not systemd_python:
        monkeypatch.setitem(sys.modules, "systemd", None)  # import fails: our own sender
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert notify("READY=1")
        assert server.recv(100) == b"READY=1"


def test_notify_to_a_missing_socket_does_not_raise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "absent.sock"))
    assert notify("WATCHDOG=1") is False


def test_watchdog_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert watchdog_interval_s() is None
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval_s() == 10.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert watchdog_interval_s() is None


@pytest.mark.parametrize(
    ("orientation", "size", "expected"),
    [
        ("landscape", (1280, 800), (1280, 800)),
        ("portrait", (1280, 800), (800, 1280)),
        ("portrait", (1080, 1920), (1080, 1920)),
        ("landscape", (480, 800), (800, 480)),
    ],
)
def test_window_follows_orientation(
    orientation: str, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    settings = load_settings(
        overrides={
            "kiosk.orientation": orientation,
            "kiosk.width": size[0],
            "kiosk.height": size[1],
        }
    )
    assert window_size(settings) == expected


def test_flow_config_from_settings() -> None:
    settings = load_settings(overrides={"kiosk.idle_timeout_s": 30, "kiosk.language": "en"})
    config = flow_config(settings)
    assert config.patient_timeout_s == 30 and config.default_language == "en"
    assert f.Flow(config).initial().language == "en"
    # The clinic's claim types, in its order and words; the first is the main one.
    assert [c.code for c in config.claim_choices] == [c.code for c in settings.kiosk.claim_types]
    assert config.main_claim == "PG0060001"
    assert config.claim_choices[0] == f.ClaimChoice(
        "PG0060001", "ตรวจรักษาทั่วไป", "General treatment"
    )


def test_health_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "h" / "health.json"
    health = HealthRecorder(path)
    health.component("printer", "failed", "paper_out")
    health.print_failure("99999", 12, "7", "paper_out")
    health.flush()
    data = read_health(path)
    assert data is not None
    assert data["components"]["printer"]["code"] == "paper_out"
    assert data["print_failures"][0]["visitno"] == 12
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    with pytest.raises(ValueError, match="unknown component"):
        health.component("coffee", "ok")
    assert read_health(tmp_path / "missing.json") is None


def test_kiosk_health_and_journal_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    assert main(["health"]) == 1
    recorder = HealthRecorder(tmp_path / "kiosk-health.json")
    recorder.checkin("done", "ok")
    recorder.close()
    assert main(["journal"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    journal = Journal.in_data_dir(tmp_path)
    journal.append(
        VisitRequest(
            checkin_id="abc",
            identity=sample_identity(1),
            patient=Patient.unresolved(),
            claim_type=None,
            claim_type_name="",
            authen_status="pending",
        )
    )
    journal.close()
    assert main(["health"]) == 0
    assert json.loads(capsys.readouterr().out)["checkins"] == 1
    assert main(["journal", "--status", "pending"]) == 0
    out = capsys.readouterr().out
    (row,) = json.loads(out)
    assert row["local_queue"] == "L001" and row["status"] == "pending"
    assert sample_identity(1).cid not in out and "สมชาย" not in out


def test_kiosk_run_explains_a_wiring_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from common.errors import BilingualError
    from kiosk import commands

    class ReaderMissing(BilingualError):
        code = "reader_missing"
        message_th = "ไม่พบเครื่องอ่านบัตร กรุณาติดต่อผู้ดูแลระบบ"
        message_en = "No card reader adapters. Please call the administrator."

    def not_wired(_settings: object) -> None:
        raise ReaderMissing("no reader")

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(commands, "real_services", not_wired)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "adapters" in err and "ผู้ดูแลระบบ" in err
    assert "kivy" not in sys.modules


def test_kiosk_run_refuses_a_loose_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('staff_pin = "1234"\n')
    secrets.chmod(0o644)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KIOSK_SECRETS_FILE", str(secrets))
    assert main(["run", "--fakes"]) == 2
    err = capsys.readouterr().err
    assert "chmod 600" in err and "1234" not in err
    assert "kivy" not in sys.modules  # refused before Kivy was even configured
