#!/usr/bin/env bash
# Build one root filesystem tree with mmdebstrap from Debian packages only.
#   build-rootfs.sh ARCH OUTDIR [full|quick|ci]
# full  = the release image.
# quick = every unit, user and configuration file, the project in its virtual
#         environment, but no kernel, firmware or graphics stack (see manifest.toml).
# ci    = the `ci` flavour of manifest.toml: the release image with a cloud kernel,
#         booted in QEMU by CI; pyscard comes as a wheel compiled on this (Debian 12,
#         same Python minor) build machine, so no compiler enters the tree.
set -euo pipefail
ARCH=$1
OUT=$2
MODE=${3:-full}
HERE=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(cd "$HERE/.." && pwd)
BUILD=${BUILD_DIR:-$HERE/build}
PY=${PYTHON:-python3}

mode_flag=()
case "$MODE" in
  full) ;;
  quick) mode_flag=(--quick) ;;
  ci) mode_flag=(--flavour ci) ;;
  *) echo "unknown mode $MODE (full, quick or ci)" >&2; exit 2 ;;
esac
packages=$("$PY" "$HERE/scripts/imagebuild.py" packages --arch "$ARCH" "${mode_flag[@]}" --separator ,)
suite=$("$PY" -c 'import sys,tomllib;print(tomllib.load(open(sys.argv[1],"rb"))["debian"]["suite"])' "$HERE/manifest.toml")
mirror=$("$PY" -c 'import sys,tomllib;print(tomllib.load(open(sys.argv[1],"rb"))["debian"]["mirror"])' "$HERE/manifest.toml")

# The project goes in as a wheel built from the committed tree (HEAD): what is in the
# image is exactly a commit, and the build leaves nothing behind in the work tree.
wheels="$BUILD/wheels"
src="$BUILD/src"
rm -rf "$wheels" "$src" && mkdir -p "$wheels" "$src"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$src"
"$PY" -m pip wheel --quiet --no-deps --no-cache-dir -w "$wheels" "$src"
if [ "$MODE" = ci ]; then
  [ "$ARCH" = "$(dpkg --print-architecture)" ] || { echo "ci builds for the build machine's arch only" >&2; exit 2; }
  "$PY" -m pip wheel --quiet --no-deps --no-cache-dir -w "$wheels" \
    "$("$PY" "$HERE/scripts/imagebuild.py" requirements | grep -i '^pyscard')"
fi

if [ "$ARCH" != "$(dpkg --print-architecture)" ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 || true
fi

unmount_inside() {
  local m
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$OUT/$m"; then umount -l "$OUT/$m"; fi
  done
}
unmount_inside  # an interrupted build may have left them
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}
# Documentation and translations other than Thai/English are left out (size budget).
mmdebstrap \
  --variant=minbase \
  --arch="$ARCH" \
  --components="main non-free-firmware" \
  --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/th/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="\"$HERE/scripts/customize-rootfs.sh\" \"\$1\" $ARCH $MODE \"$wheels\"" \
  "$suite" "$OUT" "$mirror"
# mmdebstrap's own unmount of /proc can find it busy here ("W: umount /proc failed"):
# nothing may stay mounted inside the tree (it would end up in the image's sizes and scans).
unmount_inside
echo "root filesystem ready: $OUT"
