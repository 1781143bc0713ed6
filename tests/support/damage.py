"""Damaged copies of real reports with gold, and the oracle they are judged by (issue 10: `ok` means complete).

Every report with hand-made gold (data/samples/*.txt with gold/<stem>.json, the dev-corpus cases' source.*
with gold.json) is damaged the ways real files are damaged:
- text: a line holding table cells deleted (the lines come from the undamaged extraction's provenance), the
  file cut inside a table, re-encoded (GB18030, UTF-16, UTF-8 with BOM) on its own and with a line deleted;
- HTML: a table row (<tr>) deleted, the file cut inside a table, re-encoded with its charset declaration;
- PDF: a page dropped from the page tree (with the page count kept, or lowered so that only the printed page
  numbers show it), a page reference that no longer resolves, bytes flipped in a content stream, a content
  stream's text cut short (re-compressed in place);
- DOCX (the gold rendered by tests/support/generator, there being no real .docx with gold): a table row
  deleted, a second copy of word/document.xml, the package cut short.

The oracle (`judge`): a result with status `ok` must hold exactly the gold cells of the undamaged report
(the 表二 规章 row may be absent: departments without rule-making power leave it out). needs_review and
failed are honest answers to damage; a `parser_error` is a parser bug and counts against the parser.

    python -m tests.support.damage            # every case (what `make fuzz` runs); counts for the README
    python -m tests.support.damage --sample --seed 1   # the sample tests/extract/test_damage_oracle.py runs
"""
from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import time
import warnings
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterator

from extract import ExtractionResult, extract_bytes
from tests.support.paths import DEV_CASES_DIR, SAMPLES_DIR

OPTIONAL_PREFIXES = ("t2.regulations.",)  # extract/completeness.py: its absence is info, the status stays ok


@dataclass(frozen=True, eq=False)
class GoldDocument:
    name: str  # e.g. "samples/beiguan-gxj-2023.txt"
    fmt: str  # txt | html | pdf | docx
    data: bytes
    cells: dict  # the gold cells


@dataclass(eq=False)
class Damaged:
    source: GoldDocument
    how: str  # e.g. "delete line 21", "drop page 3 (count kept)"
    kind: str  # the family of damage: delete_row, cut_table, reencode, drop_page, flip_stream, ...
    build: bytes | Callable[[], bytes]  # the damaged bytes, or how to make them when first needed

    @cached_property
    def data(self) -> bytes:
        return self.build() if callable(self.build) else self.build

    @property
    def name(self) -> str:
        return f"{self.source.name} [{self.how}]"

    @property
    def file_name(self) -> str:
        return f"damaged.{self.source.fmt}"


@dataclass(frozen=True, eq=False)
class Verdict:
    case: Damaged
    status: str
    outcome: str  # ok_exact | flagged | failed | silent_loss | parser_error
    detail: str = ""


# ------------------------------------------------------------------------------------------- corpus


@lru_cache(maxsize=None)
def gold_documents(samples_dir: Path = SAMPLES_DIR, cases_dir: Path = DEV_CASES_DIR) -> tuple[GoldDocument, ...]:
    docs = []
    for gold in sorted((samples_dir / "gold").glob("*.json")):
        source = samples_dir / f"{gold.stem}.txt"
        if source.exists():
            docs.append(GoldDocument(f"samples/{source.name}", "txt", source.read_bytes(),
                                     json.loads(gold.read_text("utf-8"))["cells"]))
    for case in sorted(p for p in cases_dir.iterdir() if (p / "gold.json").exists()):
        cells = json.loads((case / "gold.json").read_text("utf-8"))["cells"]
        for source in sorted(case.glob("source.*")):
            docs.append(GoldDocument(f"{case.name}/{source.name}", source.suffix[1:], source.read_bytes(), cells))
    return tuple(docs)


@lru_cache(maxsize=None)
def docx_from_gold(gold: GoldDocument) -> GoldDocument:
    """The gold report rendered as a Word document by the test generator (no real .docx with gold exists)."""
    from tests.support.generator import Report, render

    meta = json.loads((DEV_CASES_DIR / gold.name.split("/")[0] / "meta.json").read_text("utf-8")) \
        if not gold.name.startswith("samples/") else \
        json.loads((SAMPLES_DIR / "gold" / (Path(gold.name).stem + ".json")).read_text("utf-8"))
    report = Report(agency=meta["agency"], year=meta["year"], template=meta["template"], cells=dict(gold.cells))
    doc = render(report, "docx", random.Random(gold.name))
    return GoldDocument(gold.name.rsplit(".", 1)[0] + ".docx", "docx", doc.data, gold.cells)


# ------------------------------------------------------------------------------------------- text


def _decoded(gold: GoldDocument) -> str:
    from extract.parsers.text import decode
    return decode(gold.data)


@lru_cache(maxsize=None)
def _baseline(gold: GoldDocument) -> ExtractionResult:
    return extract_bytes(gold.data, f"gold.{gold.fmt}")


def _cell_lines(gold: GoldDocument) -> list[int]:
    """0-based lines that hold at least one cell in the undamaged extraction."""
    return sorted({p["line"] - 1 for p in _baseline(gold).provenance.values() if "line" in p})


_ENCODINGS = ("gb18030", "utf-16", "utf-8-sig")


def text_damage(gold: GoldDocument) -> Iterator[Damaged]:
    text = _decoded(gold)
    lines = text.split("\n")
    cell_lines = _cell_lines(gold)
    for i in cell_lines:
        yield Damaged(gold, f"delete line {i + 1}", "delete_row",
                      "\n".join(lines[:i] + lines[i + 1:]).encode("utf-8"))
    if cell_lines:
        first, last = cell_lines[0], cell_lines[-1]
        offsets = [0] + [m.end() for m in re.finditer("\n", text)]
        for fraction in (0.1, 0.3, 0.5, 0.7, 0.9, 0.97):
            line = first + int((last - first) * fraction)
            start = offsets[line]
            for within in (0, max(1, len(lines[line]) // 2)):
                yield Damaged(gold, f"cut at line {line + 1} + {within} characters", "cut_table",
                              text[:start + within].encode("utf-8"))
    for encoding in _ENCODINGS:
        yield Damaged(gold, f"re-encoded as {encoding}", "reencode", text.encode(encoding))
        for i in cell_lines[:: max(1, len(cell_lines) // 4)]:
            yield Damaged(gold, f"re-encoded as {encoding}, line {i + 1} deleted", "reencode_delete_row",
                          "\n".join(lines[:i] + lines[i + 1:]).encode(encoding))


# ------------------------------------------------------------------------------------------- HTML

_TR_RE = re.compile(r"<tr\b.*?</tr\s*>", re.IGNORECASE | re.DOTALL)
_TABLE_RE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?[\w-]+", re.IGNORECASE)


def html_damage(gold: GoldDocument) -> Iterator[Damaged]:
    html = gold.data.decode("utf-8")
    rows = [m for m in _TR_RE.finditer(html) if re.search(r">\s*\d", m.group())]
    for n, m in enumerate(rows):
        yield Damaged(gold, f"delete table row {n + 1} of {len(rows)}", "delete_row",
                      (html[:m.start()] + html[m.end():]).encode("utf-8"))
    for t, table in enumerate(_TABLE_RE.finditer(html)):
        for fraction in (0.2, 0.5, 0.8):
            cut = table.start() + int((table.end() - table.start()) * fraction)
            yield Damaged(gold, f"cut inside table {t + 1} at {fraction:.0%}", "cut_table",
                          html[:cut].encode("utf-8"))
    for encoding in ("gb18030", "utf-16"):
        declared = _CHARSET_RE.sub(f"charset={encoding}", html)
        yield Damaged(gold, f"re-encoded as {encoding}", "reencode", declared.encode(encoding))
        for m in rows[:: max(1, len(rows) // 3)]:
            cut = declared.replace(m.group(), "", 1)
            yield Damaged(gold, f"re-encoded as {encoding}, a row deleted", "reencode_delete_row",
                          cut.encode(encoding))


# ------------------------------------------------------------------------------------------- PDF

_OBJ_RE = re.compile(rb"(\d+)\s+0\s+obj\b")
_KIDS_RE = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_COUNT_RE = re.compile(rb"/Count\s+(\d+)")
_REF_RE = re.compile(rb"(\d+)\s+0\s+R")


def _page_tree(data: bytes) -> tuple[re.Match, list[re.Match]]:
    """The /Kids array of the root page tree and its references (a flat page tree, as office exports write)."""
    kids = _KIDS_RE.search(data)
    if kids is None:
        raise ValueError("no /Kids array")
    return kids, list(_REF_RE.finditer(data, kids.start(1), kids.end(1)))


def _content_streams(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of the raw bytes of every Flate stream that inflates to page content (has BT … ET)."""
    spans = []
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        if end < 0:
            continue
        raw = data[m.end():end]
        try:
            content = zlib.decompressobj().decompress(raw)
        except zlib.error:
            continue
        if b"BT" in content and (b"Tj" in content or b"TJ" in content):
            spans.append((m.end(), end))
    return spans


def _same_length(replacement: bytes, original: bytes) -> bytes:
    """`replacement` padded with spaces to the length of what it replaces (the xref offsets stay valid)."""
    assert len(replacement) <= len(original)
    return replacement + b" " * (len(original) - len(replacement))


def pdf_damage(gold: GoldDocument, flips_per_stream: int = 6, rng: random.Random | None = None) -> Iterator[Damaged]:
    rng = rng or random.Random(gold.name)
    data = gold.data
    kids, refs = _page_tree(data)
    count = _COUNT_RE.search(data)
    for n, ref in enumerate(refs, start=1):
        dropped = data[:ref.start()] + b" " * (ref.end() - ref.start()) + data[ref.end():]
        yield Damaged(gold, f"drop page {n} (page count kept)", "drop_page", dropped)
        if count is not None and len(str(len(refs) - 1)) == len(count.group(1)):
            lowered = dropped[:count.start(1)] + str(len(refs) - 1).encode() + dropped[count.end(1):]
            yield Damaged(gold, f"drop page {n} (page count lowered)", "drop_page", lowered)
        missing = _same_length(b"9" * (ref.end(1) - ref.start(1) - 1) + b"8" + ref.group()[len(ref.group(1)):],
                               ref.group())
        yield Damaged(gold, f"page {n}'s reference does not resolve", "unreadable_page",
                      data[:ref.start()] + missing + data[ref.end():])
    for s, (start, end) in enumerate(_content_streams(data), start=1):
        for _ in range(flips_per_stream):
            at = rng.randrange(start + 2, end - 4)  # past the zlib header: a damaged header is the easy case
            flipped = bytes([data[at] ^ (1 << rng.randrange(8))])
            yield Damaged(gold, f"flip a bit at byte {at} (content stream {s})", "flip_stream",
                          data[:at] + flipped + data[at + 1:])
        content = zlib.decompress(data[start:end])
        for fraction in (0.3, 0.6, 0.9):
            cut = zlib.compress(content[:int(len(content) * fraction)], 9)
            if len(cut) <= end - start:
                yield Damaged(gold, f"content stream {s} cut at {fraction:.0%}", "cut_stream",
                              data[:start] + _same_length(cut, data[start:end]) + data[end:])
    for fraction in (0.5, 0.9, 0.99):
        yield Damaged(gold, f"file cut at {fraction:.0%}", "truncate", data[:int(len(data) * fraction)])


# ------------------------------------------------------------------------------------------- DOCX

_W_TR_RE = re.compile(rb"<w:tr\b.*?</w:tr>", re.DOTALL)


def _rezip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile's "Duplicate name": a duplicate is the point
        for name, body in members:
            archive.writestr(name, body)
    return out.getvalue()


def docx_damage(gold: GoldDocument) -> Iterator[Damaged]:
    with zipfile.ZipFile(io.BytesIO(gold.data)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    index = next(i for i, (name, _) in enumerate(members) if name == "word/document.xml")
    document = members[index][1]
    rows = [m for m in _W_TR_RE.finditer(document) if re.search(rb"<w:t(?:\s[^>]*)?>\d", m.group())]
    for n, m in enumerate(rows):
        cut = document[:m.start()] + document[m.end():]
        yield Damaged(gold, f"delete table row {n + 1} of {len(rows)}", "delete_row",
                      lambda cut=cut: _rezip(members[:index] + [("word/document.xml", cut)] + members[index + 1:]))
    for n, m in enumerate(rows[:: max(1, len(rows) // 4)]):
        other = document[:m.start()] + document[m.end():]
        for order, pair in (("damaged copy last", [document, other]), ("damaged copy first", [other, document])):
            doubled = members[:index] + [("word/document.xml", pair[0])] + members[index + 1:] + \
                [("word/document.xml", pair[1])]
            yield Damaged(gold, f"two word/document.xml, {order} ({n + 1})", "duplicate_member",
                          lambda doubled=doubled: _rezip(doubled))
    yield Damaged(gold, "two identical word/document.xml", "duplicate_member",
                  lambda: _rezip(members + [members[index]]))
    for fraction in (0.2, 0.5, 0.8, 0.95, 0.999):
        yield Damaged(gold, f"package cut at {fraction:.1%}", "truncate", gold.data[:int(len(gold.data) * fraction)])
    start, size = _member_data(gold.data, "word/document.xml")
    for fraction in (0.1, 0.5, 0.9):
        at = start + int(size * fraction)
        yield Damaged(gold, f"a byte of word/document.xml's compressed data flipped at {fraction:.0%}",
                      "flip_member", gold.data[:at] + bytes([gold.data[at] ^ 0xFF]) + gold.data[at + 1:])


def _member_data(package: bytes, name: str) -> tuple[int, int]:
    """(offset, length) of a member's compressed bytes in a zip package (after its local file header)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        info = archive.getinfo(name)
    header = info.header_offset
    name_length = int.from_bytes(package[header + 26:header + 28], "little")
    extra_length = int.from_bytes(package[header + 28:header + 30], "little")
    return header + 30 + name_length + extra_length, info.compress_size


# ------------------------------------------------------------------------------------------- cases

DAMAGERS = {"txt": text_damage, "html": html_damage, "pdf": pdf_damage, "docx": docx_damage}


def cases_of(fmt: str, docx_sources: int | None = None) -> list[Damaged]:
    """Every damaged case of one format; the .docx cases come from the gold of the first `docx_sources` text
    reports (all when None: rendering one takes a few seconds)."""
    if fmt == "docx":
        texts = [g for g in gold_documents() if g.fmt == "txt"]
        return [c for g in texts[:docx_sources] for c in docx_damage(docx_from_gold(g))]
    return [c for g in gold_documents() if g.fmt == fmt for c in DAMAGERS[fmt](g)]


def all_cases(docx_sources: int | None = None) -> list[Damaged]:
    return [c for fmt in DAMAGERS for c in cases_of(fmt, docx_sources)]


SAMPLE_PER_FORMAT = {"txt": 200, "html": 40, "docx": 40, "pdf": 12}  # a PDF case takes seconds, a text one ms


def sample_cases(per_format: dict[str, int] | None = None, seed: int = 0) -> list[Damaged]:
    """A deterministic sample: `per_format[fmt]` cases of each format, every kind of damage of the format
    among them."""
    per_format = per_format or SAMPLE_PER_FORMAT
    rng = random.Random(seed)
    chosen: list[Damaged] = []
    for fmt, count in sorted(per_format.items()):
        cases = cases_of(fmt, docx_sources=2)
        kinds = sorted({c.kind for c in cases})
        firsts = [rng.choice([c for c in cases if c.kind == kind]) for kind in kinds]
        taken = {id(c) for c in firsts}
        rest = [c for c in cases if id(c) not in taken]
        chosen += firsts + rng.sample(rest, max(0, min(len(rest), count - len(firsts))))
    return chosen


# ------------------------------------------------------------------------------------------- oracle


def cell_differences(gold: dict, cells: dict) -> dict[str, tuple]:
    """{key: (gold, extracted)} of every cell that differs, the optional 规章 row's absence excepted."""
    out = {}
    for k in sorted(set(gold) | set(cells)):
        if k not in cells and k.startswith(OPTIONAL_PREFIXES):
            continue
        if k not in cells or k not in gold or gold[k] != cells[k]:
            out[k] = (gold.get(k, "<absent>"), cells.get(k, "<absent>"))
    return out


def judge(case: Damaged, result: ExtractionResult) -> Verdict:
    codes = [i.code for i in result.issues]
    if "parser_error" in codes:
        return Verdict(case, result.status, "parser_error", result.issues[0].message)
    if result.status == "ok":
        diff = cell_differences(case.source.cells, result.cells)
        if diff:
            shown = ", ".join(f"{k}: {g}->{e}" for k, (g, e) in list(diff.items())[:6])
            return Verdict(case, "ok", "silent_loss", f"{len(diff)} cells differ: {shown}")
        return Verdict(case, "ok", "ok_exact")
    return Verdict(case, result.status, "flagged" if result.status == "needs_review" else "failed",
                   ", ".join(sorted(set(c for c in codes)))[:200])


def run(case: Damaged) -> Verdict:
    return judge(case, extract_bytes(case.data, case.file_name))


def summary(verdicts: list[Verdict]) -> str:
    outcomes = Counter(v.outcome for v in verdicts)
    return " ".join(f"{name}={outcomes.get(name, 0)}" for name in
                    ("ok_exact", "flagged", "failed", "silent_loss", "parser_error")) + f" cases={len(verdicts)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", action="store_true", help="the sample the test suite runs, not every case")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.process_time()
    cases = sample_cases(seed=args.seed) if args.sample else all_cases()
    verdicts = [run(case) for case in cases]
    by_kind: dict[tuple[str, str], Counter] = {}
    for v in verdicts:
        by_kind.setdefault((v.case.source.fmt, v.case.kind), Counter())[v.outcome] += 1
    print("| format | damage | cases | ok and exact | needs_review | failed | silent loss |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (fmt, kind), c in sorted(by_kind.items()):
        print(f"| {fmt} | {kind} | {sum(c.values())} | {c['ok_exact']} | {c['flagged']} | {c['failed']} | "
              f"{c['silent_loss'] + c['parser_error']} |")
    for v in verdicts:
        if v.outcome in ("silent_loss", "parser_error"):
            print(f"{v.outcome}: {v.case.name}: {v.detail}", file=sys.stderr)
    print(summary(verdicts) + f" cpu_seconds={time.process_time() - started:.0f}")
    return 1 if any(v.outcome in ("silent_loss", "parser_error") for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
