"""Every systemd unit of the image passes `systemd-analyze verify`, and says what it must.

The units are verified inside a scratch root holding the host's own units (for
dependencies such as sysinit.target) plus stand-ins for the programs the image
provides; the stand-ins are only accepted for commands whose Debian package is in
the manifest or that come from the product's virtual environment.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.updates.__main__ import MARKED_GOOD
from tests.image.conftest import IMAGE_BUILD, OVERLAY, UNIT_DIR, load_script

manifest = load_script(IMAGE_BUILD / "scripts" / "imagebuild.py", "imagebuild")

UNITS = sorted(p.name for p in UNIT_DIR.iterdir() if p.suffix in {".service", ".timer"})
VENV_BIN = "/opt/jhcis-kiosk/venv/bin/"

# Commands the units run, and the manifest package that puts them in the image.
COMMAND_PACKAGES = {
    "/bin/sleep": "coreutils",
    "/bin/mkdir": "coreutils",
    "/bin/systemctl": "systemd",
    "/usr/bin/rauc": "rauc",
    "/usr/bin/loadkeys": "kbd",
    "/usr/bin/ssh-keygen": "openssh-server",
    "/bin/sh": "dash",
}
ESSENTIAL = {"coreutils", "dash"}  # in every Debian root filesystem


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT_DIR / name, encoding="utf-8")
    return parser


def exec_paths() -> set[str]:
    paths: set[str] = set()
    for name in UNITS:
        for line in (UNIT_DIR / name).read_text().splitlines():
            key, _, value = line.partition("=")
            if key.startswith("Exec") and value:
                paths.add(value.split()[0].lstrip("-@:+!"))
    return paths


@pytest.fixture(scope="module")
def scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unitroot")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    shutil.copytree(OVERLAY, root, dirs_exist_ok=True)
    for path in exec_paths():
        target = root / path.lstrip("/")
        if target.exists():
            continue  # shipped in the overlay itself
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("#!/bin/sh\n")
        target.chmod(0o755)
    return root


def test_every_command_comes_from_the_image() -> None:
    packages = set(manifest.packages("amd64", quick=False)) | ESSENTIAL
    for path in exec_paths():
        if path.startswith(VENV_BIN) or (OVERLAY / path.lstrip("/")).exists():
            continue
        assert path in COMMAND_PACKAGES, f"unit runs {path}: which package provides it?"
        assert COMMAND_PACKAGES[path] in packages, f"{path} needs {COMMAND_PACKAGES[path]}"


def verify(root: Path, unit_file: Path) -> subprocess.CompletedProcess[str]:
    command = ["systemd-analyze", "verify", "--man=no", "--generators=no", f"--root={root}"]
    return subprocess.run([*command, str(unit_file)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", UNITS)
def test_systemd_analyze_verify(name: str, scratch_root: Path) -> None:
    result = verify(scratch_root, scratch_root / "usr/lib/systemd/system" / name)
    # verify exits 0 on unknown keys and bad values; it only warns, so warnings fail too.
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_verify_catches_a_misspelt_key(scratch_root: Path) -> None:
    bad = scratch_root / "usr/lib/systemd/system/jhcis-typo.service"
    bad.write_text(
        (UNIT_DIR / "jhcis-kiosk.service").read_text().replace("WatchdogSec", "WatchdgSec")
    )
    result = verify(scratch_root, bad)
    assert "WatchdgSec" in result.stderr


def test_kiosk_is_a_watched_notify_service() -> None:
    service = unit("jhcis-kiosk.service")["Service"]
    assert service["Type"] == "notify"
    assert int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "always"
    assert service["User"] == "kiosk"
    assert service["ExecStart"].startswith(
        VENV_BIN + "kiosk --config /etc/jhcis-kiosk/config.toml run"
    )
    assert "kmsdrm" in service["Environment"]


def test_kiosk_hardening_leaves_gpu_input_and_reader_reachable() -> None:
    text = (UNIT_DIR / "jhcis-kiosk.service").read_text()
    service = unit("jhcis-kiosk.service")["Service"]
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes"
    assert service["PrivateDevices"] == "no"  # yes would hide /dev/dri and /dev/input
    assert service["DevicePolicy"] == "closed"
    for device in ("DeviceAllow=char-drm rw", "DeviceAllow=char-input r"):
        assert device in text
    assert "DeviceAllow=char-alsa rw" in text  # the voice prompts (aplay)
    assert "AF_UNIX" in service["RestrictAddressFamilies"]  # pcscd's socket
    assert {"video", "render", "input", "audio"} <= set(service["SupplementaryGroups"].split())
    crash_loop = unit("jhcis-kiosk.service")["Unit"]
    assert crash_loop["StartLimitAction"] == "reboot"


def test_mark_good_waits_for_the_kiosk_being_ready() -> None:
    mark = unit("jhcis-kiosk-mark-good.service")
    # After= a Type=notify unit means: only once the kiosk has sent READY=1.
    assert mark["Unit"]["After"] == "jhcis-kiosk.service"
    assert mark["Unit"]["Requires"] == "jhcis-kiosk.service"
    # mark-good, not mark-active: an update installed meanwhile stays first (unit's comment)
    assert mark["Service"]["ExecStart"] == "/usr/bin/rauc status mark-good booted"
    # The update agent reports success only once this boot's confirmation is there.
    assert mark["Service"]["ExecStartPost"] == f"/bin/mkdir -p {MARKED_GOOD}"


@pytest.mark.parametrize(
    "timer",
    [
        "jhcis-claims-sync.timer",
        "jhcis-reminders.timer",
        "jhcis-phr.timer",
        "jhcis-retention.timer",
    ],
)
def test_timers_are_persistent_and_have_their_service(timer: str) -> None:
    assert unit(timer)["Timer"]["Persistent"] == "yes"
    assert (UNIT_DIR / timer.replace(".timer", ".service")).exists()


def test_batch_jobs_call_the_backoffice_commands() -> None:
    reminders = unit("jhcis-reminders.service")["Service"]["ExecStart"]
    assert reminders.endswith(
        "backoffice --config /etc/jhcis-kiosk/config.toml reminders send --days 1 --check-ic"
    )
    sync = unit("jhcis-claims-sync.service")["Service"]["ExecStart"]
    assert sync == "/usr/lib/jhcis-kiosk/backoffice-today claims sync --date"
    # --days 2: a visit finished after midnight still goes; the date comes last (appended)
    phr = unit("jhcis-phr.service")["Service"]["ExecStart"]
    assert phr == "/usr/lib/jhcis-kiosk/backoffice-today phr send --days 2 --date"


def test_backoffice_serves_https_only_with_the_device_certificate() -> None:
    """Issue 19: HTTPS on 8443 with the pair `tls ensure` makes (or the clinic's own);
    plain HTTP on 8080 only redirects. Both are on the command line, whatever the
    configuration file says, and `serve` refuses half a pair."""
    service = unit("jhcis-backoffice.service")["Service"]
    tls_dir = "/var/lib/jhcis-kiosk/tls"
    assert service["ExecStartPre"].endswith(f"tls ensure --dir {tls_dir}")
    start = service["ExecStart"].split()
    assert start[start.index("--port") + 1] == "8443"
    assert start[start.index("--tls-cert") + 1] == f"{tls_dir}/backoffice.crt"
    assert start[start.index("--tls-key") + 1] == f"{tls_dir}/backoffice.key"
    assert start[start.index("--http-redirect-port") + 1] == "8080"
    assert service["ReadWritePaths"] == "/var/lib/jhcis-kiosk"  # where tls ensure writes


def test_retention_purge_runs_daily_as_the_service_user() -> None:
    service = unit("jhcis-retention.service")["Service"]
    assert service["ExecStart"].endswith(
        "backoffice --config /etc/jhcis-kiosk/config.toml retention purge"
    )
    assert service["User"] == "kiosk" and service["UMask"] == "0077"


def test_backoffice_today_appends_the_local_date(tmp_path: Path) -> None:
    script = (OVERLAY / "usr/lib/jhcis-kiosk/backoffice-today").read_text()
    fake = tmp_path / "backoffice"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    runnable = tmp_path / "today"
    runnable.write_text(script.replace("/opt/jhcis-kiosk/venv/bin/backoffice", str(fake)))
    runnable.chmod(0o755)
    out = subprocess.run(
        [str(runnable), "claims", "sync", "--date"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "TZ": "Asia/Bangkok"},
    ).stdout.split()
    today = subprocess.run(
        ["date", "+%F"], capture_output=True, text=True, check=True, env={"TZ": "Asia/Bangkok"}
    ).stdout.strip()
    assert out == ["--config", "/etc/jhcis-kiosk/config.toml", "claims", "sync", "--date", today]


def test_every_unit_with_install_section_is_preset_enabled() -> None:
    preset = (OVERLAY / "usr/lib/systemd/system-preset/50-jhcis-kiosk.preset").read_text().split()
    for name in UNITS:
        if unit(name).has_section("Install"):
            assert name in preset, f"{name} is installable but never enabled"


def test_no_vt_switch_keymap_parses() -> None:
    keymap = OVERLAY / "usr/lib/jhcis-kiosk/no-vt-switch.map"
    result = subprocess.run(
        ["loadkeys", "--parse", str(keymap)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "alt keycode 59 = VoidSymbol" in keymap.read_text()  # Alt+F1
