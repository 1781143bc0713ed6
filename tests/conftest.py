"""Session-wide test setup shared by every test module."""
from __future__ import annotations

import logging
import os
import pathlib

# Airflow reads its configuration at import time; point it at a throwaway home before any test imports it.
os.environ.setdefault("AIRFLOW_HOME", str(pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"airflow-tests-{os.getpid()}"))
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{os.environ['AIRFLOW_HOME']}/airflow.db")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

logging.getLogger("great_expectations").setLevel(logging.WARNING)
