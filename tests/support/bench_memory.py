"""Peak memory and CPU time of one extraction on the largest inputs the size limit lets through.

    python -m tests.support.bench_memory                # what `make bench-memory` runs; a table for the README
    python -m tests.support.bench_memory --mib 16       # smaller inputs, for a quick look

Every input is just under EXTRACT_MAX_BYTES (48 MiB by default, the limit being 50 MiB) and is extracted in a
fresh interpreter (`python -m extract FILE`), so that the peak resident memory (ru_maxrss of that child) is
the document's alone, imports included. The bound this project states (README, "Limits"): every input under
EXTRACT_MAX_BYTES finishes within EXTRACT_TIMEOUT_S with a peak under 512 MiB.

Inputs (the shapes that cost the most, each built from a real report where one is needed):
- digits-line: one 48 MiB line of digits (no label anywhere: the label scan and the digit splitter see it all);
- report-repeated: a real report (data/samples/beiguan-gxj-2023.txt) repeated to 48 MiB;
- labels-only: the row labels of 表三 repeated with no numbers (a label hit every few characters);
- html-repeated: a real HTML report (dev corpus pingtan-gov-2022) repeated to 48 MiB;
- gb18030-report: the repeated report re-encoded as GB18030 (the decoder's fallback path).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from tests.support.paths import DEV_CASES_DIR, ROOT, SAMPLES_DIR

MEMORY_BOUND_MIB = 512


def _repeat(data: bytes, size: int) -> bytes:
    return (data * (size // len(data) + 1))[:size]


def inputs(size: int) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """name -> (file suffix, how to make its bytes) of every input, each `size` bytes."""
    report = (SAMPLES_DIR / "beiguan-gxj-2023.txt").read_bytes()
    html = (DEV_CASES_DIR / "pingtan-gov-2022" / "source.html").read_bytes()
    rng = random.Random(1)
    block = bytes(rng.choice(b"0123456789") for _ in range(1 << 20))
    labels = "一、本年新收政府信息公开申请数量 二、上年结转政府信息公开申请数量 （一）予以公开 （二）部分公开 ".encode()
    return {
        "digits-line": ("txt", lambda: _repeat(block, size)),
        "report-repeated": ("txt", lambda: _repeat(report, size)),
        "labels-only": ("txt", lambda: _repeat(labels, size)),
        "html-repeated": ("html", lambda: _repeat(html, size)),
        "gb18030-report": ("txt", lambda: _repeat(report.decode("utf-8").encode("gb18030"), size)),
    }


def measure(path: Path, timeout_s: float) -> dict:
    """Run `python -m extract path` in a child: its status, CPU seconds, wall seconds and peak RSS (MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EXTRACT_TIMEOUT_S": str(timeout_s)}
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "extract", str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    try:
        result = json.loads(out)
        outcome = result["status"] + (f" ({result['issues'][0]['code']})" if result["status"] == "failed" else "")
    except (ValueError, KeyError, IndexError):
        outcome = f"no result (exit {child.returncode})"
    return {"outcome": outcome, "cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": time.monotonic() - started,
            "peak_mib": usage.ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=float, default=48, help="size of every input in MiB (default 48)")
    parser.add_argument("--only", default="", help="comma-separated input names")
    parser.add_argument("--timeout", type=float, default=300, help="EXTRACT_TIMEOUT_S of the children")
    args = parser.parse_args(argv)
    size = int(args.mib * 1024 * 1024)
    wanted = [n for n in args.only.split(",") if n]
    print(f"One extraction per input in a fresh interpreter, {args.mib:g} MiB inputs "
          f"(`python -m tests.support.bench_memory`):\n")
    print("| input | size | result | CPU s | wall s | peak RSS MiB |")
    print("|---|---:|---|---:|---:|---:|")
    over = False
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for name, (suffix, make) in inputs(size).items():
            if wanted and name not in wanted:
                continue
            path = Path(tmp) / f"{name}.{suffix}"
            path.write_bytes(make())
            m = measure(path, args.timeout)
            over |= m["peak_mib"] > MEMORY_BOUND_MIB or m["outcome"].startswith(("no result", "failed (timeout"))
            print(f"| {name} | {path.stat().st_size / 2**20:.0f} MiB | {m['outcome']} | {m['cpu_s']:.1f} | "
                  f"{m['wall_s']:.1f} | {m['peak_mib']:.0f} |", flush=True)
            path.unlink()
    print(f"\nbound: peak RSS under {MEMORY_BOUND_MIB} MiB, finished within EXTRACT_TIMEOUT_S: "
          f"{'EXCEEDED' if over else 'held'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
