"""Assertions on a built root filesystem, its disk image and its update bundle.

Without IMAGE_ROOTFS this module builds the small CI root filesystem itself
(mmdebstrap, about two minutes here: every unit, user and configuration file and the
project's venv, without kernel, firmware and graphics stack). `make -C image-build
check-image-rootfs` runs the same assertions on the full image's root filesystem.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.image.conftest import IMAGE_BUILD, load_script

imagebuild = load_script(IMAGE_BUILD / "scripts" / "imagebuild.py", "imagebuild")

# Building the CI root filesystem took 1m45s-4m35s here (mostly downloads), assembling
# and bundling another 3 minutes: too much for every `make test`, so it is opt-in.
ENABLED = bool(os.environ.get("IMAGE_ROOTFS") or os.environ.get("IMAGE_BUILD_ROOTFS") == "1")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        not ENABLED,
        reason="root filesystem checks are opt-in: make -C image-build check-rootfs "
        "(or IMAGE_BUILD_ROOTFS=1 / IMAGE_ROOTFS=DIR)",
    ),
]

ARCH = os.environ.get("IMAGE_ARCH", "amd64")
FLAVOUR = os.environ.get("IMAGE_FLAVOUR") or None  # a [flavours.NAME] of manifest.toml
VENV = "opt/jhcis-kiosk/venv"
MANIFEST = imagebuild.load_manifest()


def _need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing build tools {missing}: run bash scripts/install-system-deps.sh")


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("image-build")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def rootfs(build_dir: Path) -> Path:
    given = os.environ.get("IMAGE_ROOTFS")
    if given:
        return Path(given)
    if os.geteuid() != 0:
        pytest.skip("building a root filesystem needs root (CI and make test run as root)")
    _need("mmdebstrap", "git")
    subprocess.run(
        ["bash", str(IMAGE_BUILD / "scripts/dev-keys.sh"), str(build_dir / "keys")], check=True
    )
    env = {
        **os.environ,
        "BUILD_DIR": str(build_dir),
        "KEYRING": str(build_dir / "keys/dev-ca.cert.pem"),
    }
    target = build_dir / "rootfs"
    subprocess.run(
        ["bash", str(IMAGE_BUILD / "scripts/build-rootfs.sh"), ARCH, str(target), "quick"],
        check=True,
        env=env,
        timeout=900,
    )
    return target


@pytest.fixture(scope="module")
def quick() -> bool:
    if FLAVOUR is not None:
        return False
    return os.environ.get("IMAGE_ROOTFS") is None or os.environ.get("IMAGE_QUICK") == "1"


def test_flavour_drop_ins_only_in_their_flavour(rootfs: Path) -> None:
    drop_in = rootfs / "usr/lib/systemd/system/jhcis-kiosk.service.d/50-ci-offscreen.conf"
    assert drop_in.exists() == (FLAVOUR == "ci")
    if FLAVOUR == "ci":
        kernels = sorted(p.name for p in (rootfs / "boot").glob("vmlinuz-*"))
        assert kernels and all(k.endswith("-cloud-amd64") for k in kernels), kernels
        # No compiler came in for pyscard: its wheel was built on the build machine.
        assert not (rootfs / "usr/bin/gcc").exists()
        assert list((rootfs / VENV).glob("lib/python3*/site-packages/smartcard/scard/_scard*.so"))


def installed_packages(root: Path) -> set[str]:
    out = subprocess.run(
        ["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "-f=${Package} ${Status}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.endswith("install ok installed")}


def test_manifest_packages_are_installed(rootfs: Path, quick: bool) -> None:
    installed = installed_packages(rootfs)
    wanted = set(imagebuild.packages(ARCH, quick=quick and FLAVOUR is None, flavour=FLAVOUR))
    assert wanted - installed == set()


def test_no_simulator_and_no_build_tool_in_the_image(rootfs: Path) -> None:
    installed = installed_packages(rootfs)
    assert set(MANIFEST["forbidden"]["packages"]) & installed == set()
    for path in MANIFEST["forbidden"]["paths"]:
        assert not (rootfs / path).exists(), path
    drivers = rootfs / "usr/lib/pcsc/drivers"
    names = [p.name.lower() for p in drivers.rglob("*")] if drivers.exists() else []
    assert not [n for n in names if "vpcd" in n]


def test_project_is_installed_in_its_venv(rootfs: Path) -> None:
    for script in ("kiosk", "backoffice"):
        path = rootfs / VENV / "bin" / script
        assert path.exists(), script
        assert path.read_text().startswith(f"#!/{VENV}/bin/python")
    cfg = (rootfs / VENV / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg  # Debian's python3-systemd/kivy


def test_voice_prompts_are_rendered_and_espeak_ng_is_gone(rootfs: Path) -> None:
    from common.speech import wav
    from kiosk.voice.catalogue import file_names

    voice = rootfs / "usr/share/jhcis-kiosk/voice"
    for name in file_names():
        info = wav.wav_info(voice / name)
        assert info.duration_s > (0.05 if name.startswith("tone_") else 0.5), name
    # the waiting-room board's announcement clips (issue 21): numbers, phrases, points
    for name in ("call-chime.wav", "call-invite.th.wav", "call-num-d1.th.wav"):
        assert wav.wav_info(voice / name).duration_s > 0.1, name
    assert len(list(voice.glob("call-point-*.th.wav"))) >= 5
    installed = installed_packages(rootfs)
    assert "alsa-utils" in installed  # aplay
    assert not {p for p in installed if "espeak" in p}  # rendering is done at build time


def test_kiosk_user_and_locked_accounts(rootfs: Path) -> None:
    passwd = {
        line.split(":")[0]: line.split(":")
        for line in (rootfs / "etc/passwd").read_text().splitlines()
    }
    assert passwd["kiosk"][2] == "901"
    assert passwd["kiosk"][6] == "/usr/sbin/nologin"
    groups = {
        line.split(":")[0]: line.split(":")[3].split(",")
        for line in (rootfs / "etc/group").read_text().splitlines()
    }
    for group in ("video", "render", "input", "audio"):
        assert "kiosk" in groups[group], group
    shadow = {
        line.split(":")[0]: line.split(":")[1]
        for line in (rootfs / "etc/shadow").read_text().splitlines()
    }
    for user in ("root", "kioskadmin"):
        assert shadow[user].startswith(("!", "*")), f"{user} has a usable password"


def wants(rootfs: Path, target: str) -> set[str]:
    folder = rootfs / "etc/systemd/system" / f"{target}.wants"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_units_enabled_and_masked(rootfs: Path) -> None:
    assert {
        "jhcis-kiosk.service",
        "jhcis-backoffice.service",
        "jhcis-kiosk-mark-good.service",
    } <= wants(rootfs, "multi-user.target")
    timers = {
        "jhcis-claims-sync.timer", "jhcis-reminders.timer", "jhcis-phr.timer",
        "jhcis-retention.timer",
    }  # fmt: skip
    assert timers <= wants(rootfs, "timers.target")
    assert "jhcis-kiosk-provision.service" in wants(rootfs, "sysinit.target")
    assert "pcscd.socket" in wants(rootfs, "sockets.target")
    assert "systemd-timesyncd.service" in wants(rootfs, "sysinit.target")
    for masked in (
        "ctrl-alt-del.target",
        "getty@tty1.service",
        "apt-daily.timer",
        "debug-shell.service",
    ):
        link = rootfs / "etc/systemd/system" / masked
        assert link.is_symlink() and os.readlink(link) == "/dev/null", masked


def test_units_verify_inside_the_image(rootfs: Path) -> None:
    # Files only: the `ci` flavour adds a drop-in directory (verify reads it with its unit).
    units = sorted(
        p.name for p in (rootfs / "usr/lib/systemd/system").glob("jhcis-*") if p.is_file()
    )
    assert len(units) >= 10
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--generators=no", f"--root={rootfs}"]
        + [str(rootfs / "usr/lib/systemd/system" / u) for u in units],
        capture_output=True,
        text=True,
        check=False,
    )
    # The real binaries of the image this time (rauc, loadkeys, the venv's scripts).
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_nothing_secret_or_machine_specific(rootfs: Path) -> None:
    assert (rootfs / "etc/machine-id").read_text() == ""
    assert not list((rootfs / "etc/ssh").glob("ssh_host_*"))
    assert not (rootfs / "etc/jhcis-kiosk/secrets.toml").exists()
    assert not (rootfs / "etc/jhcis-kiosk/config.toml").exists()  # unprovisioned: kiosk stays off
    keyring = (rootfs / "etc/rauc/keyring.pem").read_text()
    assert "CERTIFICATE" in keyring and "PRIVATE" not in keyring
    # A real key: the PEM armour followed by base64 lines. Libraries that parse keys
    # (cryptography's serialization) carry the armour alone as a constant.
    pem_key = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]{64}")
    for folder in ("etc", "root", "opt", "usr/lib/jhcis-kiosk", "var/lib"):
        for path in (rootfs / folder).rglob("*"):
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 1_000_000:
                assert not pem_key.search(path.read_bytes()), path


def test_root_is_read_only_and_state_is_on_data(rootfs: Path) -> None:
    fstab = [line.split() for line in (rootfs / "etc/fstab").read_text().splitlines()]
    entries = {fields[1]: fields for fields in fstab if fields and not fields[0].startswith("#")}
    assert "/" not in entries  # root comes from the kernel command line, mounted ro
    assert entries["/data"][0] == "LABEL=kioskdata"
    for runtime, source in (
        ("/etc/jhcis-kiosk", "/data/etc/jhcis-kiosk"),
        ("/var/lib/jhcis-kiosk", "/data/kiosk"),
        ("/var/log/journal", "/data/journal"),
    ):
        assert entries[runtime][0] == source and "bind" in entries[runtime][3]
    journald = (rootfs / "etc/systemd/journald.conf.d/50-jhcis-kiosk.conf").read_text()
    assert "SystemMaxUse=" in journald
    assert (
        "RuntimeWatchdogSec=" in (rootfs / "etc/systemd/system.conf.d/50-watchdog.conf").read_text()
    )
    sshd = (rootfs / "etc/ssh/sshd_config.d/50-jhcis-kiosk.conf").read_text()
    assert "PasswordAuthentication no" in sshd


def test_provisioning_runs_inside_the_image(rootfs: Path, tmp_path: Path) -> None:
    """The image's own python, venv and users run the first boot against a fake boot partition."""
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    scratch = rootfs / "tmp/provision-test"
    boot, data = scratch / "boot", scratch / "data"
    shutil.rmtree(scratch, ignore_errors=True)
    boot.mkdir(parents=True)
    data.mkdir()
    example = (IMAGE_BUILD / "provision/kiosk-provision.example.toml").read_text(encoding="utf-8")
    (boot / "kiosk-provision.toml").write_text(
        example.replace('hcode = "00000"', 'hcode = "12345"')
    )
    try:
        result = subprocess.run(
            [
                "chroot",
                str(rootfs),
                f"/{VENV}/bin/python",
                "/usr/lib/jhcis-kiosk/provision.py",
                "--boot-dir",
                "/tmp/provision-test/boot",
                "--data-dir",
                "/tmp/provision-test/data",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        secrets = data / "etc/jhcis-kiosk/secrets.toml"
        st = secrets.stat()
        assert (st.st_uid, st.st_mode & 0o777) == (901, 0o600)
        assert not (boot / "kiosk-provision.toml").exists()
        config = tomllib.loads((data / "etc/jhcis-kiosk/config.toml").read_text())
        assert config["clinic"]["hcode"] == "12345"
        assert config["card"]["simulate"] is False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_size_budget(rootfs: Path) -> None:
    size = imagebuild.tree_size_mib(rootfs)
    assert imagebuild.check_budget(size) is None


@pytest.fixture(scope="module")
def disk_image(rootfs: Path, build_dir: Path) -> Path:
    if ARCH != "amd64":
        pytest.skip("the disk-image assertions cover the amd64 layout")
    given = os.environ.get("IMAGE_DIR")
    if given:  # already assembled from this rootfs (make -C image-build ci-image)
        return Path(given)
    _need("genimage", "mkfs.vfat", "mcopy", "grub-editenv", "sfdisk")
    out = build_dir / "assembled"
    subprocess.run(
        ["bash", str(IMAGE_BUILD / "scripts/assemble-image.sh"), ARCH, str(rootfs), str(out)],
        check=True,
        timeout=600,
    )
    return out / "images"


def test_disk_image_has_the_ab_layout(disk_image: Path) -> None:
    table = json.loads(
        subprocess.run(
            ["sfdisk", "--json", str(disk_image / "jhcis-kiosk-amd64.img")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["partitiontable"]
    assert table["label"] == "gpt"
    names = [p.get("name") for p in table["partitions"]]
    assert names == ["esp", "rootfs-a", "rootfs-b", "data"]
    uuids = {p["name"]: p["uuid"].lower() for p in table["partitions"]}
    assert uuids["rootfs-a"] == imagebuild.ROOTFS_UUID["A"]
    assert uuids["rootfs-b"] == imagebuild.ROOTFS_UUID["B"]
    mib = {p["name"]: p["size"] * 512 // (1024 * 1024) for p in table["partitions"]}
    assert mib["rootfs-a"] == mib["rootfs-b"] == MANIFEST["budget"]["rootfs_slot_mib"]


def test_boot_partition_boots_slot_a_first(disk_image: Path, tmp_path: Path) -> None:
    boot = disk_image / "boot.vfat"
    for name in ("grub.cfg", "grubenv", "BOOTX64.EFI"):
        subprocess.run(
            ["mcopy", "-i", str(boot), f"::EFI/BOOT/{name}", str(tmp_path / name)], check=True
        )
    listed = subprocess.run(
        ["grub-editenv", str(tmp_path / "grubenv"), "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    env = dict(line.split("=", 1) for line in listed.splitlines())
    assert env["ORDER"] == "A B"
    assert (env["A_OK"], env["A_TRY"], env["B_OK"], env["B_TRY"]) == ("1", "0", "1", "0")
    grub = (tmp_path / "grub.cfg").read_text()
    assert f"root=PARTUUID={imagebuild.ROOTFS_UUID['A']} rauc.slot=A" in grub
    assert 'set common="ro ' in grub  # every slot's root is mounted read-only
    listing = subprocess.run(
        ["mdir", "-i", str(boot), "::"], capture_output=True, text=True, check=True
    ).stdout
    assert "kiosk-provision" in listing.lower() or "KIOSK-~1" in listing


def debugfs(fs_image: Path, request: str) -> str:
    command = ["debugfs", "-R", request, str(fs_image)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_data_partition_skeleton(disk_image: Path) -> None:
    listing = debugfs(disk_image / "data.ext4", "ls -l /")
    for folder in ("etc", "kiosk", "journal", "systemd", "ssh", "rauc", "home"):
        assert f" {folder}" in listing, folder
    assert "User:   901" in debugfs(disk_image / "data.ext4", "stat /kiosk")


def test_signed_bundle_verifies_against_the_image_keyring(
    disk_image: Path, build_dir: Path, rootfs: Path
) -> None:
    _need("rauc", "mksquashfs")
    keys = build_dir / "keys"
    if not (keys / "dev-ca.key.pem").exists():
        subprocess.run(["bash", str(IMAGE_BUILD / "scripts/dev-keys.sh"), str(keys)], check=True)
    bundle = build_dir / "test.raucb"
    subprocess.run(
        [
            "bash",
            str(IMAGE_BUILD / "scripts/make-bundle.sh"),
            ARCH,
            str(disk_image / "rootfs.ext4"),
            "0.0.1-test",
            str(keys / "dev-ca.cert.pem"),
            str(keys / "dev-ca.key.pem"),
            str(bundle),
        ],
        check=True,
        timeout=600,
        # Only the signature is checked here: the fastest compression will do.
        env={**os.environ, "MKSQUASHFS_ARGS": "-comp lz4"},
    )
    info = subprocess.run(
        [
            "rauc",
            "info",
            "--output-format=json",
            f"--keyring={keys / 'dev-ca.cert.pem'}",
            str(bundle),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["compatible"] == f"jhcis-kiosk-{ARCH}"
    assert data["version"] == "0.0.1-test"
    # A bundle signed by someone else is refused.
    other = build_dir / "other-keys"
    subprocess.run(["bash", str(IMAGE_BUILD / "scripts/dev-keys.sh"), str(other)], check=True)
    refused = subprocess.run(
        ["rauc", "info", f"--keyring={other / 'dev-ca.cert.pem'}", str(bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
