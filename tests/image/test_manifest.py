"""The package manifest, the disk layout, the boot scripts and the RAUC configuration."""

from __future__ import annotations

import configparser
import copy
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.image.conftest import IMAGE_BUILD, OVERLAY, load_script

imagebuild = load_script(IMAGE_BUILD / "scripts" / "imagebuild.py", "imagebuild")
provision = load_script(OVERLAY / "usr/lib/jhcis-kiosk/provision.py", "jhcis_provision")
MANIFEST = imagebuild.load_manifest()


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_one_manifest_with_per_arch_additions(arch: str) -> None:
    full = imagebuild.packages(arch, quick=False)
    quick = imagebuild.packages(arch, quick=True)
    for needed in (
        "pcscd",
        "fonts-thai-tlwg",
        "python3-icu",  # the wheel's PyICU: Thai line breaks on screens and tickets
        "python3-systemd",
        "rauc",
        "rauc-service",  # rauc install/status talk to it over D-Bus
        "systemd-timesyncd",
        "openssh-server",
    ):
        assert needed in quick
    assert "python3-kivy" in full and "python3-kivy" not in quick
    assert len(full) == len(set(full))
    other = "arm64" if arch == "amd64" else "amd64"
    assert not set(MANIFEST["arch"][other]["heavy"]) & set(full)


def test_kernels_and_bootloaders_per_arch() -> None:
    amd64, arm64 = (
        imagebuild.packages("amd64", quick=False),
        imagebuild.packages("arm64", quick=False),
    )
    assert {"linux-image-amd64", "grub-efi-amd64-bin"} <= set(amd64)
    assert {"linux-image-arm64", "raspi-firmware", "u-boot-rpi", "libubootenv-tool"} <= set(arm64)


def test_ci_flavour_swaps_only_the_kernel_and_microcode() -> None:
    release = imagebuild.packages("amd64", quick=False)
    ci = imagebuild.packages("amd64", quick=False, flavour="ci")
    assert set(release) - set(ci) == {"linux-image-amd64", "intel-microcode", "amd64-microcode"}
    assert set(ci) - set(release) == {"linux-image-cloud-amd64"}
    spec = imagebuild.flavour_spec("ci", "amd64")
    drop_ins = IMAGE_BUILD / spec["overlay"] / "usr/lib/systemd/system/jhcis-kiosk.service.d"
    assert [p.name for p in drop_ins.iterdir()] == ["50-ci-offscreen.conf"]


def test_flavours_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown flavour"):
        imagebuild.packages("amd64", quick=False, flavour="nightly")
    with pytest.raises(ValueError, match="not built for arm64"):
        imagebuild.packages("arm64", quick=False, flavour="ci")
    with pytest.raises(ValueError, match="quick"):
        imagebuild.packages("amd64", quick=True, flavour="ci")
    broken = copy.deepcopy(MANIFEST)
    broken["flavours"]["ci"]["remove"].append("no-such-package")
    with pytest.raises(ValueError, match="no-such-package"):
        imagebuild.packages("amd64", quick=False, manifest=broken, flavour="ci")


def test_forbidden_packages_are_refused() -> None:
    broken = copy.deepcopy(MANIFEST)
    broken["groups"]["base"]["packages"].append("vsmartcard-vpcd")
    with pytest.raises(ValueError, match="vsmartcard-vpcd"):
        imagebuild.packages("amd64", quick=True, manifest=broken)


def test_unknown_arch_is_refused() -> None:
    with pytest.raises(ValueError, match="riscv64"):
        imagebuild.packages("riscv64", quick=True)


def test_size_budget_keeps_update_headroom() -> None:
    slot = MANIFEST["budget"]["rootfs_slot_mib"]
    assert imagebuild.check_budget(slot * 0.5) is None
    problem = imagebuild.check_budget(slot * 0.95)
    assert problem is not None and str(slot) in problem


def test_requirements_skip_by_name() -> None:
    reqs = imagebuild.requirements(["pyscard", "kivy"])
    names = [r.split("~")[0].split(">")[0].lower() for r in reqs]
    assert "pyscard" not in names and "kivy" not in names
    assert "pydantic" in names and "sqlalchemy" in names


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_genimage_layout(arch: str, tmp_path: Path) -> None:
    text = imagebuild.genimage_config(arch, tmp_path)
    for part in ("rootfs-a", "rootfs-b", "data"):
        assert f"partition {part} {{" in text
    assert 'label = "KIOSKBOOT"' in text and 'label = "kioskdata"' in text
    assert f"size = {MANIFEST['budget']['rootfs_slot_mib']}M" in text
    assert ("gpt" if arch == "amd64" else "mbr") in text
    # GRUB 2.06 cannot read ext4 with metadata_csum_seed (mke2fs 1.47's default).
    assert "^metadata_csum_seed" in text


def test_boot_configs_name_the_same_partitions_as_the_disk() -> None:
    grub = imagebuild.boot_config((IMAGE_BUILD / "boot/grub-amd64.cfg").read_text())
    assert f"root=PARTUUID={imagebuild.ROOTFS_UUID['A']} rauc.slot=A" in grub
    assert f"root=PARTUUID={imagebuild.ROOTFS_UUID['B']} rauc.slot=B" in grub
    assert "gpt2" in grub and "gpt3" in grub
    assert "save_env" in grub and "A_TRY" in grub
    uboot = imagebuild.boot_config((IMAGE_BUILD / "boot/boot-arm64.cmd").read_text())
    assert "root=PARTUUID=4a43c154-0${bootpart}" in uboot
    assert "saveenv" in uboot and "BOOT_A_LEFT" in uboot


def test_grub_script_parses(tmp_path: Path) -> None:
    cfg = tmp_path / "grub.cfg"
    cfg.write_text(imagebuild.boot_config((IMAGE_BUILD / "boot/grub-amd64.cfg").read_text()))
    result = subprocess.run(
        ["grub-script-check", str(cfg)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cfg.write_text("if [ x = y ]; then\n  echo unterminated\n")
    assert (
        subprocess.run(["grub-script-check", str(cfg)], capture_output=True, check=False).returncode
        != 0
    )


def test_unfilled_placeholder_is_an_error() -> None:
    with pytest.raises(ValueError, match="PLACEHOLDER"):
        imagebuild.boot_config("linux /boot/vmlinuz root=@NOPE@\n")


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_rauc_system_conf_matches_the_layout(arch: str) -> None:
    conf = configparser.ConfigParser()
    conf.read(IMAGE_BUILD / f"overlay-{arch}/etc/rauc/system.conf")
    assert conf["system"]["compatible"] == f"jhcis-kiosk-{arch}"
    assert conf["system"]["bootloader"] == ("grub" if arch == "amd64" else "uboot")
    assert conf["system"]["bundle-formats"] == "-plain"  # signed verity bundles only
    assert conf["keyring"]["path"] == "/etc/rauc/keyring.pem"
    assert {conf["slot.rootfs.0"]["bootname"], conf["slot.rootfs.1"]["bootname"]} == {"A", "B"}
    assert conf["system"]["data-directory"].startswith("/data/")
    manifest_in = (IMAGE_BUILD / "rauc/manifest.raucm.in").read_text()
    assert "compatible=jhcis-kiosk-@ARCH@" in manifest_in and "format=verity" in manifest_in


def test_provisioning_example_is_accepted() -> None:
    raw = tomllib.loads(
        (IMAGE_BUILD / "provision/kiosk-provision.example.toml").read_text(encoding="utf-8")
    )
    plan = provision.plan_from(raw)
    assert plan.config["card"]["simulate"] is False
    assert plan.config["printer"]["simulate"] is False
    assert plan.config["nhso"]["mode"] == "agent"
    assert "database_password" in plan.secrets
    assert ":3333/jhcisdb" in plan.config["database"]["url"]


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_fstab_keeps_root_read_only_and_writable_paths_elsewhere(arch: str) -> None:
    lines = (IMAGE_BUILD / f"overlay-{arch}/etc/fstab").read_text().splitlines()
    entries = {f[1]: f for f in (line.split() for line in lines) if f and not f[0].startswith("#")}
    assert "/" not in entries  # the slot comes from root=PARTUUID=... ro
    boot = "/boot/efi" if arch == "amd64" else "/boot/firmware"
    assert entries[boot][0] == "LABEL=KIOSKBOOT" and "umask=0077" in entries[boot][3]
    # PrivateTmp= and every program's scratch files need these on a read-only root.
    for scratch in ("/tmp", "/var/tmp"):
        assert entries[scratch][2] == "tmpfs"
    binds = {"/etc/jhcis-kiosk", "/var/lib/jhcis-kiosk", "/var/log/journal", "/var/lib/systemd"}
    for target in binds:
        assert entries[target][0].startswith("/data/") and "bind" in entries[target][3]
    # The provisioning service's boot-partition paths match this arch's mount point.
    unit = (OVERLAY / "usr/lib/systemd/system/jhcis-kiosk-provision.service").read_text()
    assert f"ConditionPathExists=|{boot}/kiosk-provision.toml" in unit
