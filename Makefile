# The two commands the README promises: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test system-deps venv voice lint typecheck unit services-up services-down bench image clean

system-deps:
	bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@if pkg-config --exists libsystemd 2>/dev/null; then $(PY) -m pip install -q -e '.[appliance]' || echo "systemd-python not installed: journal logging off"; fi
	touch $(STAMP)

venv: $(STAMP)

## make demo: set everything up and run one complete check-in on the embedded defaults
demo: system-deps venv
	bash scripts/demo.sh

## make test: set everything up, start the services, run every check, stop the services
test: system-deps venv
	bash scripts/test.sh

## make voice: render the kiosk's voice prompts with espeak-ng into <data_dir>/voice
voice: system-deps venv
	$(VENV)/bin/kiosk voice render

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy common hardware integrations kiosk backoffice

unit: venv
	$(VENV)/bin/pytest -m "not integration and not e2e and not web and not ui" -q

bench: venv
	bash scripts/services.sh start && trap 'bash scripts/services.sh stop' EXIT && \
	  for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

image:
	$(MAKE) -C image-build image ARCH=$(ARCH)

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov var/test
