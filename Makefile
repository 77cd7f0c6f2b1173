# The targets people need. `make run` and `make test` work on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python
PAPERWIRE := $(VENV)/bin/paperwire
# `make run` keeps its store inside the checkout (ignored by git).
RUN_DATA_DIR ?= $(CURDIR)/var
# ... and keeps its mail in the store's outbox (read it on /admin/outbox as an admin).
RUN_MAIL_TRANSPORT ?= outbox

.PHONY: install run test newcomer lint format bench demo-data clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

run: install
	PAPERWIRE_DATA_DIR=$(RUN_DATA_DIR) $(PAPERWIRE) init
	PAPERWIRE_DATA_DIR=$(RUN_DATA_DIR) $(PAPERWIRE) demo
	PAPERWIRE_DATA_DIR=$(RUN_DATA_DIR) $(PAPERWIRE) stats
	PAPERWIRE_DATA_DIR=$(RUN_DATA_DIR) PAPERWIRE_MAIL_TRANSPORT=$(RUN_MAIL_TRANSPORT) $(PAPERWIRE) serve --migrate

test: install
	$(PY) -m pytest

# What a new user meets: `make run` in the background (own data folder, free port), a walk
# through the site and a crawl of its links (scripts/newcomer_check.py). CI runs it.
newcomer: install
	$(PY) scripts/newcomer_check.py --timeout 240

lint: install
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format src tests bench scripts
	$(VENV)/bin/ruff check --fix src tests bench scripts

bench: install
	$(PY) bench/import_bench.py
	$(PY) bench/show_bench.py

demo-data: install
	$(PY) scripts/build_demo.py

clean:
	rm -rf $(VENV) var build dist src/*.egg-info
