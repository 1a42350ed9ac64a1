# `make run`: set up, build the demo index, start the app.   `make test`: set up, run every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run demo-index test lint bench clean-index

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and alone: this pin resolves to the local CPU build, any other order pulls CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo-index: setup
	$(PY) -m assistant --index demo demo

run: demo-index
	$(PY) app.py

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -ra

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/ingest_and_query.py

clean-index:
	rm -rf indexes/demo
