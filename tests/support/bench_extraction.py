"""Extraction throughput by format on one core, on a corpus of generated reports with known cells.

    python -m tests.support.bench_extraction                      # what `make bench` runs
    python -m tests.support.bench_extraction --docs 100 --pdf-docs 10 --formats txt,html

The corpus (N documents per format, cycling through the format's variants, valid and with a breach) is
generated once and cached under var/bench/<corpus id>/ with the expected cells beside each document.
The PDF cost is also given relative to the floor of any pdfplumber-based reader: opening the same file and
calling `page.extract_words()` on every page. Targets (issue): PDF at most 1.5x that floor; text and HTML
at least 100 documents per second. Prints a markdown table for the README.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract import ExtractionResult, extract_bytes

CORPUS_VERSION = "gen2"  # bump when the generator's output changes, so cached corpora are rebuilt
DEFAULT_DIR = Path(os.getenv("BENCH_DIR", "var/bench"))
FORMAT_TARGETS = {"txt": "≥ 100 docs/s", "html": "≥ 100 docs/s", "docx": "—", "pdf": "≤ 1.5x pdfplumber floor"}
MIN_TIMED_SECONDS = 1.0


@dataclass
class CorpusDocument:
    path: Path
    variant: str
    fmt: str
    truth: dict[str, Any]  # template, year, cells


def _corpus_variants(fmt: str) -> list[str]:
    from tests.support.generator import VARIANTS, variants_of
    # the radicals variant is a trap for the correctness tests; throughput is measured on clean text layers
    return [v for v in variants_of(fmt) if v != "pdf-radicals" and VARIANTS[v].format == fmt]


def _build_one(directory: Path, fmt: str, index: int, seed: int) -> CorpusDocument:
    from tests.support.generator import generate
    variants = _corpus_variants(fmt)
    variant = variants[index % len(variants)]
    valid = index % 3 != 2  # one in three carries a deliberate breach
    stem = f"{index:04d}-{variant}"
    truth_path = directory / f"{stem}.json"
    existing = list(directory.glob(f"{stem}.*"))
    documents = [p for p in existing if p.suffix != ".json"]
    if truth_path.exists() and documents:
        return CorpusDocument(documents[0], variant, fmt, json.loads(truth_path.read_text("utf-8")))
    doc = generate(seed * 100_000 + index, variant, valid=valid)
    path = directory / f"{stem}.{doc.format}"
    path.write_bytes(doc.data)
    truth = {"template": doc.report.template, "year": doc.report.year, "valid": valid,
             "cells": doc.report.cells}
    truth_path.write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    return CorpusDocument(path, variant, fmt, truth)


def build_corpus(root: Path, fmt: str, count: int, seed: int) -> list[CorpusDocument]:
    directory = root / f"{CORPUS_VERSION}-seed{seed}" / fmt
    directory.mkdir(parents=True, exist_ok=True)
    workers = 2 if fmt == "pdf" else 1  # Chromium runs as a subprocess: print two at a time
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda i: _build_one(directory, fmt, i, seed), range(count)))


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity)"


def _timed(funcs, items) -> tuple[list[list[float]], list[Any]]:
    """CPU seconds per item for each function (averaged over rounds), the functions interleaved item by item
    so that both see the same machine; at least one round and at least MIN_TIMED_SECONDS in total.

    CPU time of this process (not wall time): the figure is what one core does, even on a busy machine."""
    totals = [[0.0] * len(items) for _ in funcs]
    results: list[Any] = []
    rounds = 0
    while True:
        results = []
        for i, item in enumerate(items):
            for f, func in enumerate(funcs):
                start = time.process_time()
                value = func(item)
                totals[f][i] += time.process_time() - start
                if f == 0:
                    results.append(value)
        rounds += 1
        if sum(totals[0]) >= MIN_TIMED_SECONDS:
            return [[t / rounds for t in per_func] for per_func in totals], results


def _exact(result: ExtractionResult, truth: dict[str, Any]) -> bool:
    return (result.cells == truth["cells"] and result.template == truth["template"]
            and result.year == truth["year"])


def _pdfplumber_floor(data: bytes) -> int:
    import pdfplumber
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return sum(len(page.extract_words()) for page in pdf.pages)


@dataclass
class GroupResult:
    name: str  # a format, or a variant of it
    documents: int
    seconds_per_doc: float
    slowest_seconds: float
    exact: int
    statuses: dict[str, int]
    floor_seconds_per_doc: float | None = None

    @property
    def docs_per_second(self) -> float:
        return 1 / self.seconds_per_doc


def _group(name: str, times: list[float], results: list[ExtractionResult], docs: list[CorpusDocument],
           floor: list[float] | None = None) -> GroupResult:
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    exact = sum(_exact(r, d.truth) for r, d in zip(results, docs))
    return GroupResult(name, len(docs), sum(times) / len(times), max(times), exact, statuses,
                       sum(floor) / len(floor) if floor else None)


def measure(corpus: list[CorpusDocument]) -> list[GroupResult]:
    """The format as a whole, then each of its variants."""
    payloads = [(doc.path.read_bytes(), doc.path.name) for doc in corpus]
    extract_bytes(*payloads[0])  # import the parser before the clock starts
    funcs = [lambda p: extract_bytes(*p)]
    if corpus[0].fmt == "pdf":
        funcs.append(lambda p: _pdfplumber_floor(p[0]))
    timings, results = _timed(funcs, payloads)
    times, floor = timings[0], (timings[1] if len(timings) > 1 else None)
    groups = [_group(corpus[0].fmt, times, results, corpus, floor)]
    variants = sorted({doc.variant for doc in corpus})
    if len(variants) > 1:
        for variant in variants:
            idx = [i for i, doc in enumerate(corpus) if doc.variant == variant]
            groups.append(_group(f"  {variant}", [times[i] for i in idx], [results[i] for i in idx],
                                 [corpus[i] for i in idx], [floor[i] for i in idx] if floor else None))
    return groups


def failures(corpus: list[CorpusDocument], limit: int = 10) -> list[str]:
    """Documents whose cells did not come back exactly, for the report (path, status, first differences)."""
    out = []
    for doc in corpus:
        result = extract_bytes(doc.path.read_bytes(), doc.path.name)
        if _exact(result, doc.truth):
            continue
        truth = doc.truth["cells"]
        diffs = [(k, truth.get(k), result.cells.get(k)) for k in sorted(set(truth) | set(result.cells))
                 if truth.get(k, "absent") != result.cells.get(k, "absent")]
        out.append(f"{doc.path} status={result['status']} template={result['template']}/{doc.truth['template']} "
                   f"year={result['year']}/{doc.truth['year']} {len(diffs)} cells differ: {diffs[:4]}")
        if len(out) >= limit:
            break
    return out


def markdown_table(groups: list[GroupResult], pinning: str) -> str:
    lines = [
        f"Extraction throughput in CPU time of one core ({pinning}), generated corpus "
        "(`python -m tests.support.bench_extraction`):",
        "",
        "| format / variant | documents | docs/s | mean ms/doc | slowest ms | exact cells | "
        "ok / needs_review / failed | target |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for g in groups:
        statuses = " / ".join(str(g.statuses.get(s, 0)) for s in ("ok", "needs_review", "failed"))
        target = FORMAT_TARGETS.get(g.name, "")
        if g.floor_seconds_per_doc:
            ratio = g.seconds_per_doc / g.floor_seconds_per_doc
            target = (target + " " if target else "") + \
                f"(measured {ratio:.2f}x of {g.floor_seconds_per_doc * 1000:.0f} ms/doc)"
        lines.append(f"| {g.name} | {g.documents} | {g.docs_per_second:.1f} | {g.seconds_per_doc * 1000:.1f} | "
                     f"{g.slowest_seconds * 1000:.0f} | {g.exact}/{g.documents} | {statuses} | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per format for txt, html, docx")
    parser.add_argument("--pdf-docs", type=int, default=20, help="PDF documents (about 1 s each to print)")
    parser.add_argument("--formats", default="txt,html,docx,pdf")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--show-failures", action="store_true",
                        help="list (on stderr) documents whose cells did not come back exactly")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    logging.getLogger("extract.core").setLevel(logging.CRITICAL)  # parser crashes are counted as failed

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    corpora = {}
    for fmt in formats:
        count = args.pdf_docs if fmt == "pdf" else args.docs
        start = time.perf_counter()
        corpora[fmt] = build_corpus(args.dir, fmt, count, args.seed)
        print(f"corpus {fmt}: {count} documents ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    pinning = _pin_to_one_core()
    groups = [group for fmt in formats for group in measure(corpora[fmt])]
    print(markdown_table(groups, pinning))
    if args.show_failures:
        for fmt in formats:
            for line in failures(corpora[fmt]):
                print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
