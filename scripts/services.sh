#!/usr/bin/env bash
# Starts and stops the real services the integration tests need, as private
# instances under var/test so that nothing on the machine is touched:
#   - MariaDB on 127.0.0.1:$TEST_MARIADB_PORT (default 33061)
#   - pcscd with vsmartcard-vpcd (the virtual reader slots on 35963/35964)
# `start` writes var/test/services.env, which tests/conftest.py reads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=$ROOT/var/test
RUN=$STATE/run
ENVFILE=$STATE/services.env
PORT=${TEST_MARIADB_PORT:-33061}
mkdir -p "$RUN"

log() { echo "services: $*"; }
# shellcheck source=scripts/pcscd.sh
. "$ROOT/scripts/pcscd.sh"

start_mariadb() {
  local datadir=$STATE/mariadb sock=$RUN/mysqld.sock
  local server installer
  server=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
  installer=$(command -v mariadb-install-db || command -v mysql_install_db)
  if [ -f "$RUN/mariadb.pid" ] && kill -0 "$(cat "$RUN/mariadb.pid")" 2>/dev/null; then
    log "mariadb already running"; return
  fi
  local userarg=()
  [ "$(id -u)" -eq 0 ] && userarg=(--user=root)
  if [ ! -d "$datadir/mysql" ]; then
    rm -rf "$datadir"
    "$installer" --no-defaults "${userarg[@]}" --datadir="$datadir" \
      --auth-root-authentication-method=normal --skip-test-db >"$STATE/mariadb-install.log" 2>&1
  fi
  "$server" --no-defaults "${userarg[@]}" --datadir="$datadir" --socket="$sock" \
    --port="$PORT" --bind-address=127.0.0.1 --pid-file="$RUN/mariadb.pid" \
    --log-error="$STATE/mariadb.err" --skip-log-bin --max-connections=300 \
    --character-set-server=utf8mb4 --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=2 >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    mariadb-admin --no-defaults -S "$sock" -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb-admin --no-defaults -S "$sock" -uroot ping >/dev/null
  local pw
  pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  mariadb --no-defaults -S "$sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'kiosk_test'@'%' IDENTIFIED BY '$pw';
ALTER USER 'kiosk_test'@'%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'kiosk_test'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  umask 077
  {
    echo "TEST_MARIADB_URL=mysql+pymysql://kiosk_test:$pw@127.0.0.1:$PORT"
    echo "TEST_MARIADB_SOCKET=$sock"
  } >"$ENVFILE.mariadb"
  log "mariadb ready on 127.0.0.1:$PORT"
}

start_pcscd() {
  pcscd_start "$RUN" "$STATE/pcscd.log" || return 0
  echo "TEST_VPCD_PORTS=35963,35964" >"$ENVFILE.pcscd"
}

stop_all() {
  if [ -f "$RUN/mariadb.pid" ]; then
    local pid; pid=$(cat "$RUN/mariadb.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    rm -f "$RUN/mariadb.pid"
  fi
  pcscd_stop "$RUN"
  rm -f "$ENVFILE" "$ENVFILE".*
  log "stopped"
}

case "${1:-}" in
  start)
    start_mariadb
    start_pcscd
    cat "$ENVFILE".* >"$ENVFILE" 2>/dev/null || true
    chmod 600 "$ENVFILE"
    ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
