# sohoa — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export SOHOA_HOME ?= $(CURDIR)/.sohoa

.PHONY: setup run test bench scale-demo lint format clean

setup:
	@scripts/bootstrap.sh

# Migrate a store of the layout before OCFL (nothing to do on a new one), ingest the sample scans,
# show a search, then serve the API and the web page (Ctrl-C stops it).
run: setup
	$(BIN)/sohoa migrate
	$(BIN)/sohoa ingest samples/
	$(BIN)/sohoa search "quyet dinh so hoa tai lieu"
	@echo "web page: http://$(HOST):$(PORT)/ui   API: http://$(HOST):$(PORT)/docs"
	@echo "Visitors see public records only; records waiting for review need an archivist key:"
	@echo "  $(BIN)/sohoa keys create --role archivist   (then sign in on the page with it)"
	$(BIN)/sohoa serve --host $(HOST) --port $(PORT)

test:
	@WITH_BROWSER=1 scripts/bootstrap.sh
	$(BIN)/pytest

# Benchmarks (figures in the README). QUICK=1 for a short smoke run. SPLIT=tuning reports the
# generated tuning split instead of the evaluation split (corpusgen/, cached under SOHOA_HOME).
bench:
	@WITH_BENCH=1 EXTRAS=dev,bench scripts/bootstrap.sh
	$(BIN)/python bench/ocr_bench.py $(if $(QUICK),--quick) --split $(or $(SPLIT),evaluation)
	$(BIN)/python bench/classify_fields.py --ocr --cache $(SOHOA_HOME)/bench-ocr
	$(BIN)/python bench/segment_bench.py --split $(or $(SPLIT),evaluation) $(if $(QUICK),--dossiers 10)
	$(BIN)/python bench/reindex_bench.py $(if $(QUICK),--quick)
	$(BIN)/python bench/api_bench.py $(if $(QUICK),--pages 3000,--scales 100000,300000,1000000)
	$(BIN)/python bench/load_bench.py $(if $(QUICK),--pages 3000 --seconds 5)
	$(BIN)/python bench/ingest_bench.py $(if $(QUICK),--skip-rss)

# Scale-out on one machine (~1.5 min): two Prefect workers share one batch, no document done
# twice; then a batch fanned out over two Dask workers.
scale-demo: setup
	$(BIN)/pytest -m slow tests/ops/test_scale_out.py tests/ops/test_dask.py -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .sohoa .pytest_cache .ruff_cache
