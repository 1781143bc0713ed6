"""Session-wide test setup shared by every test module.

- Airflow gets a throwaway home (removed at the end) before any test imports it.
- `@pytest.mark.needs("chromium", ...)`: a test that uses a system tool (tests/support/system_tools.py) is
  skipped, with the command that installs the tool as the reason, when the tool is missing; in CI (CI=true) a
  missing tool fails the test instead, so that CI never passes by skipping.
- No test may write into the checkout's run outputs (var/, dbt's target/ and logs/): the user's own warehouse,
  alerts and logs live there. Every test is checked; the first test after which they changed fails, naming the
  files.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support import system_tools
from tests.support.paths import ROOT

# Airflow reads its configuration at import time; point it at a throwaway home before any test imports it.
_OWN_AIRFLOW_HOME = "AIRFLOW_HOME" not in os.environ
if _OWN_AIRFLOW_HOME:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-tests-")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{os.environ['AIRFLOW_HOME']}/airflow.db")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

logging.getLogger("great_expectations").setLevel(logging.WARNING)

# what a run writes inside the checkout (see .gitignore); tests must use their temporary folders instead
CHECKOUT_OUTPUTS = (ROOT / "var", ROOT / "dbt_project" / "target", ROOT / "dbt_project" / "logs", ROOT / "logs")


def pytest_unconfigure(config):
    if _OWN_AIRFLOW_HOME:
        shutil.rmtree(os.environ["AIRFLOW_HOME"], ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        unknown = [name for name in mark.args if name not in system_tools.TOOLS]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown tool(s) {unknown} in @pytest.mark.needs "
                                    f"(known: {', '.join(system_tools.TOOLS)})")
        system_tools.require(*mark.args)


def _snapshot_outputs() -> dict[str, tuple[int, int]]:
    """Every file and folder under the checkout's run outputs, with its size and modification time."""
    seen = {}
    for top in CHECKOUT_OUTPUTS:
        if not top.exists():
            continue
        for folder, dirs, files in os.walk(top):
            for name in (*dirs, *files):
                path = Path(folder) / name
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue
                seen[str(path.relative_to(ROOT))] = (stat.st_size, stat.st_mtime_ns)
        seen[str(top.relative_to(ROOT))] = (0, 0)
    return seen


@pytest.fixture(scope="session")
def _checkout_outputs_before():
    return _snapshot_outputs()


@pytest.fixture(autouse=True)
def checkout_outputs_untouched(_checkout_outputs_before):
    """Fails the test after which var/ (or dbt's target/, logs/) of the checkout appeared or changed."""
    yield
    after = _snapshot_outputs()
    if after != _checkout_outputs_before:
        changed = sorted(path for path in after.keys() | _checkout_outputs_before.keys()
                         if after.get(path) != _checkout_outputs_before.get(path))
        _checkout_outputs_before.clear()
        _checkout_outputs_before.update(after)  # report each write once, at the test that made it
        pytest.fail("a test wrote into the checkout instead of its temporary folder: "
                    + ", ".join(changed[:20]) + (" ..." if len(changed) > 20 else ""), pytrace=False)
