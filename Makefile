# Two commands for a fresh clone: `make run` and `make test`. Everything else is a helper for them.
PYTHON_VERSION ?= 3.11
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: setup run test lock bench bench-ocr clean

$(VENV)/.synced: requirements.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@test -x $(PY) || uv venv --quiet --python $(PYTHON_VERSION) $(VENV)
	VIRTUAL_ENV=$(VENV) uv pip sync --quiet requirements.lock
	@touch $@

setup: $(VENV)/.synced ## create .venv from the committed lock file (idempotent)

run: setup ## run the pipeline once over the bundled sample reports
	$(PY) -m pipeline run

test: setup ## run the test suite
	$(PY) -m pytest

lock: ## recompile requirements.lock after editing requirements.in
	uv pip compile --quiet requirements.in --override requirements.overrides --python-version $(PYTHON_VERSION) -o requirements.lock

bench: setup ## extraction throughput by format (numbers go in the README)
	$(PY) -m tests.support.bench_extraction

bench-ocr: setup ## OCR of scans: seconds per page at 150/200/300 dpi and cell accuracy (numbers go in the README)
	$(PY) -m tests.support.bench_ocr

clean: ## remove everything a run wrote (warehouse, object store, Data Docs, alerts)
	rm -rf var dbt_project/target dbt_project/logs
