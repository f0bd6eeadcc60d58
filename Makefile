# skolemiljo – de to kommandoene: `make run` og `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/skolemiljo.duckdb
PORT   ?= 8501

.PHONY: run test demo lint bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[test]"
	touch $(VENV)/.installed $@

$(DB): | $(VENV)/.installed
	$(BIN)/skolemiljo --db $(DB) demo

run: $(VENV)/.installed $(DB) browser
	@echo ""
	@echo "  skolemiljo kjører på http://localhost:$(PORT)"
	@$(BIN)/skolemiljo --db $(DB) bruker demo 2>/dev/null || echo "  Logg inn med kontoene fra «skolemiljo bruker legg-til …» (se README)."
	@echo ""
	@# A warehouse from an older version is brought up to date (its schema), as `skolemiljo init` does after an upgrade.
	@$(BIN)/skolemiljo --db $(DB) init > /dev/null
	SKOLEMILJO_DB=$(DB) $(BIN)/streamlit run dashboard/app.py --server.port $(PORT) --server.headless true

browser:
	@bash scripts/ensure-chromium.sh

test: $(VENV)/.installed-test browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data/*.duckdb data/*.wal data/arkiv data/demo
