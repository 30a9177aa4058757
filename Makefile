# Two commands are the whole set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint typecheck layers unit suite suite-serial bench screenshots package clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Before the window opens: the system libraries Qt's xcb plugin needs (installed as root on
# Debian/Ubuntu, otherwise the one command to run is printed). --screenshot runs off-screen.
run: $(STAMP)
	@case "$(ARGS)" in *--screenshot*) ;; *) $(BIN)/python -m ld_desktop.system_libraries --install ;; esac
	$(BIN)/ld-desktop $(ARGS)

demo: $(STAMP)
	@$(BIN)/python -m ld_desktop.system_libraries --install
	$(BIN)/ld-desktop --demo

lint: $(STAMP)
	$(BIN)/ruff check ld_desktop sync tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# make unit: the quick local loop (leaves out the slow crash-kill and fault-injection loops).
# make test (and CI): everything, slow loops included.
# Both run on every core (pytest-xdist; each worker has its own temporary folders, PostgreSQL
# databases and ports). --dist worksteal, not loadfile/loadscope/loadgroup: with those,
# pytest-xdist 3.8 hangs for good once a worker has crashed and been replaced (a Qt segfault
# did that here on 30/11); worksteal reruns the rest on the new worker and finishes.
# One process instead: `make suite-serial`, or PYTEST_ARGS=-n0 (the last -n wins), e.g.
# `make unit PYTEST_ARGS="-n0 tests/store"`.
XDIST ?= -n auto --dist worksteal

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(XDIST) $(PYTEST_ARGS)

suite: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

suite-serial: $(STAMP)
	$(BIN)/python -m pytest -n0 $(PYTEST_ARGS)

test: lint typecheck layers suite

bench: $(STAMP)
	$(BIN)/python bench/store.py
	$(BIN)/python bench/handover.py

screenshots: $(STAMP)
	for page in $$($(BIN)/python -m ld_desktop.ui.screenshot_stage); do \
		QT_QPA_PLATFORM=offscreen $(BIN)/python -m ld_desktop.ui.app --demo \
			--screenshot docs/screenshots/$$page.png --page $$page || exit 1; done

# The one-folder PyInstaller bundle in dist/ld-desktop, then its self-test run inside it in a
# clean environment (store + migrations, an instrument, a PDF, a sync on loopback).
package: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[package]'
	LANG=C.UTF-8 $(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/ld-desktop.spec
	env -i PATH="$$PATH" LANG=C.UTF-8 dist/ld-desktop/ld-desktop --self-test
	@du -sh dist/ld-desktop

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist *.egg-info
