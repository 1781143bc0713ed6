"""Extraction throughput by format on one core, on a corpus of generated reports with known cells.

    python -m extract.bench                      # what `make bench` runs
    python -m extract.bench --docs 100 --pdf-docs 10 --formats txt,html

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

from .core import extract_bytes

CORPUS_VERSION = "gen1"  # bump when the generator's output changes, so cached corpora are rebuilt
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
    from .generator import VARIANTS, variants_of
    # the radicals variant is a trap for the correctness tests; throughput is measured on clean text layers
    return [v for v in variants_of(fmt) if v != "pdf-radicals" and VARIANTS[v].format == fmt]


def _build_one(directory: Path, fmt: str, index: int, seed: int) -> CorpusDocument:
    from .generator import generate
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


def _timed(func, items) -> tuple[float, list[Any]]:
    """Seconds per item: run over the items at least once and for at least MIN_TIMED_SECONDS."""
    results: list[Any] = []
    rounds = 0
    start = time.perf_counter()
    while True:
        results = [func(item) for item in items]
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_TIMED_SECONDS:
            return elapsed / (rounds * len(items)), results


def _exact(result: dict[str, Any], truth: dict[str, Any]) -> bool:
    return (result["cells"] == truth["cells"] and result["template"] == truth["template"]
            and result["year"] == truth["year"])


def _pdfplumber_floor(data: bytes) -> int:
    import pdfplumber
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return sum(len(page.extract_words()) for page in pdf.pages)


@dataclass
class FormatResult:
    fmt: str
    documents: int
    seconds_per_doc: float
    exact: int
    statuses: dict[str, int]
    floor_seconds_per_doc: float | None = None

    @property
    def docs_per_second(self) -> float:
        return 1 / self.seconds_per_doc


def measure(corpus: list[CorpusDocument]) -> FormatResult:
    payloads = [(doc.path.read_bytes(), doc.path.name) for doc in corpus]
    extract_bytes(*payloads[0])  # import the parser before the clock starts
    per_doc, results = _timed(lambda p: extract_bytes(*p), payloads)
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    exact = sum(_exact(r, d.truth) for r, d in zip(results, corpus))
    fmt = corpus[0].fmt
    floor = None
    if fmt == "pdf":
        floor, _ = _timed(lambda p: _pdfplumber_floor(p[0]), payloads)
    return FormatResult(fmt, len(corpus), per_doc, exact, statuses, floor)


def markdown_table(results: list[FormatResult], pinning: str) -> str:
    lines = [
        f"Extraction throughput, one core ({pinning}), generated corpus (`python -m extract.bench`):",
        "",
        "| format | documents | docs/s | ms/doc | exact cells | ok / needs_review / failed | target |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        statuses = " / ".join(str(r.statuses.get(s, 0)) for s in ("ok", "needs_review", "failed"))
        target = FORMAT_TARGETS.get(r.fmt, "")
        if r.floor_seconds_per_doc:
            ratio = r.seconds_per_doc / r.floor_seconds_per_doc
            target += f" (measured {ratio:.2f}x: {r.floor_seconds_per_doc * 1000:.0f} ms/doc floor)"
        lines.append(f"| {r.fmt} | {r.documents} | {r.docs_per_second:.1f} | {r.seconds_per_doc * 1000:.1f} | "
                     f"{r.exact}/{r.documents} | {statuses} | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per format for txt, html, docx")
    parser.add_argument("--pdf-docs", type=int, default=20, help="PDF documents (about 1 s each to print)")
    parser.add_argument("--formats", default="txt,html,docx,pdf")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
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
    results = [measure(corpora[fmt]) for fmt in formats]
    print(markdown_table(results, pinning))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
