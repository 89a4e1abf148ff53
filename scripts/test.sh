#!/usr/bin/env bash
# The whole test suite: linters, type checks, then pytest against real services.
# Called by `make test` after the system packages and .venv are in place.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export REQUIRE_SERVICES=1   # integration tests fail, never skip, when a service is missing
export PYTHONHASHSEED=0

bash scripts/services.sh start
trap 'bash scripts/services.sh stop' EXIT

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .
echo "== mypy"
$BIN/mypy common hardware kiosk backoffice
echo "== pytest"
$BIN/pytest --cov --cov-report=term:skip-covered --cov-report=xml:var/test/coverage.xml "$@"
