# Two commands for a fresh clone: `make run` and `make test`. Everything else is a helper for them.
PYTHON_VERSION ?= 3.11
VENV ?= .venv
PY := $(VENV)/bin/python
# uv from PATH, or the copy `make` installs with pip when there is none (pip puts it in ~/.local/bin)
UV = $$(command -v uv || echo python3 -m uv)
export PYTHONPATH := $(CURDIR)

.PHONY: setup sync-venv system-packages run test airflow lock score bench bench-ocr bench-pipeline bench-memory fuzz clean

# the exact versions of the lock files, then this project itself (editable: `python -m extract`, `report-extract`
# and `report-pipeline` work from any folder)
$(VENV)/.synced: requirements.lock requirements-dev.lock pyproject.toml
	@if [ -L $(VENV) ]; then echo "$(VENV) links to a virtualenv another checkout manages: left as it is"; \
	else $(MAKE) --no-print-directory sync-venv && touch $@; fi

sync-venv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
	  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --user uv || \
	  { echo "make needs uv: python3 -m pip install --user uv (or see https://docs.astral.sh/uv/)"; exit 1; }
	@test -x $(PY) || $(UV) venv --quiet --python $(PYTHON_VERSION) $(VENV)
	# --compile-bytecode: where Python may not write .pyc files (PYTHONDONTWRITEBYTECODE, a read-only venv) every
	# process would compile GX, dbt and Airflow from source again: importing GX took 9 s instead of 3.6 s
	# --python, not VIRTUAL_ENV: `python3 -m uv` (uv installed with pip, not on PATH) installs into the Python
	# that started it whatever VIRTUAL_ENV says, which left .venv empty on a fresh machine
	$(UV) pip sync --quiet --compile-bytecode --python $(PY) requirements-dev.lock
	$(UV) pip install --quiet --no-deps --python $(PY) --editable .

system-packages: ## install the Debian/Ubuntu packages the tests use (as root or with sudo), or print the command
	@python3 tests/support/system_tools.py install

setup: system-packages $(VENV)/.synced ## .venv from the lock files, this project installed, system packages

run: $(VENV)/.synced ## run the pipeline once over the bundled sample reports
	$(PY) -m pipeline run

test: setup ## run the test suite (tests whose system tool is missing are skipped, saying how to install it)
	$(PY) -m pytest

# The DAG under Airflow's own services on this machine (scheduler, dag-processor, triggerer, api-server on
# 127.0.0.1:$(AIRFLOW_PORT), SQLite, LocalExecutor with one worker per core); stop it with Ctrl-C.
# Airflow starts its parts as `airflow` from PATH; tasks reach the API at EXECUTION_API_SERVER_URL, and wait up
# to 60 s for its first answer (the API server builds its execution API on that first request, which takes
# longer than the default 5 s on a slow machine: the first task failed).
AIRFLOW_PORT ?= 8080
airflow: $(VENV)/.synced ## run the DAG under Airflow standalone: UI on http://127.0.0.1:8080 (admin password printed)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	AIRFLOW_HOME="$(CURDIR)/var/airflow-standalone" \
	AIRFLOW__CORE__DAGS_FOLDER="$(CURDIR)/dags" \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__CORE__PARALLELISM=$$(nproc) \
	AIRFLOW__API__HOST=127.0.0.1 \
	AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
	AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$(AIRFLOW_PORT)/execution/ \
	AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT=60 \
	$(VENV)/bin/airflow standalone

lock: ## recompile both lock files after editing requirements.in or requirements-dev.in
	uv pip compile --quiet requirements.in --override requirements.overrides --python-version $(PYTHON_VERSION) -o requirements.lock
	uv pip compile --quiet requirements-dev.in --override requirements.overrides --python-version $(PYTHON_VERSION) -o requirements-dev.lock

score: $(VENV)/.synced ## score extraction against the hand-made gold of data/samples and tests/data/dev-corpus
	$(PY) tests/support/score_extraction.py --cmd "$(PY) -m extract {path}" data/samples tests/data/dev-corpus

bench: $(VENV)/.synced ## extraction throughput by format (numbers go in the README)
	$(PY) -m tests.support.bench_extraction

bench-ocr: $(VENV)/.synced ## OCR of scans: seconds per page at 150/200/300 dpi and cell accuracy (numbers go in the README)
	$(PY) -m tests.support.bench_ocr

N ?= 1000
bench-pipeline: $(VENV)/.synced ## first run / no-change rerun / +10 documents against the extraction floor (N=1000)
	$(PY) -m tests.support.bench_pipeline --docs $(N)

bench-memory: $(VENV)/.synced ## peak memory and time of one extraction on 48 MiB inputs (numbers go in the README)
	$(PY) -m tests.support.bench_memory

fuzz: $(VENV)/.synced ## every damaged copy of the real reports with gold (1,000+) against the gold oracle
	$(PY) -m tests.support.damage

clean: ## remove everything a run wrote (warehouse, object store, Data Docs, alerts, Airflow home)
	rm -rf var dbt_project/target dbt_project/logs
