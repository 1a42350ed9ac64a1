# `make run`: set up, build the demo index, start the browser app.   `make test`: set up, run every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run demo-index bbc-index test browser lint bench bench-api clean-index

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

run: setup
	$(PY) app.py

# Debian's Chromium for the browser tests; without root they are skipped with a printed reason.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
		|| (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
		|| echo "note: apt could not install chromium; the browser tests will be skipped"; \
	else echo "note: not root, so chromium was not installed; the browser tests will be skipped"; fi

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest -ra

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/ingest_and_query.py

bbc-index: setup
	$(PY) -m assistant --index bbc ingest ../shared/data/news/bbc_articles.jsonl.gz

bench-api: setup
	$(PY) bench/api_concurrency.py --index bbc

clean-index:
	rm -rf indexes/demo
