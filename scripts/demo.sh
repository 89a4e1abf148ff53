#!/usr/bin/env bash
# The demo on embedded defaults: SQLite clinic database, virtual card, NHSO sandbox,
# loopback printer with PNG preview. Called by `make demo` once .venv is ready.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIOSK_DATA_DIR="${KIOSK_DATA_DIR:-$PWD/var/demo}"
mkdir -p "$KIOSK_DATA_DIR" demo-out
exec .venv/bin/kiosk demo --out demo-out "$@"
