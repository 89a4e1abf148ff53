"""The image build's bookkeeping: package lists, disk layout, size budget.

Called by the Makefile and the shell scripts next to it; stdlib only, so it runs with
the build machine's python3 before any virtual environment exists.

    imagebuild.py packages --arch amd64 [--quick | --flavour ci]   one package per line
    imagebuild.py flavour --arch amd64 --flavour ci --field overlay  a flavour's setting
    imagebuild.py genimage --arch amd64 --stage DIR --out FILE
    imagebuild.py budget --arch amd64 --rootfs DIR  fail when the rootfs outgrows its slot
    imagebuild.py key                                a hash of the manifest (cache key)
    imagebuild.py boot-config --arch amd64 --template FILE --out FILE
    imagebuild.py requirements [--skip NAME ...]    the project's runtime requirements
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
MANIFEST = HERE / "manifest.toml"
ARCHES = ("amd64", "arm64")
# GPT type GUIDs (UEFI spec / Discoverable Partitions Specification).
ESP_TYPE = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
ROOT_TYPE = {
    "amd64": "4f68bce3-e8cd-4db1-96e7-fbcaf984b709",
    "arm64": "b921b045-1df0-41c3-af44-4c6f280d3fae",
}
LINUX_DATA_TYPE = "0fc63daf-8483-4772-8e79-3d69d8477de4"
PI_DISK_SIGNATURE = "0x4a43c154"  # fixed, so that the boot script can name PARTUUIDs
# Fixed partition UUIDs, so that grub.cfg can name root=PARTUUID=... before any boot.
ROOTFS_UUID = {
    "A": "6a0f2b1e-4b53-4f1d-9a61-0c2a3b4c5d01",
    "B": "6a0f2b1e-4b53-4f1d-9a61-0c2a3b4c5d02",
}


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def packages(
    arch: str,
    quick: bool,
    manifest: dict[str, Any] | None = None,
    *,
    flavour: str | None = None,
) -> list[str]:
    """Every package for `arch`; `quick` leaves out heavy groups, kernels and firmware.

    `flavour` (a [flavours.NAME] section) starts from the release list and swaps the
    packages it removes for the ones it adds.
    """
    if arch not in ARCHES:
        raise ValueError(f"unknown architecture {arch!r}; expected one of {ARCHES}")
    data = manifest if manifest is not None else load_manifest()
    chosen: list[str] = []
    for group in data["groups"].values():
        if quick and group.get("heavy", False):
            continue
        chosen += group["packages"]
    per_arch = data["arch"][arch]
    chosen += per_arch["packages"]
    if not quick:
        chosen += per_arch.get("heavy", [])
    if flavour is not None:
        if quick:
            raise ValueError("a flavour builds on the release list, not on the quick one")
        spec = flavour_spec(flavour, arch, data)
        unknown = set(spec.get("remove", [])) - set(chosen)
        if unknown:
            raise ValueError(f"flavour {flavour!r} removes unlisted packages: {sorted(unknown)}")
        chosen = [p for p in chosen if p not in set(spec.get("remove", []))]
        chosen += spec.get("add", [])
    seen: set[str] = set()
    unique = [p for p in chosen if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
    forbidden = set(data["forbidden"]["packages"]) & set(unique)
    if forbidden:
        raise ValueError(f"manifest lists forbidden packages: {sorted(forbidden)}")
    return unique


def flavour_spec(name: str, arch: str, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """The [flavours.NAME] section, checked against `arch`."""
    data = manifest if manifest is not None else load_manifest()
    flavours: dict[str, dict[str, Any]] = data.get("flavours", {})
    if name not in flavours:
        raise ValueError(f"unknown flavour {name!r}; the manifest has {sorted(flavours)}")
    spec = flavours[name]
    if arch not in spec.get("arches", ARCHES):
        raise ValueError(f"flavour {name!r} is not built for {arch}")
    return spec


def manifest_key(arch: str, quick: bool) -> str:
    """Changes whenever anything that goes into the bootstrap tarball changes."""
    digest = hashlib.sha256(MANIFEST.read_bytes())
    digest.update(f"{arch}:{quick}".encode())
    return digest.hexdigest()[:16]


def genimage_config(arch: str, stage: Path, manifest: dict[str, Any] | None = None) -> str:
    """genimage configuration: boot, rootfs A, rootfs B, data.

    `stage` holds boot/ (the boot partition's files), root/ (one slot's tree, /boot/efi
    or /boot/firmware left empty) and data/ (the data partition's skeleton).
    amd64: GPT with an ESP; GRUB picks the slot. arm64 (Raspberry Pi 4): MBR, because
    the Pi firmware reads the FAT partition from an MBR most reliably; U-Boot picks the slot.
    """
    budget = (manifest if manifest is not None else load_manifest())["budget"]
    boot, slot, data = budget["boot_mib"], budget["rootfs_slot_mib"], budget["data_mib"]
    fs_images = f"""
image boot.vfat {{
  vfat {{
    label = "KIOSKBOOT"
  }}
  srcpath = "{stage / "boot"}"
  size = {boot}M
}}

image rootfs.ext4 {{
  ext4 {{
    label = "kiosk-root"
    use-mke2fs = true
    extraargs = "-O ^metadata_csum_seed,^orphan_file"
  }}
  srcpath = "{stage / "root"}"
  size = {slot}M
}}

image data.ext4 {{
  ext4 {{
    label = "kioskdata"
    use-mke2fs = true
  }}
  srcpath = "{stage / "data"}"
  size = {data}M
}}
"""
    if arch == "amd64":
        table = f"""
image jhcis-kiosk-amd64.img {{
  hdimage {{
    partition-table-type = "gpt"
  }}
  partition esp {{
    image = "boot.vfat"
    partition-type-uuid = "{ESP_TYPE}"
    bootable = true
  }}
  partition rootfs-a {{
    image = "rootfs.ext4"
    partition-type-uuid = "{ROOT_TYPE[arch]}"
    partition-uuid = "{ROOTFS_UUID["A"]}"
  }}
  partition rootfs-b {{
    image = "rootfs.ext4"
    partition-type-uuid = "{ROOT_TYPE[arch]}"
    partition-uuid = "{ROOTFS_UUID["B"]}"
  }}
  partition data {{
    image = "data.ext4"
    partition-type-uuid = "{LINUX_DATA_TYPE}"
  }}
}}
"""
    else:
        table = f"""
image jhcis-kiosk-arm64.img {{
  hdimage {{
    partition-table-type = "mbr"
    disk-signature = {PI_DISK_SIGNATURE}
  }}
  partition boot {{
    image = "boot.vfat"
    partition-type = 0x0C
    bootable = true
  }}
  partition rootfs-a {{
    image = "rootfs.ext4"
    partition-type = 0x83
  }}
  partition rootfs-b {{
    image = "rootfs.ext4"
    partition-type = 0x83
  }}
  partition data {{
    image = "data.ext4"
    partition-type = 0x83
  }}
}}
"""
    return fs_images + table


def requirements(skip: list[str], pyproject: Path = HERE.parent / "pyproject.toml") -> list[str]:
    """The project's runtime requirements from pyproject.toml, minus `skip` (by name)."""
    deps: list[str] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    unwanted = {name.lower() for name in skip}

    def name_of(req: str) -> str:
        return re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower()

    return [req for req in deps if name_of(req) not in unwanted]


def boot_config(template: str) -> str:
    """Fill the partition identities into grub.cfg / boot.cmd."""
    filled = (
        template.replace("@ROOTFS_A_UUID@", ROOTFS_UUID["A"])
        .replace("@ROOTFS_B_UUID@", ROOTFS_UUID["B"])
        .replace("@PI_DISK_ID@", PI_DISK_SIGNATURE.removeprefix("0x"))
    )
    if "@" in "".join(line for line in filled.splitlines() if not line.lstrip().startswith("#")):
        raise ValueError("boot configuration template has an unfilled @PLACEHOLDER@")
    return filled


def tree_size_mib(root: Path) -> float:
    """Apparent size of a directory tree (files counted once, symlinks not followed)."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total / (1024 * 1024)


def check_budget(rootfs_mib: float, manifest: dict[str, Any] | None = None) -> str | None:
    """None when the rootfs fits its slot with headroom, else what is wrong."""
    budget = (manifest if manifest is not None else load_manifest())["budget"]
    limit = budget["rootfs_slot_mib"] * budget["rootfs_fill"]
    if rootfs_mib > limit:
        return (
            f"root filesystem is {rootfs_mib:.0f} MiB; a slot of {budget['rootfs_slot_mib']} MiB "
            f"allows {limit:.0f} MiB ({budget['rootfs_fill']:.0%}) so updates keep headroom"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imagebuild.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("packages")
    p.add_argument("--arch", required=True, choices=ARCHES)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--flavour", default=None)
    p.add_argument("--separator", default="\n")
    fl = sub.add_parser("flavour")
    fl.add_argument("--arch", required=True, choices=ARCHES)
    fl.add_argument("--flavour", required=True)
    fl.add_argument("--field", required=True)
    g = sub.add_parser("genimage")
    g.add_argument("--arch", required=True, choices=ARCHES)
    g.add_argument("--stage", required=True, type=Path)
    g.add_argument("--out", required=True, type=Path)
    b = sub.add_parser("budget")
    b.add_argument("--rootfs", required=True, type=Path)
    c = sub.add_parser("boot-config")
    c.add_argument("--arch", required=True, choices=ARCHES)
    c.add_argument("--template", required=True, type=Path)
    c.add_argument("--out", required=True, type=Path)
    r = sub.add_parser("requirements")
    r.add_argument("--skip", action="append", default=[])
    k = sub.add_parser("key")
    k.add_argument("--arch", required=True, choices=ARCHES)
    k.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "packages":
        print(args.separator.join(packages(args.arch, args.quick, flavour=args.flavour)))
    elif args.command == "flavour":
        print(flavour_spec(args.flavour, args.arch).get(args.field, ""))
    elif args.command == "genimage":
        args.out.write_text(genimage_config(args.arch, args.stage.resolve()), encoding="utf-8")
    elif args.command == "budget":
        size = tree_size_mib(args.rootfs)
        problem = check_budget(size)
        print(f"root filesystem: {size:.0f} MiB")
        if problem:
            print(problem, file=sys.stderr)
            return 1
    elif args.command == "boot-config":
        args.out.write_text(
            boot_config(args.template.read_text(encoding="utf-8")), encoding="utf-8"
        )
    elif args.command == "requirements":
        print("\n".join(requirements(args.skip)))
    elif args.command == "key":
        print(manifest_key(args.arch, args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
