"""The pipeline benchmark (`make bench-pipeline N=1000`): what a daily run costs as the corpus grows.

On N distinct documents from tests/support/bench_corpus.py (about 10% PDF), measured in one invocation:
- the extraction floor: `extract_file` on the N files, one after the other, in one process;
- the first run over an inbox of the N documents (every step of pipeline/steps.py STEPS, in order, as
  `python -m pipeline rebuild` runs them: no Airflow scheduler around them), parsing in EXTRACT_PROCESSES
  processes; when that is more than one, the same first run again parsing in its own process only;
- a rerun with nothing new;
- a rerun with 10 new documents;
- peak memory (max RSS) of every process of each phase, dbt's included.
Each phase runs in its own process, so the numbers do not share caches or memory. A benchmark, not a test:
it prints numbers and asserts nothing.

    PYTHONPATH=$PWD .venv/bin/python -m tests.support.bench_pipeline --docs 300
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.bench_corpus import build_corpus
from tests.support.paths import ROOT


def _phase_floor(inbox: Path) -> dict:
    from extract import extract_file

    started = time.monotonic()
    statuses: dict[str, int] = {}
    for path in sorted(inbox.iterdir()):
        status = extract_file(path).status
        statuses[status] = statuses.get(status, 0) + 1
    return {"seconds": time.monotonic() - started, "statuses": statuses}


def _phase_run() -> dict:
    import logging

    from pipeline import one_process, steps
    from pipeline.config import load_settings

    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    timings, peaks, upstream = {}, {}, None
    started = time.monotonic()
    with one_process.steps_in_one_process(settings):  # as `python -m pipeline run` and `rebuild` run the steps
        for step in steps.STEPS:
            step_started = time.monotonic()
            upstream = steps.run_steps([step], upstream, settings)[step.name]
            timings[step.name] = round(time.monotonic() - step_started, 2)
            # the phase's largest resident set so far, this process's and its subprocesses' (dbt): a step that
            # raises it is the step that reached it
            peaks[step.name] = round(max(resource.getrusage(who).ru_maxrss for who in
                                         (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024)
    return {"seconds": time.monotonic() - started, "steps": timings, "peak_rss_mib_after": peaks,
            "peak_rss_mib_run": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_rss_mib_subprocesses": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def _child(phase: str, inbox: Path, var: Path, **extra_env: str) -> dict:
    env = {**os.environ, **extra_env, "PYTHONPATH": str(ROOT), "PIPELINE_INBOX": str(inbox), "PIPELINE_VAR_PATH": str(var),
           "WAREHOUSE_PATH": str(var / "warehouse.duckdb"), "OBJECT_STORE_PATH": str(var / "object-store"),
           "ALERTS_PATH": str(var / "alerts.jsonl"), "DATA_DOCS_PATH": str(var / "data-docs"),
           "REVIEW_DECISIONS_PATH": str(var / "no-decisions.csv"), "EXTRACT_BATCH_SIZE": "50"}
    for name in ("S3_BUCKET", "FINDINGS_DB_PATH", "QUALITY_REPORT_PATH"):
        env.pop(name, None)
    completed = subprocess.run([sys.executable, "-m", "tests.support.bench_pipeline", "--phase", phase,
                                "--inbox", str(inbox)], env=env, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{completed.stderr[-3000:]}")
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    # the largest resident set of any process waited for so far (this child, dbt below it): the phases
    # run in order of growing memory use, so after each phase this is that phase's peak or an earlier one's
    outcome["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phase", choices=("floor", "run"), help=argparse.SUPPRESS)
    parser.add_argument("--inbox", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "floor":
        print(json.dumps(_phase_floor(args.inbox)))
        return 0
    if args.phase == "run":
        print(json.dumps(_phase_run()))
        return 0

    from pipeline.config import load_settings

    processes = load_settings().extract_processes
    corpus = build_corpus(args.docs + 10, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    inbox, var = work / "inbox", work / "var"
    inbox.mkdir()
    for path in corpus[:args.docs]:
        shutil.copy(path, inbox / path.name)
    try:
        floor = _child("floor", inbox, var)
        first = _child("run", inbox, var)
        # the same first run parsing in its own process only, as the floor does (into a var of its own)
        first_one = _child("run", inbox, work / "var-one-process", EXTRACT_PROCESSES="1") if processes > 1 else None
        rerun = _child("run", inbox, var)
        for path in corpus[args.docs:]:
            shutil.copy(path, inbox / path.name)
        plus_ten = _child("run", inbox, var)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pdfs = sum(p.suffix == ".pdf" for p in corpus[:args.docs])
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"pipeline benchmark: {args.docs} documents ({pdfs} PDF), {os.cpu_count()} CPUs, one worker parsing in "
          f"{processes} processes (EXTRACT_PROCESSES); load average at the end {load} (1, 5, 15 min)")
    print(f"  extraction floor:      {floor['seconds']:8.1f} s   statuses {floor['statuses']}")
    print(f"  first run:             {first['seconds']:8.1f} s   {first['seconds'] / floor['seconds']:.2f}x the floor")
    if first_one is not None:
        print(f"  first run, 1 process:  {first_one['seconds']:8.1f} s   "
              f"{first_one['seconds'] / floor['seconds']:.2f}x the floor")
    print(f"  no-change rerun:       {rerun['seconds']:8.1f} s   {rerun['seconds'] / first['seconds']:.2f}x the first run")
    print(f"  +10 documents:         {plus_ten['seconds']:8.1f} s   {plus_ten['seconds'] / first['seconds']:.2f}x the first run")
    print(f"  peak memory (max RSS of any process): {plus_ten['peak_rss_mib']:.0f} MiB")
    phases = (("first run", first), ("first run, 1 process", first_one), ("no-change rerun", rerun),
              ("+10 documents", plus_ten))
    for name, outcome in ((name, outcome) for name, outcome in phases if outcome is not None):
        print(f"  {name} by step (s): " + ", ".join(f"{k} {v}" for k, v in outcome["steps"].items()))
        print(f"  {name}, largest process so far after each step (MiB): "
              + ", ".join(f"{k} {v}" for k, v in outcome["peak_rss_mib_after"].items())
              + f"; the run's own process {outcome['peak_rss_mib_run']}, its largest subprocess (dbt, "
                f"parsers) {outcome['peak_rss_mib_subprocesses']}")
    print(f"  extraction floor, largest process (MiB): {floor['peak_rss_mib']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
