PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out/demo

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/mlineage extract fixtures/quickstart --out $(OUT)
	$(BIN)/mlineage render --graph $(OUT) -o $(OUT)/lineage.html
	@echo "picture: $(OUT)/lineage.html"

# The Snowflake emulator the live-source tests talk to, as an HTTP server from its own venv:
# fakesnow pins an older sqlglot than ours and needs snowflake-connector-python < 4.
FAKESNOW := .venv-fakesnow
$(FAKESNOW)/.installed:
	rm -rf $(FAKESNOW)
	$(PYTHON) -m venv $(FAKESNOW) || python3 -m venv $(FAKESNOW)
	$(FAKESNOW)/bin/python -m pip install --quiet 'fakesnow[server]==0.12.1' 'snowflake-connector-python>=3.12,<4'
	touch $@

test: $(VENV)/.installed $(FAKESNOW)/.installed
	$(BIN)/python -m pytest

# The peers a user would pick instead, in their own venv: DataHub pins its own (compiled) sqlglot.
PEERS := .venv-peers
$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS) || python3 -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet pyarrow openlineage-sql 'acryl-datahub[sql-parser]'
	touch $@

# About 20 minutes on 2 cores: the slow tests, the peers at 100k rows, memory at 100k and 1M
# rows, then the incremental, workers and derive targets.
bench: $(VENV)/.installed $(PEERS)/.installed
	$(BIN)/python -m pytest -m slow -p no:cacheprovider
	$(BIN)/python benchmarks/run.py --peer-python $(PEERS)/bin/python
	$(BIN)/python benchmarks/run.py --scale --rows 100000 --workdir /tmp/mlscale
	$(BIN)/python benchmarks/targets.py --repeats 5

clean:
	rm -rf $(VENV) $(PEERS) $(FAKESNOW) out .pytest_cache
