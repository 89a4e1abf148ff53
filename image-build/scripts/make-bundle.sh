#!/usr/bin/env bash
# A signed RAUC bundle (verity format) holding one root filesystem image.
#   make-bundle.sh ARCH ROOTFS_EXT4 VERSION CERT KEY OUT.raucb
set -euo pipefail
ARCH=$1
ROOTFS_IMG=$2
VERSION=$3
CERT=$4
KEY=$5
OUT=$6
HERE=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/content"
# The slot image is copied (not linked): mksquashfs must see the real file.
cp --sparse=always "$ROOTFS_IMG" "$work/content/rootfs.ext4"
sed -e "s/@ARCH@/$ARCH/g" -e "s/@VERSION@/$VERSION/g" -e "s/@BUILD@/$(date -u +%Y%m%dT%H%M%SZ)/g" \
  "$HERE/rauc/manifest.raucm.in" > "$work/content/manifest.raucm"
rm -f "$OUT"
# MKSQUASHFS_ARGS: e.g. "-comp lz4" where only the signature matters (CI's check); releases
# keep RAUC's default compression (smaller downloads for the clinics).
squashfs_args=()
[ -n "${MKSQUASHFS_ARGS:-}" ] && squashfs_args=(--mksquashfs-args="$MKSQUASHFS_ARGS")
rauc bundle --cert="$CERT" --key="$KEY" --keyring="$CERT" "${squashfs_args[@]}" "$work/content" "$OUT"
echo "bundle: $OUT"
