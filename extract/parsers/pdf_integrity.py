"""What pdfminer reads without a word: damaged streams, text layers cut short, pages missing from the document.

pdfminer is lenient where this project must not be: a Flate stream that fails to inflate is decoded as far as
it goes (with at most a log warning) or as nothing at all, an unknown operator is skipped, a page tree entry
that does not resolve is left out. Each of these silently gives less text. This module looks at what pdfminer
is about to read, strictly, and says so, naming the page:

- `PageCheck` (`check_page`): every stream a page draws with (its content streams, and the fonts, ToUnicode
  maps and form XObjects of its resources; images are never decoded) must inflate completely; the page's
  content must close every text object, graphics state and marked-content sequence it opens (BT … ET, q … Q,
  BMC/BDC … EMC: a content stream cut short leaves some open); and
  the content must stay within what a page of a report can hold (`MAX_PAGE_CONTENT_BYTES` decoded,
  `MAX_PAGE_TEXT_BYTES` of text operands), so that one page cannot take the memory of the whole extraction.
- `collect_warnings`: the warnings pdfminer logs about the data it decodes while a page is read.
- `page_gaps`: the page tree announcing more pages than it holds, and printed page numbers ("- 3 -",
  "第 3 页", "3/5", "共 5 页") that skip a page.
"""
from __future__ import annotations

import contextlib
import logging
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import Issue

MAX_PAGE_CONTENT_BYTES = 8 * 1024 * 1024  # decoded content of one page; a dense table page needs ~100 KB
MAX_PAGE_TEXT_BYTES = 256 * 1024  # bytes of text operands of one page (~ glyphs); a dense page has ~10 KB
MAX_RESOURCE_OBJECTS = 5000  # objects walked from one page's resources
_INFLATE_CHUNK = 1024 * 1024

_LITERAL_STRING_RE = re.compile(rb"\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)", re.DOTALL)
_HEX_STRING_RE = re.compile(rb"<[0-9A-Fa-f\s]*>")
_INLINE_IMAGE_RE = re.compile(rb"(?<![/\w])BI\b.*?\bID\s.*?\sEI(?![\w])", re.DOTALL)
# Operators that open and close: text objects (BT … ET), graphics states (q … Q), marked content (BMC/BDC … EMC).
# A content stream must close what it opens; one cut short leaves some open.
_PAIRED_OPERATOR_RE = re.compile(rb"(?<![/\w.])(BT|ET|q|Q|BMC|BDC|EMC)(?![\w])")
_PAIRS = (("text objects", b"BT", (b"ET",)), ("graphics states", b"q", (b"Q",)),
          ("marked-content sequences", b"BMC", (b"EMC",)))
_SKIPPED_KEYS = frozenset({"Parent", "P", "Pg", "StructParent", "StructParents", "Annots", "B", "Dest"})


@dataclass
class PageCheck:
    issues: list[Issue] = field(default_factory=list)
    readable: bool = True  # False: the page is not handed to pdfplumber (too large to read safely)


def check_page(page_obj: Any, number: int, checked: dict[int, str | None]) -> PageCheck:
    """Check one page (a pdfminer PDFPage) before it is read. `checked` caches stream verdicts by object id
    across the pages of a document (fonts are shared)."""
    check = PageCheck()
    damaged = []
    for stream in _page_streams(page_obj):
        objid = stream.objid if stream.objid is not None else id(stream)
        if objid not in checked:
            checked[objid] = _inflate_fault(stream)
        if checked[objid]:
            damaged.append(f"object {stream.objid}: {checked[objid]}")
    if damaged:
        check.issues.append(Issue(
            "pdf_stream_damaged", f"page {number}: {len(damaged)} stream(s) it draws with cannot be decoded "
            f"completely ({'; '.join(damaged[:3])}): its text may be cut short", key=None,
            details={"page": number, "streams": damaged}))
    content, size = _page_content(page_obj)
    if size > MAX_PAGE_CONTENT_BYTES:
        check.readable = False
        check.issues.append(Issue(
            "page_too_complex", f"page {number}: its content is {size} bytes decoded (limit "
            f"{MAX_PAGE_CONTENT_BYTES}); the page was not read", details={"page": number}))
        return check
    if content is None:
        return check
    text_bytes, unclosed = _text_operands(content)
    if text_bytes > MAX_PAGE_TEXT_BYTES:
        check.readable = False
        check.issues.append(Issue(
            "page_too_complex", f"page {number}: it draws about {text_bytes} bytes of text (limit "
            f"{MAX_PAGE_TEXT_BYTES}); the page was not read", details={"page": number}))
    elif unclosed:
        check.issues.append(Issue(
            "pdf_text_cut_short", f"page {number}: its content leaves {unclosed} open: the text layer is cut "
            "short", details={"page": number, "unclosed": unclosed}))
    return check


# ------------------------------------------------------------------------------------------- streams

def _page_streams(page_obj: Any) -> Iterator[Any]:
    """The non-image streams a page draws with: its content streams, then every stream reachable from its
    resources (fonts, font files, ToUnicode maps, form XObjects and their own resources)."""
    from pdfminer.pdftypes import PDFObjRef, PDFStream

    seen: set[int] = set()
    pending: list[Any] = list(getattr(page_obj, "contents", None) or [])
    pending.append(getattr(page_obj, "resources", None))
    walked = 0
    while pending and walked < MAX_RESOURCE_OBJECTS:
        obj = pending.pop()
        walked += 1
        if isinstance(obj, PDFObjRef):
            if obj.objid in seen:
                continue
            seen.add(obj.objid)
            try:
                obj = obj.resolve()
            except Exception:  # a dangling reference: pdfminer reads it as nothing; nothing to decode here
                continue
        if isinstance(obj, PDFStream):
            if _is_image(obj):
                continue
            yield obj
            pending.extend(v for k, v in obj.attrs.items() if k not in _SKIPPED_KEYS)
        elif isinstance(obj, dict):
            pending.extend(v for k, v in obj.items() if k not in _SKIPPED_KEYS)
        elif isinstance(obj, list):
            pending.extend(obj)


def _is_image(stream: Any) -> bool:
    subtype = stream.attrs.get("Subtype")
    return getattr(subtype, "name", subtype) == "Image"


def _raw(stream: Any) -> bytes | None:
    """The stream's bytes before its filters (decrypted), or None when pdfminer has decoded it already."""
    data = stream.rawdata
    if data is None:
        return None
    if stream.decipher:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    return data


def _flate_first(stream: Any) -> bool:
    try:
        filters = stream.get_filters()
    except Exception:
        return False
    if not filters:
        return False
    name = getattr(filters[0][0], "name", filters[0][0])
    return name in ("FlateDecode", "Fl")


def _inflate_fault(stream: Any) -> str | None:
    """Why a Flate stream does not inflate completely (None when it does, or when it is not Flate)."""
    if not _flate_first(stream):
        return None
    data = _raw(stream)
    if data is None:
        return None
    return _inflate(data, sink=None)[1]


def _inflate(data: bytes, sink: list[bytes] | None, limit: int | None = None) -> tuple[int, str | None]:
    """Inflate `data` strictly in bounded chunks: (bytes inflated, fault or None). The inflated bytes go to
    `sink` when one is given; inflating stops after `limit` bytes (the size then exceeds it)."""
    if not data.strip():
        return 0, None  # an empty stream: pdfminer reads it as empty too, nothing is lost
    inflater = zlib.decompressobj()
    size = 0
    pending = data
    try:
        while pending and not inflater.eof:
            out = inflater.decompress(pending, _INFLATE_CHUNK)
            pending = inflater.unconsumed_tail
            size += len(out)
            if sink is not None:
                sink.append(out)
            if limit is not None and size > limit:
                return size, None
            if not out and not pending:
                break
        if not inflater.eof:
            rest = inflater.flush()
            size += len(rest)
            if sink is not None:
                sink.append(rest)
            return size, "the compressed data ends before the end of the stream"
    except zlib.error as exc:
        return size, f"the compressed data is damaged ({exc})"
    return size, None


def _page_content(page_obj: Any) -> tuple[bytes | None, int]:
    """The page's content streams decoded and joined, and their size so far; (None, size) when a stream is
    encoded otherwise than with Flate alone (left to pdfminer) or the content is over the limit."""
    parts: list[bytes] = []
    size = 0
    for stream in _content_streams(page_obj):
        if stream.data is not None:  # decoded already
            parts.append(stream.data)
            size += len(stream.data)
            continue
        raw = _raw(stream)
        try:
            filters = stream.get_filters()
        except Exception:
            return None, size
        if raw is None or len(filters) > 1 or (filters and not _flate_first(stream)):
            return None, size
        if not filters:
            parts.append(raw)
            grown = len(raw)
        else:
            grown, _fault = _inflate(raw, parts, limit=MAX_PAGE_CONTENT_BYTES - size)
        size += grown
        if size > MAX_PAGE_CONTENT_BYTES:
            return None, size
    return b"\n".join(parts), size


def _content_streams(page_obj: Any) -> list[Any]:
    from pdfminer.pdftypes import PDFStream, resolve1

    streams = []
    for obj in getattr(page_obj, "contents", None) or []:
        try:
            obj = resolve1(obj)
        except Exception:
            continue
        if isinstance(obj, PDFStream):
            streams.append(obj)
    return streams


def _text_operands(content: bytes) -> tuple[int, str]:
    """(bytes of text in string operands, what the content opens and never closes, e.g. "2 text objects", or
    "") of a page's content. Only an excess of openings counts: a stray closing operator loses no text."""
    content = _INLINE_IMAGE_RE.sub(b" ", content)
    text_bytes = 0
    for m in _LITERAL_STRING_RE.finditer(content):
        text_bytes += len(m.group()) - 2
    content = _LITERAL_STRING_RE.sub(b" ", content)
    for m in _HEX_STRING_RE.finditer(content):
        text_bytes += sum(1 for b in m.group() if b not in b" \t\r\n<>") // 2
    content = _HEX_STRING_RE.sub(b" ", content)
    operators = _PAIRED_OPERATOR_RE.findall(content)
    counts = {op: operators.count(op) for op in set(operators)}
    counts[b"BMC"] = counts.get(b"BMC", 0) + counts.get(b"BDC", 0)
    unclosed = []
    for what, opener, closers in _PAIRS:
        excess = counts.get(opener, 0) - sum(counts.get(c, 0) for c in closers)
        if excess > 0:
            unclosed.append(f"{excess} {what}")
    return text_bytes, ", ".join(unclosed)


# ------------------------------------------------------------------------------------------- warnings

class _WarningCollector(logging.Handler):
    """Warnings of pdfminer's stream decoding ("Data-loss while decompressing corrupted data"), kept for the
    page being read instead of going to the log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        records = getattr(self.local, "records", None)
        if records is not None:
            records.append(record.getMessage())


_COLLECTOR = _WarningCollector()
_STREAM_LOG = logging.getLogger("pdfminer.pdftypes")
_STREAM_LOG.setLevel(logging.WARNING)
_STREAM_LOG.addHandler(_COLLECTOR)
_STREAM_LOG.propagate = False


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """The warnings pdfminer logs about damaged data while the body runs (in this thread)."""
    _COLLECTOR.local.records = []
    try:
        yield _COLLECTOR.local.records
    finally:
        _COLLECTOR.local.records = None


def warnings_issue(number: int, warnings: list[str]) -> Issue | None:
    if not warnings:
        return None
    return Issue("pdf_stream_damaged", f"page {number}: pdfminer reported damaged data while reading it "
                                       f"({'; '.join(sorted(set(warnings))[:3])}): its text may be cut short",
                 details={"page": number, "warnings": sorted(set(warnings))})


# ------------------------------------------------------------------------------------------- pages

_PRINTED_NUMBER_RE = re.compile(r"^[-—–\s]*(?:第\s*)?(\d{1,4})\s*(?:页)?\s*(?:(?:/|,|，)?\s*共\s*(\d{1,4})\s*页|/\s*(\d{1,4})\s*页?)?"
                                r"[-—–\s]*$")
_MARGIN = 0.15  # the top and bottom fraction of a page where page numbers are printed


def announced_page_count(pdf: Any) -> int | None:
    """/Count of the document's page tree (None when it cannot be read)."""
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"]).get("Count"))
        return int(count)
    except Exception:
        return None


def printed_page_number(lines: list[Any], height: float) -> tuple[int, int | None] | None:
    """(number, total or None) printed alone on a line in the page's top or bottom margin; the bottom-most
    such line wins, the footer being the usual place."""
    found = None
    for line in sorted(lines, key=lambda line: line.bottom):
        if _MARGIN * height < line.top and line.bottom < (1 - _MARGIN) * height:
            continue
        m = _PRINTED_NUMBER_RE.match(line.text.strip())
        if m:
            total = m.group(2) or m.group(3)
            found = (int(m.group(1)), int(total) if total else None)
    return found


def page_gaps(numbers: list[tuple[int, int | None, int | None]], pages_read: int,
              announced: int | None, pages_found: int) -> list[Issue]:
    """Issues for pages missing from the document: `numbers` holds (physical page, printed number, printed
    total) of the pages that print a number; `pages_found` is how many pages the page tree gave."""
    issues = []
    if announced is not None and announced > pages_found:
        issues.append(Issue("page_missing", f"the page tree announces {announced} pages but only {pages_found} "
                                            "could be found", details={"announced": announced,
                                                                       "found": pages_found}))
    totals = {total for _, _, total in numbers if total}
    if len(totals) == 1 and next(iter(totals)) > pages_found:
        total = next(iter(totals))
        issues.append(Issue("page_missing", f"the pages say the document has {total} pages but it has "
                                            f"{pages_found}", details={"printed_total": total,
                                                                       "found": pages_found}))
    if len(numbers) < 2:
        return issues  # one number alone does not show a numbering
    gaps = []
    first_page, first_number, _ = numbers[0]
    if first_number - first_page > 0 and all(n - p == first_number - first_page for p, n, _ in numbers[:2]):
        gaps.append((0, first_page, first_number - first_page))
    for (p1, n1, _), (p2, n2, _) in zip(numbers, numbers[1:]):
        if n2 - n1 > p2 - p1 and n2 > n1:
            gaps.append((p1, p2, (n2 - n1) - (p2 - p1)))
    for before, after, missing in gaps:
        where = f"before page {after}" if before == 0 else f"between pages {before} and {after}"
        issues.append(Issue("page_missing", f"the printed page numbers skip {missing} page(s) {where}",
                            details={"after_page": before or None, "before_page": after, "missing": missing}))
    return issues
