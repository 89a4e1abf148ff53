#!/usr/bin/env bash
# The demo on embedded defaults: SQLite clinic database, virtual card, NHSO sandbox,
# loopback printer. Called by `make demo` once .venv is ready. The virtual card is read
# through pcscd: as root, a pcscd that is not running is started here and stopped again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pcscd.sh
export KIOSK_DATA_DIR="${KIOSK_DATA_DIR:-$PWD/var/demo}"
RUN="$KIOSK_DATA_DIR/run"
mkdir -p "$KIOSK_DATA_DIR" demo-out
if ! pgrep -x pcscd >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    pcscd_start "$RUN" "$KIOSK_DATA_DIR/pcscd.log" || true
    trap 'pcscd_stop "$RUN"' EXIT
  else
    echo "demo: pcscd is not running; start it (sudo systemctl start pcscd) for the card." >&2
  fi
fi
# The voice prompts the demo plays (into demo-out/audio/), rendered with espeak-ng.
.venv/bin/kiosk voice render >/dev/null || echo "demo: voice prompts not rendered (espeak-ng?)" >&2
# vpcd serves one card per slot: wait for a test run that holds slot 0 (the tests' lock).
LOCK="${VPCD_LOCK:-${TMPDIR:-/tmp}/jhcis-kiosk-vpcd-35963.lock}"
mkdir -p "$(dirname "$LOCK")"
flock -w 300 "$LOCK" .venv/bin/kiosk demo --out demo-out "$@"
# The demo patient called at the first service point: the waiting-room board's screenshot
# and the announcement audio (demo-out/calling/, issue 21).
.venv/bin/python scripts/calling_demo.py demo-out || echo "demo: the queue call was not shown" >&2
