# forceplan: the two set-up commands are `make demo` (the main job on the bundled scenario) and `make test`.
# Each creates .venv and installs everything from pyproject.toml on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

ASSETS := src/forceplan/report/assets
NODE_MODULES := frontend/node_modules

.PHONY: demo test lint typecheck unit bench clean assets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Front-end libraries from the npm registry (frontend/package-lock.json), copied where the report inlines them.
$(ASSETS)/.stamp: frontend/package.json frontend/package-lock.json frontend/sidcs.json frontend/render-symbols.cjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(ASSETS)
	cp $(NODE_MODULES)/leaflet/dist/leaflet.js $(NODE_MODULES)/leaflet/dist/leaflet.css \
	   $(NODE_MODULES)/plotly.js-basic-dist-min/plotly-basic.min.js $(NODE_MODULES)/htmx.org/dist/htmx.min.js \
	   $(NODE_MODULES)/swagger-ui-dist/swagger-ui-bundle.js $(NODE_MODULES)/swagger-ui-dist/swagger-ui.css $(ASSETS)/
	node frontend/render-symbols.cjs $(ASSETS)/symbols.json
	touch $@

assets: $(ASSETS)/.stamp

# Kernels are compiled once, at set-up, and cached: the first plan is then as fast as later ones.
$(VENV)/.warm: $(STAMP)
	$(BIN)/forceplan warmup
	touch $@

demo: $(STAMP) assets $(VENV)/.warm
	$(BIN)/forceplan plan ukraine-2025 --out out/ukraine-2025

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) assets
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP) assets $(VENV)/.warm
	for b in benchmarks/*.py; do [ "$$b" = benchmarks/common.py ] || $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(ASSETS) $(NODE_MODULES)
