#!/usr/bin/env bash
# Lay out boot, rootfs A, rootfs B and data from a built root filesystem, then let
# genimage write the disk image (mke2fs -d and mtools: no loop devices, no mounts).
#   assemble-image.sh ARCH ROOTFS OUTDIR
set -euo pipefail
ARCH=$1
ROOTFS=$(cd "$2" && pwd)
OUT=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
IB="$HERE/scripts/imagebuild.py"
stage="$OUT/stage"
rm -rf "$stage" "$OUT/genimage-tmp" && mkdir -p "$stage/boot" "$stage/data" "$OUT/images" "$OUT/empty"

# --- the boot partition ---------------------------------------------------------------
if [ "$ARCH" = amd64 ]; then
  install -d "$stage/boot/EFI/BOOT"
  install -m 0644 "$ROOTFS/usr/lib/jhcis-kiosk/BOOTX64.EFI" "$stage/boot/EFI/BOOT/BOOTX64.EFI"
  "$PY" "$IB" boot-config --arch amd64 --template "$HERE/boot/grub-amd64.cfg" --out "$stage/boot/EFI/BOOT/grub.cfg"
  env="$stage/boot/EFI/BOOT/grubenv"
  grub-editenv "$env" create
  grub-editenv "$env" set ORDER="A B" A_OK=1 B_OK=1 A_TRY=0 B_TRY=0
else
  cp -a "$ROOTFS/boot/firmware/." "$stage/boot/"
  rm -f "$stage/boot/"vmlinuz* "$stage/boot/"initrd.img* "$stage/boot/cmdline.txt"
  install -m 0644 "$ROOTFS/usr/lib/u-boot/rpi_arm64/u-boot.bin" "$stage/boot/u-boot.bin"
  install -m 0644 "$HERE/boot/config-arm64.txt" "$stage/boot/config.txt"
  "$PY" "$IB" boot-config --arch arm64 --template "$HERE/boot/boot-arm64.cmd" --out "$OUT/boot.cmd"
  mkimage -A arm64 -O linux -T script -C none -n "jhcis-kiosk A/B" -d "$OUT/boot.cmd" "$stage/boot/boot.scr" >/dev/null
fi
install -m 0644 "$HERE/provision/kiosk-provision.example.toml" "$stage/boot/kiosk-provision.example.toml"

# --- the data partition's skeleton (owners as in the image's /etc/passwd) ---------------
kiosk_uid=$(awk -F: '$1 == "kiosk" { print $3 }' "$ROOTFS/etc/passwd")
journal_gid=$(awk -F: '$1 == "systemd-journal" { print $3 }' "$ROOTFS/etc/group")
install -d -m 0750 -o 0 -g "$kiosk_uid" "$stage/data/etc/jhcis-kiosk"
install -d -m 0750 -o "$kiosk_uid" -g "$kiosk_uid" "$stage/data/kiosk" "$stage/data/kiosk/kivy"
install -d -m 2755 -o 0 -g "$journal_gid" "$stage/data/journal"
install -d -m 0755 "$stage/data/ssh/authorized_keys" "$stage/data/systemd"
install -d -m 0700 "$stage/data/rauc" "$stage/data/provision"
admin_uid=$(awk -F: '$1 == "kioskadmin" { print $3 }' "$ROOTFS/etc/passwd")
install -d -m 0700 -o "$admin_uid" -g "$admin_uid" "$stage/data/home/kioskadmin"
cp -a "$ROOTFS/var/lib/systemd/." "$stage/data/systemd/"

# --- genimage ---------------------------------------------------------------------------
ln -sfn "$ROOTFS" "$stage/root"
"$PY" "$IB" genimage --arch "$ARCH" --stage "$stage" --out "$OUT/genimage.cfg"
genimage --config "$OUT/genimage.cfg" --rootpath "$OUT/empty" --tmppath "$OUT/genimage-tmp" \
  --inputpath "$OUT/images" --outputpath "$OUT/images"
rm -rf "$OUT/genimage-tmp"
ls -l "$OUT/images"
