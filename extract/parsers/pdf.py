"""PDF parser: pdfplumber pages → table grids (ruled or borderless, stitched across page breaks) →
`grid.parse_tables`. Every cell keeps its page and bounding box.

Pages without a text layer that hold images (scans) are read by OCR (extract/ocr/, loaded only then) into
the same page layouts, and the OCR cells are verified there; the result says `ocr`.

Bad inputs fail with a reason instead of a traceback: `encrypted` (needs a password), `corrupt_pdf`
(truncated or unreadable), `no_text_layer` (neither text nor page images, or scans while OCR is not
installed). Damage pdfminer would read past silently (a stream that does not decode, a text layer cut short, a
page missing) is named by page (pdf_integrity.py) and makes the document needs_review. Work is bounded by
`ExtractOptions.max_pdf_pages` (EXTRACT_MAX_PDF_PAGES, default 200); the format's guard
(guards.check_pdf_streams) has refused decompression bombs before the parser runs.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import grid, guards, model
from ..model import ExtractionError, Issue, ParsedDocument
from ..options import ExtractOptions
from ..registry import register
from . import pdf_borderless, pdf_integrity, pdf_layout
from .pdf_layout import Line, PageTable

log = logging.getLogger(__name__)

MAX_EDGES_PER_PAGE = 20_000

# pdfminer logs a warning for every glyph of fonts without a bounding box; they say nothing about the data
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


@dataclass
class PageLayout:
    number: int  # 1-based
    lines: list[Line]
    tables: list[PageTable]
    has_text: bool
    has_images: bool
    issues: list[Issue]
    height: float
    loose_lines: list[Line] = field(default_factory=list)  # lines outside ruled tables


@register("pdf", guard=guards.check_pdf_streams)
def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument:
    layouts, issues = read_layouts(data, options)
    scanned = [layout.number for layout in layouts if not layout.has_text and layout.has_images]
    if not scanned:
        return parse_layouts(layouts, issues)
    from ..ocr import document as ocr  # numpy, OpenCV and onnxruntime: loaded for scanned pages only

    unavailable = ocr.unavailable()
    if unavailable:
        if not any(layout.has_text for layout in layouts):
            raise ExtractionError("no_text_layer", f"no text layer: the PDF holds scanned page images and OCR "
                                                   f"is not available ({unavailable})")
        issues.append(Issue("no_text_layer", f"pages {scanned} have no text layer (scanned images) and OCR is "
                            f"not available ({unavailable}); their tables could not be read",
                            details={"pages": scanned}))
        return parse_layouts(layouts, issues)
    pages = ocr.read_pdf_pages(data, scanned, options)
    read = ocr.page_layouts(pages)
    parsed = parse_layouts([read.get(layout.number, layout) for layout in layouts], issues)
    ocr.verify(parsed, pages, ocr.PdfSource(data))
    parsed.ocr = True
    return parsed


def parse_layouts(layouts: list[PageLayout], issues: list[Issue]) -> ParsedDocument:
    """Pages read (from the text layer or by OCR) → the document's text and its tables through the grid."""
    text = "\n".join(line.text for layout in layouts for line in layout.lines
                     if not pdf_layout.is_page_furniture(line.text))
    tables = stitch_pages(layouts)
    parsed = grid.parse_tables([to_grid_table(t) for t in tables], text)
    parsed.issues[:0] = issues
    return parsed


def read_layouts(data: bytes, options: ExtractOptions = ExtractOptions()) -> tuple[list[PageLayout], list[Issue]]:
    """Open the PDF and read every page (up to `options.max_pdf_pages`) into lines and tables."""
    import pdfplumber  # heavy: imported when a PDF is actually parsed

    issues: list[Issue] = []
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        raise _damaged(exc) from exc
    layouts: list[PageLayout] = []
    try:
        try:
            pages = pdf.pages
        except Exception as exc:
            raise _damaged(exc) from exc
        max_pages = options.max_pdf_pages
        if len(pages) > max_pages:
            issues.append(Issue("page_limit", f"only the first {max_pages} of {len(pages)} pages were read "
                                              "(EXTRACT_MAX_PDF_PAGES)"))
        damaged: list[ExtractionError] = []
        checked_streams: dict[int, str | None] = {}
        for number, page in enumerate(pages[:max_pages], start=1):
            try:
                check = pdf_integrity.check_page(page.page_obj, number, checked_streams)
                issues += check.issues
                if not check.readable:
                    continue
                with pdf_integrity.collect_warnings() as warnings:
                    layouts.append(read_page(page, number))
                warned = pdf_integrity.warnings_issue(number, warnings)
                if warned is not None and not any(i.code == warned.code and i.details.get("page") == number
                                                  for i in check.issues):
                    issues.append(warned)
            except ExtractionError as exc:  # one damaged page: keep the others, say so
                damaged.append(exc)
                issues.append(Issue(exc.code, f"page {number}: {exc.message}", details={"page": number}))
            page.flush_cache()  # keeps memory flat on long documents
        if damaged and not layouts:
            raise damaged[0]
        issues += _missing_pages(pdf, layouts, len(pages))
    finally:
        _close_quietly(pdf)
    issues += [issue for layout in layouts for issue in layout.issues]
    if not any(layout.has_text or layout.has_images for layout in layouts):
        raise ExtractionError("no_text_layer", "no text layer and no page images: nothing to read")
    return layouts, issues


def _missing_pages(pdf: Any, layouts: list[PageLayout], pages_found: int) -> list[Issue]:
    """Pages the document should have and does not: the page tree's own count, printed page numbers."""
    numbers = []
    for layout in layouts:
        printed = pdf_integrity.printed_page_number(layout.lines, layout.height)
        if printed is not None:
            numbers.append((layout.number, *printed))
    return pdf_integrity.page_gaps(numbers, len(layouts), pdf_integrity.announced_page_count(pdf), pages_found)


def _close_quietly(pdf: Any) -> None:
    """Close without masking the reason already given: pdfplumber's close() builds the page list again,
    which raises a second time on the damaged page tree that made us stop."""
    try:
        pdf.close()
    except Exception:  # nothing left to report about a file we could not read
        log.debug("closing a damaged PDF failed", exc_info=True)


def _damaged(exc: Exception) -> ExtractionError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    # pdfplumber wraps pdfminer's errors in PdfminerException(original)
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc.__cause__ or exc
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return ExtractionError("encrypted", "the PDF is encrypted and needs a password to open")
    message = str(inner) or type(inner).__name__
    if "encrypt" in message.lower() or "password" in message.lower():
        return ExtractionError("encrypted", f"the PDF is encrypted and cannot be opened: {message}")
    return ExtractionError("corrupt_pdf", f"the PDF is damaged or truncated: {message}")


def read_page(page: Any, number: int) -> PageLayout:
    issues: list[Issue] = []
    try:
        chars = page.chars
        visible = page.filter(pdf_layout.visible_edge_objects)
        edges = visible.edges
        if len(edges) > MAX_EDGES_PER_PAGE:  # a drawing, not a table: finding cells would take minutes
            issues.append(Issue("page_too_complex", f"page {number} draws {len(edges)} lines; ruled tables "
                                f"were not looked for on it", severity="info"))
            regions = []
        else:
            regions = pdf_layout.table_regions(visible, edges)
        has_images = bool(page.images)
    except Exception as exc:  # errors of pdfminer/pdfplumber reading a damaged page
        raise _damaged(exc) from exc
    direction = pdf_layout.sideways_direction(chars)
    if direction is not None:  # read a sideways page in the frame where its text runs left to right
        size = (page.width, page.height)
        chars = [pdf_layout.turn_upright(c, direction, *size) for c in chars]
        edges = [pdf_layout.turn_upright(e, direction, *size) for e in edges]
        regions = [pdf_layout.turn_bbox(r, direction, *size) for r in regions]
    tables = pdf_layout.ruled_tables(regions, edges, chars, number)
    lines = pdf_layout.page_lines(chars, number)
    outside = [c for c in chars if not any(_inside(c, t) for t in tables)]
    loose_lines = pdf_layout.page_lines(outside, number) if len(outside) != len(chars) else lines
    tables += pdf_borderless.borderless_tables(loose_lines, number)
    tables.sort(key=lambda t: t.top)
    height = page.width if direction is not None else page.height
    return PageLayout(number, lines, tables, bool(chars), has_images, issues, height, loose_lines)


def _inside(ch: dict[str, Any], table: PageTable) -> bool:
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return (table.col_bounds[0] <= cx <= table.col_bounds[-1] and table.top <= cy <= table.bottom)


def running_lines(layouts: list[PageLayout]) -> set[str]:
    """Texts printed in the top or bottom margin of several pages at the same height (running headers
    and footers), digits masked."""
    seen: dict[tuple[str, int], set[int]] = {}
    for layout in layouts:
        for line in layout.lines:
            if 0.12 * layout.height < line.top and line.bottom < 0.88 * layout.height:
                continue
            key = (re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text)), round(line.top / 10))
            seen.setdefault(key, set()).add(layout.number)
    return {text for (text, _), pages in seen.items() if len(pages) >= 2}


def stitch_pages(layouts: list[PageLayout]) -> list[PageTable]:
    """Document-order tables, with a table that runs over a page break joined into one."""
    running = running_lines(layouts)

    def is_furniture(line: Line) -> bool:
        return (pdf_layout.is_page_furniture(line.text)
                or re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text)) in running)

    def text_below(layout: PageLayout, y: float) -> bool:
        return any(line.top > y and not is_furniture(line) for line in layout.lines)

    def text_above(layout: PageLayout, y: float) -> bool:
        return any(line.bottom < y and not is_furniture(line) for line in layout.lines)

    for prev_layout, layout in zip(layouts, layouts[1:]):
        _carry_header_over_break(prev_layout, layout, text_above)

    result: list[PageTable] = []
    prev_layout: PageLayout | None = None
    for layout in layouts:
        for index, table in enumerate(layout.tables):
            if index == 0 and result and prev_layout is not None and prev_layout.tables \
                    and result[-1].last_page == prev_layout.number:
                prev = result[-1]
                if pdf_layout.can_continue(prev, table, text_below(prev_layout, prev.bottom),
                                           text_above(layout, table.top)):
                    result[-1] = pdf_layout.stitch(prev, table)
                    continue
            result.append(table)
        prev_layout = layout
    return result


def _carry_header_over_break(prev: PageLayout, layout: PageLayout,
                             text_above: Callable[[PageLayout, float], bool]) -> None:
    """A borderless table opening a page whose header lines were printed at the foot of the previous
    page: read the table again with those lines above it."""
    first = layout.tables[0] if layout.tables else None
    if first is None or first.kind != "borderless" or text_above(layout, first.top):
        return
    after = max([t.bottom for t in prev.tables] + [0.0])
    header = pdf_borderless.trailing_header_lines(prev.loose_lines, after)
    if not header:
        return
    carried = pdf_borderless.shifted_above(header, first.top)
    rebuilt = pdf_borderless.borderless_tables(carried + layout.loose_lines, layout.number)
    if rebuilt and rebuilt[0].top < first.top:
        layout.tables = sorted([t for t in layout.tables if t.kind != "borderless"] + rebuilt,
                               key=lambda t: t.top)


def to_grid_table(table: PageTable) -> grid.GridTable:
    """The shared grid form: positions covered by a merged cell carry the origin of that cell."""
    origins: dict[int, tuple[int, int]] = {}
    rows: grid.GridTable = []
    for r, row in enumerate(table.grid):
        out = []
        for c, box in enumerate(row):
            origin = origins.setdefault(id(box), (r, c))
            out.append(grid.GridCell(
                text=box.text,
                cell=model.Cell(value=None, raw=box.text, page=box.page, bbox=box.bbox),
                origin=None if origin == (r, c) else origin,
            ))
        rows.append(out)
    return rows
