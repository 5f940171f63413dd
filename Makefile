# CareForce — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DEMO_WORKERS ?= 17000

export CAREFORCE_ENV ?= development

# OFFLINE=1: install from the wheels of the offline bundle (`make bundle`) alone, never from an index.
OFFLINE ?=
WHEELHOUSE ?= wheels
ifeq ($(OFFLINE),1)
PIP_OFFLINE := --isolated --no-index --no-cache-dir --find-links $(WHEELHOUSE)
export CAREFORCE_VAR_DIR ?= $(CURDIR)/var
endif

.PHONY: run test install lint format messages clean-db chromium bundle

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(if $(PIP_OFFLINE),,$(BIN)/pip install --quiet --upgrade pip)

$(STAMP): pyproject.toml | $(BIN)/python
	$(if $(PIP_OFFLINE),$(BIN)/pip install --quiet $(PIP_OFFLINE) careforce,$(BIN)/pip install --quiet -e .)
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/careforce migrate --no-input
	$(BIN)/careforce indicators_rebuild --if-needed
	$(BIN)/careforce staffing_rebuild --if-needed
	$(BIN)/careforce demo --if-empty --workers $(DEMO_WORKERS)
	@# The tasks worker runs long imports in the background; it stops when the server does.
	$(BIN)/careforce db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/careforce runserver 127.0.0.1:8000

# Debian's Chromium and CJK fonts for the browser tests (Playwright's own download does not work here).
chromium:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: $(TEST_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP)
	cd careforce && ../$(BIN)/careforce makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/careforce compilemessages

# One archive for a machine without network: dist/careforce-bundle-<version>.tar.gz (tools/bundle.py).
bundle: | $(BIN)/python
	$(BIN)/python tools/bundle.py --out dist

clean-db:
	rm -f var/careforce.sqlite3
