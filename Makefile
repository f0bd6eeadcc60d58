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
	SKOLEMILJO_DB=$(DB) $(BIN)/streamlit run dashboard/server.py --server.port $(PORT) --server.headless true

browser:
	@bash scripts/ensure-chromium.sh

test: $(VENV)/.installed-test browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

# The warehouse goes only if it is the demo's: data/skolemiljo.duckdb may be a municipality's real one (README «Drift»).
IS_DEMO = $(BIN)/python -c "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); \
	sys.exit(0 if c.execute(\"SELECT count(*) FROM meta.innstilling WHERE nokkel = 'demo' AND verdi = 'ja'\").fetchone()[0] else 1)"

clean:
	@if [ ! -f $(DB) ]; then rm -rf $(dir $(DB))demo; \
	elif $(IS_DEMO) $(DB) 2>/dev/null; then rm -rf $(DB) $(DB).wal $(dir $(DB))arkiv $(dir $(DB))demo; \
	else echo "  $(DB) er ikke et demolager (eller kunne ikke åpnes: kjører dashbordet?) og blir stående med arkivet. Slett det selv om det er meningen."; fi
	rm -rf $(VENV)
