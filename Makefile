# Two commands are the whole set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint typecheck layers unit bench screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ld-desktop $(ARGS)

demo: $(STAMP)
	$(BIN)/ld-desktop --demo

lint: $(STAMP)
	$(BIN)/ruff check ld_desktop sync tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck layers unit

bench: $(STAMP)
	$(BIN)/python bench/store.py
	$(BIN)/python bench/handover.py

screenshots: $(STAMP)
	for page in caseload cases people person case screening share sync handover conflicts rota; do \
		QT_QPA_PLATFORM=offscreen $(BIN)/python -m ld_desktop.ui.app --demo \
			--screenshot docs/screenshots/$$page.png --page $$page || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
