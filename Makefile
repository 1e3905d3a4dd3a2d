# Two commands for a newcomer: `make demo` (install, seed corpus, index, web UI) and `make test`.
PYTHON ?= python3
VENV ?= .venv
MUSUBI_HOME ?= $(CURDIR)/var/demo
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-stamp

.PHONY: install demo test lint bench clean

# torch goes in first, pinned by constraints.txt to the CPU wheel: left to itself,
# sentence-transformers pulls a CUDA build of several GB.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/musubi --home "$(MUSUBI_HOME)" demo --serve

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python benchmarks/bench_import.py

clean:
	rm -rf $(VENV) var *.egg-info
