# The two commands of a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check -q
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint format bench clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP) install -r requirements-dev.txt
	touch $@

## make run: install, migrate, load reference and demo data (idempotent), serve on http://127.0.0.1:5000
run: $(VENV)/.runtime
	$(FLASK) registry setup
	@echo ""
	@echo "Registre de l'ESS : http://$(HOST):$(PORT)/  (back-office : http://$(HOST):$(PORT)/admin/)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: lint, the layering contracts (import-linter, pyproject.toml), then every test
## (SQLite; PostgreSQL when REGISTRY_TEST_DATABASE_URL is set)
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make clean-db: remove the local SQLite database (the next `make run` rebuilds it)
clean-db:
	rm -f instance/registry.sqlite instance/registry.sqlite-wal instance/registry.sqlite-shm
