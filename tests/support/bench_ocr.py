"""OCR of scanned reports: seconds per page at 150/200/300 dpi, and cell accuracy on a batch of scans.

    python -m tests.support.bench_ocr                       # what `make bench-ocr` runs (about 30 minutes)
    python -m tests.support.bench_ocr --speed-only --docs 2 # the seconds-per-page table alone

Speed: generated reports (Chromium-printed PDFs) and the real Hongze PDF of the dev corpus, rasterised at
each dpi (clean scans), read with EXTRACT_OCR_DPI set to the scan's dpi and one worker; CPU seconds of the
whole extraction divided by the pages read.

Accuracy: --batch generated reports (cycling through the ruled, borderless, page-split and 表四-split PDF
variants, one in three with a deliberate breach) and the Hongze PDF, each scanned once with damage drawn in
turn from SCANS (dpi, rotation, speckle, a red stamp over a table corner, JPEG, greyscale) and read at the
default EXTRACT_OCR_DPI, checked cell by cell
against the generator's canonical data (the Hongze scans against gold.json). A document with a wrong cell
must not be `ok`. Prints markdown tables for the README. Generated PDFs are cached under var/bench/ocr/.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract.core import extract_bytes
from extract.options import ExtractOptions
from extract.result import ExtractionResult
from tests.support.paths import DEV_CASES_DIR
from tests.support.scans import Scan, scanned_pdf

CACHE_DIR = Path(os.getenv("BENCH_DIR", "var/bench")) / "ocr"
VARIANTS = ("pdf-ruled", "pdf-borderless", "pdf-split", "pdf-split-t4")
SCANS = (
    Scan(200),
    Scan(150, angle=0.7, speckle=0.0003, jpeg_quality=70),
    Scan(300, angle=-1.2, stamp=True, jpeg_quality=80),
    Scan(200, angle=0.4, speckle=0.0003, stamp=True, jpeg_quality=60),
    Scan(250, angle=-0.3, speckle=0.0002, jpeg_quality=85, grey=True),
)
HONGZE = DEV_CASES_DIR / "huaian-hongze-gov-2023"


@dataclass
class Source:
    name: str
    pdf: bytes
    cells: dict[str, Any]
    pages: int


def generated(index: int) -> Source:
    """Report `index` of the batch, generated once and cached."""
    from tests.support.generator import generate

    variant = VARIANTS[index % len(VARIANTS)]
    valid = index % 3 != 2
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"{index:03d}-{variant}-{'valid' if valid else 'breach'}.pickle"
    if path.exists():
        pdf, cells = pickle.loads(path.read_bytes())
    else:
        doc = generate(seed=7000 + index, variant=variant, valid=valid)
        pdf, cells = doc.data, dict(doc.report.cells)
        path.write_bytes(pickle.dumps((pdf, cells)))
    return Source(path.stem, pdf, cells, _pages(pdf))


def hongze() -> Source:
    pdf = (HONGZE / "source.pdf").read_bytes()
    gold = json.loads((HONGZE / "gold.json").read_text("utf-8"))["cells"]
    return Source("huaian-hongze-gov-2023", pdf, gold, _pages(pdf))


def _pages(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def read(scan_pdf: bytes, dpi: int | None = None) -> tuple[ExtractionResult, float]:
    """(result, CPU seconds) of one extraction on one worker, the OCR reading at `dpi` (default:
    EXTRACT_OCR_DPI's)."""
    # CPU time is measured: the wall-clock limit (EXTRACT_TIMEOUT_S) must not cut a reading short on a busy machine
    options = dataclasses.replace(ExtractOptions.from_env(), ocr_workers=1, timeout_s=3600.0)
    if dpi is not None:
        options = dataclasses.replace(options, ocr_dpi=float(dpi))
    started = time.process_time()
    result = extract_bytes(scan_pdf, "scan.pdf", options)
    return result, time.process_time() - started


def wrong_cells(result: ExtractionResult, truth: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(k, v, result.cells.get(k, "missing")) for k, v in truth.items()
            if k not in result.cells or result.cells[k] != v]


def speed(docs: int) -> list[str]:
    sources = [generated(i) for i in range(docs)] + [hongze()]
    lines = ["| scan dpi | documents | pages | CPU s / page | cells right | ok / needs_review / failed |",
             "|---:|---:|---:|---:|---:|---|"]
    for dpi in (150, 200, 300):
        seconds = pages = right = total = 0.0
        statuses = {"ok": 0, "needs_review": 0, "failed": 0}
        for source in sources:
            result, cpu = read(scanned_pdf(source.pdf, Scan(dpi)), dpi)
            seconds += cpu
            pages += source.pages
            total += len(source.cells)
            right += len(source.cells) - len(wrong_cells(result, source.cells))
            statuses[result.status] += 1
            print(f"  {dpi} dpi {source.name}: {cpu:.1f} s for {source.pages} pages, {result.status}",
                  file=sys.stderr, flush=True)
        lines.append(f"| {dpi} | {len(sources)} | {pages:.0f} | {seconds / pages:.1f} | "
                     f"{right / total:.2%} | {statuses['ok']} / {statuses['needs_review']} / {statuses['failed']} |")
    return lines


def accuracy(batch: int) -> list[str]:
    rows = []
    sources = [(generated(i), SCANS[i % len(SCANS)]) for i in range(batch)]
    sources += [(hongze(), scan) for scan in SCANS[:2]]
    for index, (source, scan) in enumerate(sources):
        result, cpu = read(scanned_pdf(source.pdf, scan, seed=index))
        wrong = wrong_cells(result, source.cells)
        rows.append((source, scan, result, wrong, cpu))
        flag = "  WRONG AND OK" if wrong and result.status == "ok" else ""
        print(f"  {source.name} [{scan.label}]: {result.status}, {len(wrong)} wrong of {len(source.cells)}, "
              f"{cpu:.0f} s{flag}", file=sys.stderr, flush=True)
    total = sum(len(s.cells) for s, *_ in rows)
    right = total - sum(len(w) for *_, w, _ in rows)
    exact = sum(1 for *_, w, _ in rows if not w)
    silent = sum(1 for _, _, r, w, _ in rows if w and r.status == "ok")
    by_status = {s: sum(1 for _, _, r, *_ in rows if r.status == s) for s in ("ok", "needs_review", "failed")}
    ok_exact = sum(1 for _, _, r, w, _ in rows if r.status == "ok" and not w)
    return [
        "| documents | cells | cells right | exact documents | ok (all exact) / needs_review / failed | wrong with status `ok` |",
        "|---:|---:|---:|---:|---|---:|",
        f"| {len(rows)} | {total} | {right / total:.2%} | {exact} | {by_status['ok']} ({ok_exact}) / "
        f"{by_status['needs_review']} / {by_status['failed']} | {silent} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3, help="generated reports in the speed table (+ Hongze)")
    parser.add_argument("--batch", type=int, default=32, help="generated reports in the accuracy batch")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args(argv)
    print("\n".join(speed(args.docs)))
    if not args.speed_only:
        print()
        print("\n".join(accuracy(args.batch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
