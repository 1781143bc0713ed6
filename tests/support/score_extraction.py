#!/usr/bin/env python3
"""Score an extractor against gold files.

Usage:
  score_extraction.py --cmd 'python -m extract {path}' DIR [DIR ...]
  make score     (the bundled samples and the dev corpus)

Each DIR is searched for gold files (*.json under a folder named "gold", or gold.json in a case folder).
A gold file holds {"cells": {KEY: VALUE}} and optionally "document" (file name, looked up beside the gold
folder), "agency", "year", "template". A case folder's documents are its files named source.*; every one of
them is scored against the same gold.

The command must print one JSON object on stdout with at least "cells" (same keys as the gold) and "status"
("ok", "needs_review" or "failed"); "year" is compared when the gold (or a meta.json beside it) has one.

A cell is right when the values are equal as numbers (or both null). A document is exact when every gold
cell is right. A silent error is a document that is not exact while the extractor said status "ok".
The last line printed is the summary.
"""
import argparse
import json
import math
import pathlib
import shlex
import subprocess
import sys
import time


def find_cases(root: pathlib.Path):
    for gold in sorted(root.rglob("*.json")):
        if gold.name == "gold.json":
            docs = sorted(p for p in gold.parent.iterdir() if p.name.startswith("source."))
            yield gold, docs
        elif gold.parent.name == "gold":
            spec = json.loads(gold.read_text(encoding="utf-8"))
            doc = spec.get("document")
            if doc:
                yield gold, [gold.parent.parent / doc]


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def run(cmd: str, path: pathlib.Path, timeout: float):
    argv = [a.replace("{path}", str(path)) for a in shlex.split(cmd)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout:.0f}s", time.perf_counter() - t0
    dt = time.perf_counter() - t0
    try:
        return json.loads(proc.stdout), None, dt
    except json.JSONDecodeError:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"exit {proc.returncode}: {tail[0][:160]}", dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cmd", required=True, help="command template; {path} is replaced by the document path")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--verbose", "-v", action="store_true", help="list every wrong cell")
    ap.add_argument("dirs", nargs="+", type=pathlib.Path)
    args = ap.parse_args()

    n_cells = n_right = n_docs = n_exact = n_silent = n_failed = 0
    meta_wrong = 0
    seconds = 0.0
    for root in args.dirs:
        for gold_path, docs in find_cases(root):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            meta_path = gold_path.parent / "meta.json"
            if "year" not in gold and gold_path.name == "gold.json" and meta_path.exists():
                gold["year"] = json.loads(meta_path.read_text(encoding="utf-8")).get("year")
            for doc in docs:
                n_docs += 1
                out, err, dt = run(args.cmd, doc, args.timeout)
                seconds += dt
                label = f"{doc.parent.name}/{doc.name}"
                if out is None:
                    n_failed += 1
                    n_cells += len(gold["cells"])
                    print(f"FAIL  {label}: {err}")
                    continue
                got = out.get("cells", {})
                wrong = [(k, v, got.get(k, "<missing>")) for k, v in gold["cells"].items()
                         if k not in got or not same(v, got[k])]
                n_cells += len(gold["cells"])
                n_right += len(gold["cells"]) - len(wrong)
                bad_meta = [k for k in ("year",) if gold.get(k) is not None and not same(gold[k], out.get(k))]
                meta_wrong += len(bad_meta)
                status = out.get("status", "ok")
                exact = not wrong and not bad_meta
                n_exact += exact
                silent = not exact and status == "ok"
                n_silent += silent
                mark = "ok   " if exact else ("SILENT" if silent else "flag ")
                print(f"{mark} {label}: {len(gold['cells']) - len(wrong)}/{len(gold['cells'])} cells"
                      f"{' meta wrong: ' + ','.join(bad_meta) if bad_meta else ''} status={status} {dt:.2f}s")
                if args.verbose:
                    for k, v, g in wrong:
                        print(f"        {k}: gold={v} got={g}")
    if n_docs == 0:
        print("no cases found")
        return 2
    acc = 100.0 * n_right / n_cells if n_cells else 0.0
    print(f"cell_accuracy={acc:.2f}% exact_docs={n_exact}/{n_docs} silent_error_docs={n_silent} "
          f"failed_docs={n_failed} meta_wrong={meta_wrong} seconds={seconds:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
