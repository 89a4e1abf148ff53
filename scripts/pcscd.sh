#!/usr/bin/env bash
# pcscd with the vsmartcard-vpcd virtual reader (slots on TCP 35963/35964), shared by
# scripts/services.sh (the tests) and scripts/demo.sh (the demo). Source it for
# pcscd_start / pcscd_stop, or run it: bash scripts/pcscd.sh start|stop RUN_DIR.
# Only a pcscd started here is ever stopped here (its pid is kept in RUN_DIR).

# pcscd_start RUN_DIR LOGFILE: 0 when pcscd runs (started now or already), 1 when
# pcscd or the vpcd driver is not installed.
pcscd_start() {
  local run=$1 logfile=$2
  if ! command -v pcscd >/dev/null && [ ! -x /usr/sbin/pcscd ]; then
    echo "pcscd: not installed"; return 1
  fi
  if [ ! -f /etc/reader.conf.d/vpcd ]; then
    echo "pcscd: vsmartcard-vpcd not installed"; return 1
  fi
  if pgrep -x pcscd >/dev/null && [ -S /run/pcscd/pcscd.comm ]; then
    echo "pcscd: already running"; return 0
  fi
  mkdir -p "$run"
  /usr/sbin/pcscd --foreground >"$logfile" 2>&1 &
  echo $! >"$run/pcscd.pid"
  for _ in $(seq 1 40); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.25; done
  echo "pcscd: started"
}

# pcscd_stop RUN_DIR: stops the pcscd that pcscd_start started with this RUN_DIR.
pcscd_stop() {
  local run=$1
  if [ -f "$run/pcscd.pid" ]; then
    local pid
    pid=$(cat "$run/pcscd.pid")
    kill "$pid" 2>/dev/null || true
    # Wait until it is gone: `make demo && make test` starts the next one at once, and a
    # dying pcscd seen by pcscd_start's pgrep was taken for a running one.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$run/pcscd.pid"
    echo "pcscd: stopped"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) pcscd_start "${2:?RUN_DIR}" "${2}/pcscd.log" ;;
    stop) pcscd_stop "${2:?RUN_DIR}" ;;
    *) echo "usage: $0 start|stop RUN_DIR" >&2; exit 2 ;;
  esac
fi
