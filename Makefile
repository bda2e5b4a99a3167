# Two commands a newcomer needs: `make run` (the nightly job on the demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANIFEST := models/target/manifest.json
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: run test prepare dev docs clean

run: prepare
	$(BIN)/pcf run --demo

test: prepare
	$(BIN)/dagster definitions validate
	$(BIN)/pytest -q -n 2 --dist loadfile

dev: prepare
	$(BIN)/dagster dev

prepare: $(STAMP) $(MANIFEST)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(MANIFEST): $(STAMP) $(shell find models -name '*.sql' -o -name '*.yml' -o -name '*.csv' | grep -v target)
	$(BIN)/python -m orchestration.transform.prepare

# The dbt docs site (lineage graph, every model and column) as one static page; uses the
# warehouse of `make run` for the catalogue when there is one.
docs: prepare
	cd models && PCF_DUCKDB_PATH=$(abspath warehouse/pcf.duckdb) ../$(BIN)/dbt docs generate --static --profiles-dir . --quiet
	@echo "dbt docs: open models/target/static_index.html"

clean:
	rm -rf $(VENV) models/target models/logs
