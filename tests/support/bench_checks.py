"""How long validating the check results takes before and after ten documents arrive, fully and incrementally
(a measurement to run by hand, not a test):

    python -m tests.support.bench_checks --docs 1000 --out /tmp/bench-checks

The warehouse holds copies of the gold documents (tests/support/warehouse.py) under made-up agency names, so
its check results look like real ones (passes, fails, incompletes, checks across years). Times: the first full
validation, then after adding 10 documents and `dbt build` a full validation (what every run did before
incremental validation) and an incremental one (`known` = the verdicts of the first).
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from pathlib import Path

from expectations import validate_checks
from tests.support.warehouse import gold_documents, load_staging, query, run_dbt


def documents(count: int) -> list[dict]:
    golds = gold_documents()
    made = []
    for i in range(count):
        gold = golds[i % len(golds)]
        sha256 = hashlib.sha256(f"{gold['sha256']}-{i}".encode()).hexdigest()
        made.append({**gold, "agency": f"{gold['agency']}{i // len(golds):04d}", "sha256": sha256,
                     "object_key": f"raw/{sha256[:2]}/{sha256}.txt", "original_name": f"bench-{i}.txt"})
    return made


def timed(label: str, call):
    started = time.perf_counter()
    result = call()
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    warehouse, docs, gx = args.out / "warehouse.duckdb", args.out / "data_docs", args.out / "gx"
    made = documents(args.docs + 10)

    load_staging(warehouse, made[:args.docs])
    timed(f"dbt build, {args.docs} documents", lambda: run_dbt(warehouse, "build").check_returncode())
    rows = query(warehouse, "select count(*) from marts.fct_check_results")[0][0]
    first = timed(f"first validation, {rows} check results", lambda: validate_checks(warehouse, docs, context_dir=gx))

    load_staging(warehouse, made)
    timed(f"dbt build, +10 documents", lambda: run_dbt(warehouse, "build").check_returncode())
    rows = query(warehouse, "select count(*) from marts.fct_check_results")[0][0]
    incremental = timed(f"+10 documents, incremental validation ({rows} check results)",
                        lambda: validate_checks(warehouse, docs, context_dir=gx, known=first.row_verdicts))
    print(f"  rows validated: {incremental.validated_rows}")
    full = timed(f"+10 documents, full validation", lambda: validate_checks(warehouse, docs, context_dir=gx))
    same = incremental.counts == full.counts and \
        incremental.failing_check_result_ids == full.failing_check_result_ids and \
        incremental.incomplete_check_result_ids == full.incomplete_check_result_ids
    print(f"  same outcome: {same}")
    timed("nothing new, incremental validation",
          lambda: validate_checks(warehouse, docs, context_dir=gx, known=full.row_verdicts))


if __name__ == "__main__":
    main()
