# Two commands on a fresh machine: `make demo` and `make test` (`make test-fast` while coding).
# Each sets up .venv first (again only when pyproject.toml changed), so a second run starts at once.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint check bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "helpline-bot needs Python 3.11 or newer (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Your Telegram language in the demo: `make demo DEMO_LANGUAGE=en` (ru or en; not LANG, the
# shell's locale).
DEMO_LANGUAGE ?= ru

demo: $(STAMP)
	$(VENV)/bin/helpline-bot demo --lang $(DEMO_LANGUAGE)

# Everything, as CI runs it: unit, in-process flow (tests/flows) and real-process (tests/e2e),
# on as many workers as the machine has cores (each e2e test has its own stand-in and ports);
# worksteal: an idle worker takes tests queued for a busy one, so a long e2e test at the end
# does not leave the other core idle.
test: $(STAMP)
	$(PY) -m pytest -n auto --dist worksteal

# Unit and in-process flow tests: everything but the tests that start real processes, on as
# many workers as the machine has cores (pytest-xdist).
# Two workers a core: in-process tests spend much of their time waiting on the loopback stand-in
# (2:10 with four workers against 2:47 with two, and 2:20 with six, on the 2-core machine).
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')

test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e" -n $(TEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: $(STAMP)
	$(VENV)/bin/helpline-bot check

bench: $(STAMP)
	$(PY) bench/updates.py
	$(PY) bench/search.py
	$(PY) bench/regions.py
	$(PY) bench/broadcast.py
	$(PY) bench/flood.py
	$(PY) bench/memory.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
