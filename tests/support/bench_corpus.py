"""A corpus of distinct annual reports for the pipeline benchmark (`make bench-pipeline N=...`), made with the
generator and cached, so that a benchmark pays Chromium's PDF printing once.

Document i is a pure function of (seed, i): agency i // 5 of a list of made-up agencies, statistics year
2019 + i % 5 (the 2019 template for 2019-2020, the 2021 one after), one in eleven with a deliberate breach, and its
format and layout from i % 10 (about 10% PDF, the rest text, HTML and Word). So the corpus of N documents is
the first N of a pool cached per seed, `N + 10` is "ten new documents", and corpora of 1,000 and 10,000
documents share their first thousand files.

    python -m tests.support.bench_corpus --docs 10010 --seed 1     # fill the cache ahead of a benchmark

The cache lives in BENCH_CACHE_DIR (default: <temp dir>/transparency-reports-bench/<CORPUS_VERSION>-seed<seed>/);
each document is written under a temporary name and renamed, so an interrupted fill resumes where it stopped.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

CORPUS_VERSION = "pipeline1"  # bump when the generator's output or the naming below changes
YEARS = (2019, 2020, 2021, 2022, 2023)
# slot i % 10 -> the variant of document i: one PDF in ten, the rest text, HTML and Word as crawled
SLOT_VARIANTS = ("txt-tabs", "html-plain", "docx", "txt-lines", "html-word", "txt-markdown", "html-chrome",
                 "docx", "txt-glued", "pdf")
PDF_VARIANTS = ("pdf-ruled", "pdf-borderless", "pdf-split", "pdf-split-t4")
DISTRICTS = (
    "东城区", "西城区", "南湖区", "北塘区", "城关镇", "新华区", "河西区", "江北区", "临江县", "青山区", "白云区",
    "长安区", "和平区", "红旗区", "铁西区", "高新区", "经开区", "滨海新区", "龙泉县", "石门县",
)


def cache_dir(seed: int) -> Path:
    base = Path(os.getenv("BENCH_CACHE_DIR") or Path(tempfile.gettempdir()) / "transparency-reports-bench")
    return base / f"{CORPUS_VERSION}-seed{seed}"


def agency_name(number: int) -> str:
    from tests.support.generator.report import AGENCY_BODIES, AGENCY_PLACES

    place = AGENCY_PLACES[number % len(AGENCY_PLACES)]
    district = DISTRICTS[(number // len(AGENCY_PLACES)) % len(DISTRICTS)]
    body = AGENCY_BODIES[(number // (len(AGENCY_PLACES) * len(DISTRICTS))) % len(AGENCY_BODIES)]
    return f"{place}{district}{body}"


def variant_of(index: int) -> str:
    slot = SLOT_VARIANTS[index % len(SLOT_VARIANTS)]
    return PDF_VARIANTS[(index // len(SLOT_VARIANTS)) % len(PDF_VARIANTS)] if slot == "pdf" else slot


def _existing(directory: Path, index: int) -> Path | None:
    found = [p for p in directory.glob(f"{index:05d}-*") if not p.name.endswith(".part")]
    return found[0] if found else None


def make_document(directory: Path, index: int, seed: int) -> Path:
    """Document `index` of the pool, generated unless it is already cached."""
    existing = _existing(directory, index)
    if existing is not None:
        return existing
    from tests.support.generator import VARIANTS, random_invalid_report, random_report, render

    variant = variant_of(index)
    year = YEARS[index % len(YEARS)]
    template = "2019" if year <= 2020 else "2021"
    rng = random.Random(f"bench-pipeline:{seed}:{index}")
    make = random_invalid_report if index % 11 == 3 else random_report
    report = replace(make(rng, template=template, year=year), agency=agency_name(index // len(YEARS)))
    document = render(report, variant, rng)
    path = directory / f"{index:05d}-{report.agency}-{year}.{VARIANTS[variant].format}"
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(document.data)
    partial.rename(path)
    return path


def build_corpus(count: int, seed: int = 1, progress: bool = True) -> list[Path]:
    """The first `count` documents of the pool for `seed`, generating what is missing (two Chromiums at a
    time for the PDFs, the rest in this process)."""
    directory = cache_dir(seed)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # one listing of the cache, not a glob per document (10,000 globs over 10,000 files took minutes)
    cached = _cached_documents(directory)
    missing = [i for i in range(count) if i not in cached]
    slow = [i for i in missing if variant_of(i).startswith("pdf")]
    done = 0

    def one(index: int) -> None:
        nonlocal done
        make_document(directory, index, seed)
        done += 1
        if progress and (done % 100 == 0 or done == len(missing)):
            print(f"corpus: {done}/{len(missing)} missing documents generated "
                  f"({time.monotonic() - started:.0f} s)", file=sys.stderr)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, slow))
    for index in sorted(set(missing) - set(slow)):
        one(index)
    cached = _cached_documents(directory)
    return [cached[i] for i in range(count)]


def _cached_documents(directory: Path) -> dict[int, Path]:
    """The documents in the cache by index (`00042-<agency>-<year>.<ext>`; `.part` files are unfinished)."""
    found: dict[int, Path] = {}
    for path in sorted(directory.iterdir()):
        index, dash, _ = path.name.partition("-")
        if dash and index.isdigit() and len(index) == 5 and not path.name.endswith(".part"):
            found.setdefault(int(index), path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    paths = build_corpus(args.docs, args.seed)
    print(f"{len(paths)} documents in {cache_dir(args.seed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
