"""Bounded memory below the size limit: `python -m extract` run in a child whose address space is capped
(RLIMIT_AS) at the bound the README states, on inputs just under EXTRACT_MAX_BYTES built from a real report.
Before the bound was held, a 40 MB line of digits took 2.6 GB and a 48 MB repeated report 2.2 GB: under this
cap they died with MemoryError (`too_complex`) or were killed. The time each takes is measured by
`make bench-memory` (tests/support/bench_memory.py), not here."""
from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from extract.options import ExtractOptions
from tests.support.bench_memory import MEMORY_BOUND_MIB, inputs
from tests.support.paths import ROOT

SIZE = ExtractOptions().max_bytes - 2 * 1024 * 1024  # 48 MiB: the largest inputs the default limit lets through


def extract_capped(path, cap_bytes: int) -> tuple[int, dict | None, str]:
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    child = subprocess.run([sys.executable, "-m", "extract", str(path)], capture_output=True, cwd=ROOT,
                           preexec_fn=cap, timeout=3600,
                           # memory is what is tested here: the wall-clock limit is lifted for a busy machine
                           env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "EXTRACT_TIMEOUT_S": "3600"})
    try:
        return child.returncode, json.loads(child.stdout), child.stderr.decode(errors="replace")[-2000:]
    except ValueError:
        return child.returncode, None, child.stderr.decode(errors="replace")[-2000:]


def test_the_cap_is_real_a_child_that_needs_more_fails(tmp_path):
    code = "bytearray(%d)" % (MEMORY_BOUND_MIB * 1024 * 1024)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND_MIB << 20,) * 2))
    assert child.returncode != 0 and b"MemoryError" in child.stderr


@pytest.mark.parametrize("name, expected", [("report-repeated", "needs_review"), ("digits-line", "failed")])
def test_an_input_just_under_the_size_limit_is_extracted_within_the_memory_bound(tmp_path, name, expected):
    suffix, make = inputs(SIZE)[name]
    path = tmp_path / f"{name}.{suffix}"
    path.write_bytes(make())
    returncode, result, stderr = extract_capped(path, MEMORY_BOUND_MIB << 20)
    assert result is not None, f"exit {returncode}: {stderr}"
    assert result["size_bytes"] == SIZE
    codes = [i["code"] for i in result["issues"]]
    assert "too_complex" not in codes and "parser_error" not in codes, result["issues"][:3]
    assert result["status"] == expected, result["issues"][:3]
    if name == "report-repeated":  # the first printing is read; reading stops at the label limit and says so
        assert len(result["cells"]) == 200 and result["cells"]["t2.administrative_fees.amount"] == 0
        assert codes == ["too_many_labels"]
    else:
        assert codes == ["not_a_report"]
