# sohoa — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export SOHOA_HOME ?= $(CURDIR)/.sohoa
# Prefect: no telemetry, a quiet console, the embedded server unless PREFECT_API_URL is set.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: setup run test bench lint format clean

setup:
	@scripts/bootstrap.sh

run: setup
	$(BIN)/sohoa ingest samples/
	$(BIN)/sohoa search "quyet dinh so hoa tai lieu"

test: setup
	$(BIN)/pytest

bench: setup
	@echo "make bench: not yet — the OCR benchmark arrives with the OCR-quality issue"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .sohoa .pytest_cache .ruff_cache
