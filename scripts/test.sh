#!/usr/bin/env bash
# The whole test suite: linters, type checks, then pytest against real services, then
# the appliance image: the `ci` flavour (image-build/manifest.toml) and a signed update
# bundle of it are built in the background while the rest runs, and once pytest is done
# its root filesystem is checked, it is booted in QEMU to the real kiosk unit's READY,
# and updated in QEMU: a broken update must roll back, a good one be kept (tests/image);
# then the fleet test: the VM updates itself from gooseBit on this machine (refused, rolled
# back and a stopped rollout, kept), printing its total time (tests/image/test_fleet_qemu.py).
# Called by `make test` after the system packages and .venv are in place.
# SKIP_IMAGE=1 leaves the image out (it needs root: mmdebstrap, chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export REQUIRE_SERVICES=1   # integration tests fail, never skip, when a service is missing
export PYTHONHASHSEED=0

CI_OUT=image-build/build/amd64-ci
CI_BUNDLE=$CI_OUT/images/jhcis-kiosk-amd64-ci.raucb  # image-build/Makefile's CI_BUNDLE
IMAGE_LOG=var/test/image-build.log
PI_TEST=tests/image/test_pi_uboot_ab.py
PI_LOG=var/test/pi-boot.log
image_pid=""
pi_pid=""
stop_job() {  # a background job started with setsid: its whole process group
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
stop_image() { stop_job "$image_pid"; stop_job "$pi_pid"; }
wait_job() {  # PID LOG WHAT: a failed job shows the end of its log and fails the run
  if ! wait "$1"; then
    tail -n 60 "$2"
    echo "$3 failed (whole log: $2)" >&2
    exit 1
  fi
}

bash scripts/services.sh start
trap 'stop_image; bash scripts/services.sh stop' EXIT

if [ "${SKIP_IMAGE:-0}" = 1 ]; then
  echo "== image: skipped (SKIP_IMAGE=1)"
elif [ "$(id -u)" -ne 0 ]; then
  echo "== image: skipped (building the root filesystem needs root; CI runs as root)"
else
  mkdir -p var/test
  echo "== image: building the ci image and its bundle in the background (log: $IMAGE_LOG)"
  # Always from this commit: the stamp knows the manifest and overlays, not the code.
  rm -f "$CI_OUT/rootfs/.built" "$CI_BUNDLE"
  # Its own process group (setsid), so that a failure below stops all of it.
  setsid nice -n 10 make -C image-build ci-image ci-bundle >"$IMAGE_LOG" 2>&1 &
  image_pid=$!
  # The Pi boot test (one emulated core for a few minutes) runs beside the rest, on the
  # core the single-threaded pytest leaves free once the image is built.
  echo "== image: the Pi's A/B boot in QEMU in the background (log: $PI_LOG)"
  setsid $BIN/pytest -q -s -p no:cacheprovider --basetemp=var/test/pi-boot "$PI_TEST" \
    >"$PI_LOG" 2>&1 &
  pi_pid=$!
fi

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .
echo "== mypy"
$BIN/mypy common hardware integrations kiosk backoffice
echo "== pytest"
$BIN/pytest --cov --cov-report=term:skip-covered --cov-report=xml:var/test/coverage.xml \
  ${pi_pid:+--ignore=$PI_TEST} "$@"

if [ -n "$pi_pid" ]; then
  echo "== image: waiting for the Pi boot test"
  wait_job "$pi_pid" "$PI_LOG" "Pi boot test"
  pi_pid=""
  grep -E '^pi rig|passed' "$PI_LOG" || true
fi

if [ -n "$image_pid" ]; then
  echo "== image: waiting for the ci image build"
  wait_job "$image_pid" "$IMAGE_LOG" "ci image build"
  image_pid=""
  grep -E '^(root filesystem|I: success|real)' "$IMAGE_LOG" || true
  echo "== image: root filesystem assertions, QEMU boot, update-then-rollback and fleet update of the ci image (tests/image)"
  IMAGE_ROOTFS=$CI_OUT/rootfs IMAGE_FLAVOUR=ci IMAGE_DIR=$CI_OUT/images \
    IMAGE_DISK=$CI_OUT/images/jhcis-kiosk-amd64.img \
    IMAGE_BUNDLE=$CI_BUNDLE \
    $BIN/pytest -ra -s --durations=5 tests/image/test_rootfs.py tests/image/test_qemu_boot.py \
    tests/image/test_qemu_update_rollback.py tests/image/test_fleet_qemu.py
fi
