"""Where a finding sits in its source document, shown as a maintainer would look for it, for the quality report:

- PDF: a crop of the page (rendered from the raw object with pypdfium2) with the box of each cell the finding is
  about drawn on it (charts.page_crop);
- text: the source lines of those cells, highlighted, with a line or two around them;
- HTML and Word: the rows of the source table that hold those cells, as the document prints them, the cells
  highlighted (their provenance is table / row / column, not a line);
- a cell of the review queue read from a PDF page or an image (an OCR reading): that cell alone, cropped from
  the page at CELL_CROP_SCALE (cell_crop);
- a finding about the whole document (deadline_9, similarity_9), a legacy .doc, or a document the store no longer
  holds: no picture, and the report says why.

Which cells a finding is about comes from the check: an identity's terms (extract/identities.py) in the finding's
row or column, the cell of counts_6, the 表二 row of stock_7, the text line of a narrative_8 statement. Where
each cell was read comes from its provenance in the landing tables.
"""
from __future__ import annotations

import html
import io
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from extract.identities import IDENTITIES_BY_NUMBER
from extract.keys import split_key, template_keys

from . import charts

log = logging.getLogger(__name__)

PAGE_SCALE = 1.5  # pixels per PDF point of the page crops
MOST_CROP_PIXELS = 900  # a crop taller than this is drawn at a smaller scale
CROP_MARGIN_POINTS = 24
LINES_AROUND = 2
CELL_CROP_SCALE = 2.0  # pixels per PDF point of a review-queue cell's crop
CELL_CROP_MARGIN_POINTS = 3  # around the cell's box, so strokes on its edge show
MOST_CELL_CROP_PIXELS = 480  # a wider or taller cell is drawn at a smaller scale
MOST_LINES_SHOWN = 40


@dataclass(frozen=True)
class CellPlace:
    """Where one cell was read (its provenance)."""

    cell_key: str
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # PDF points, origin top left: x0, top, x1, bottom
    line: int | None = None
    table_index: int | None = None
    row_index: int | None = None
    col_index: int | None = None

    @classmethod
    def from_provenance(cls, cell_key: str, provenance: dict[str, Any]) -> CellPlace:
        bbox = provenance.get("bbox")
        return cls(cell_key, provenance.get("page"), tuple(bbox) if bbox else None, provenance.get("line"),
                   provenance.get("table_index"), provenance.get("row_index"), provenance.get("col_index"))


def finding_cells(check_code: str, scope_kind: str | None, scope: str | None) -> tuple[str, ...]:
    """The canonical keys of the cells a check result is about (empty when it is about no cell)."""
    if scope is None:
        return ()
    if check_code.startswith("identity_"):
        identity = IDENTITIES_BY_NUMBER[int(check_code.split("_")[1])]
        terms = identity.lhs if identity.across_years else (
            identity.lhs + identity.rhs + tuple(t for _, variant in identity.rhs_variants for t in variant))
        return tuple(identity.cell(scope, term) for term in terms)
    if scope_kind == "cell":
        return (scope,)
    if check_code == "stock_7" and scope_kind == "row":  # 2021 表二: in_force follows from issued and repealed
        return tuple(k for k in template_keys("2021") if split_key(k)[:2] == (2, scope))
    return ()


def cell_places(con, document_hash: str, cell_keys: tuple[str, ...], cells_table: str) -> list[CellPlace]:
    """The provenance of those of `cell_keys` the document printed, in the order given."""
    if not cell_keys:
        return []
    rows = dict(con.execute(f"select cell_key, provenance_json from {cells_table} where document_hash = ? "
                            f"and cell_key in ({', '.join('?' for _ in cell_keys)})",
                            [document_hash, *cell_keys]).fetchall())
    return [CellPlace.from_provenance(k, json.loads(rows[k] or "{}")) for k in cell_keys if k in rows]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def pdf_crop(data: bytes, places: list[CellPlace], caption: str) -> str | None:
    """The page holding most of the cells, cropped to them (the page's full width, for the row labels), with
    every cell's box drawn."""
    import pypdfium2 as pdfium

    boxed = [p for p in places if p.page and p.bbox]
    if not boxed:
        return None
    by_page: dict[int, list[CellPlace]] = {}
    for place in boxed:
        by_page.setdefault(place.page, []).append(place)
    page_number = max(by_page, key=lambda n: (len(by_page[n]), -n))
    on_page = by_page[page_number]
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[page_number - 1]
        page_width, page_height = page.get_size()
        top = max(0.0, min(p.bbox[1] for p in on_page) - CROP_MARGIN_POINTS)
        bottom = min(page_height, max(p.bbox[3] for p in on_page) + CROP_MARGIN_POINTS)
        scale = min(PAGE_SCALE, MOST_CROP_PIXELS / max(1.0, bottom - top))
        image = page.render(scale=scale).to_pil()
    finally:
        pdf.close()
    crop = image.crop((0, int(top * scale), int(page_width * scale), int(bottom * scale)))
    buffer = io.BytesIO()
    crop.save(buffer, format="PNG", optimize=True)
    boxes = [((p.bbox[0]) * scale, (p.bbox[1] - top) * scale, (p.bbox[2]) * scale, (p.bbox[3] - top) * scale,
              p.cell_key) for p in on_page]
    return charts.page_crop(buffer.getvalue(), crop.width, crop.height, boxes,
                            f"{caption}: page {page_number}, {len(on_page)} cell(s) boxed")


@dataclass(frozen=True)
class CellCrop:
    png: bytes
    width: int
    height: int
    scale: float  # pixels per PDF point


def _crop_scale(width_points: float, height_points: float) -> float:
    return min(CELL_CROP_SCALE, MOST_CELL_CROP_PIXELS / max(1.0, width_points, height_points))


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _padded(bbox: tuple[float, float, float, float], page_width: float,
            page_height: float) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    margin = CELL_CROP_MARGIN_POINTS
    return (max(0.0, x0 - margin), max(0.0, top - margin), min(page_width, x1 + margin),
            min(page_height, bottom + margin))


def _cell_crop(page_image, pixels_per_point: float, box: tuple[float, float, float, float]) -> CellCrop:
    """The box (points) of a page image drawn at `pixels_per_point`, as a crop at CELL_CROP_SCALE (smaller for
    a cell wider or taller than MOST_CELL_CROP_PIXELS)."""
    from PIL import Image

    x0, top, x1, bottom = box
    scale = _crop_scale(x1 - x0, bottom - top)
    crop = page_image.crop(tuple(round(v * pixels_per_point) for v in box))
    size = (max(1, round((x1 - x0) * scale)), max(1, round((bottom - top) * scale)))
    if crop.size != size:
        crop = crop.resize(size, Image.Resampling.LANCZOS)
    return CellCrop(_png(crop), crop.width, crop.height, scale)


def pdf_cell_crops(data: bytes, places: list[CellPlace]) -> dict[str, CellCrop]:
    """cell key -> the region of its page holding the cell (its box and CELL_CROP_MARGIN_POINTS around it),
    rendered from the PDF at CELL_CROP_SCALE (each page once). A place without page and box, or outside the
    document, has none."""
    import pypdfium2 as pdfium

    crops: dict[str, CellCrop] = {}
    rendered: dict[int, Any] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for place in places:
            if not place.page or not place.bbox or place.page > len(pdf):
                continue
            page = pdf[place.page - 1]
            box = _padded(place.bbox, *page.get_size())
            if box[2] <= box[0] or box[3] <= box[1]:
                continue
            if place.page not in rendered:
                rendered[place.page] = page.render(scale=CELL_CROP_SCALE).to_pil()
            crops[place.cell_key] = _cell_crop(rendered[place.page], CELL_CROP_SCALE, box)
    finally:
        pdf.close()
    return crops


def image_cell_crops(data: bytes, places: list[CellPlace]) -> dict[str, CellCrop]:
    """cell key -> the region of its frame (page) of a PNG/JPEG/TIFF holding the cell, scaled to
    CELL_CROP_SCALE pixels per point. Boxes are in points of the frame at the resolution the OCR read it at
    (extract/ocr/raster.py: the image's stated dpi, else the one making it A4 wide)."""
    from PIL import Image, ImageOps

    from extract.ocr.raster import image_frames

    dpis, _ = image_frames(data, max(p.page or 0 for p in places) if places else 0)
    crops: dict[str, CellCrop] = {}
    frames: dict[int, Any] = {}
    with Image.open(io.BytesIO(data)) as image:
        for place in places:
            if not place.page or not place.bbox or place.page > len(dpis):
                continue
            if place.page not in frames:
                image.seek(place.page - 1)
                frames[place.page] = ImageOps.exif_transpose(image).convert("RGB")
            frame, pixels_per_point = frames[place.page], dpis[place.page - 1] / 72.0
            box = _padded(place.bbox, frame.width / pixels_per_point, frame.height / pixels_per_point)
            if box[2] <= box[0] or box[3] <= box[1]:
                continue
            crops[place.cell_key] = _cell_crop(frame, pixels_per_point, box)
    return crops


CELL_CROPPERS: dict[str, Callable[[bytes, list[CellPlace]], dict[str, CellCrop]]] = {
    "pdf": pdf_cell_crops, "image": image_cell_crops}


def text_lines(text: str, highlighted: set[int]) -> str | None:
    """The highlighted lines (1-based) of `text` with LINES_AROUND lines of context, gaps marked ⋯."""
    lines = text.split("\n")
    wanted = sorted(n for n in highlighted if 1 <= n <= len(lines))
    if not wanted:
        return None
    shown: list[int] = []
    for number in wanted:
        for n in range(max(1, number - LINES_AROUND), min(len(lines), number + LINES_AROUND) + 1):
            if n not in shown:
                shown.append(n)
    shown = sorted(shown)[:MOST_LINES_SHOWN]
    rows, previous = [], None
    for n in shown:
        if previous is not None and n != previous + 1:
            rows.append('<tr class="gap"><td class="ln">⋯</td><td></td></tr>')
        mark = n in highlighted
        text_html = f"<mark>{_e(lines[n - 1])}</mark>" if mark else _e(lines[n - 1])
        rows.append(f'<tr class="{"hl mark" if mark else ""}" data-line="{n}"><td class="ln">{n}</td>'
                    f"<td><code>{text_html}</code></td></tr>")
        previous = n
    return '<table class="source-lines">' + "".join(rows) + "</table>"


def table_rows(tables, places: list[CellPlace]) -> str | None:
    """The header rows and the rows holding the cells of one source table (HTML, Word), cells highlighted."""
    placed = [p for p in places if p.table_index is not None and p.row_index is not None]
    if not placed:
        return None
    index = placed[0].table_index
    table = next((t for t in tables if t and t[0] and t[0][0].cell.table_index == index), None)
    if table is None:
        return None
    marked = {(p.row_index, p.col_index): p.cell_key for p in placed if p.table_index == index}
    rows_shown = sorted({0, 1} | {r for r, _ in marked})
    parts, previous = ['<table class="source-table">'], None
    for r in rows_shown:
        if r >= len(table):
            continue
        if previous is not None and r != previous + 1:
            parts.append(f'<tr class="gap"><td colspan="{len(table[r])}">⋯</td></tr>')
        parts.append(f'<tr data-row="{r}">')
        for c, cell in enumerate(table[r]):
            text = "" if cell.is_copy else cell.text
            key = marked.get((r, c))
            parts.append(f'<td class="hl mark" title="{_e(key)}"><mark>{_e(text)}</mark></td>' if key
                         else f"<td>{_e(text)}</td>")
        parts.append("</tr>")
        previous = r
    parts.append("</table>")
    return "".join(parts)


def _html_tables(data: bytes):
    from extract.encoding import decode_html
    from extract.parsers.html import read_page

    return read_page(decode_html(data)[0])[1]


def _docx_tables(data: bytes):
    from extract.parsers.docx import read_document

    return read_document(data)[1]


GRID_READERS: dict[str, Callable[[bytes], Any]] = {"html": _html_tables, "docx": _docx_tables}


def source_view(finding: dict[str, Any], document_format: str | None, read_raw: Callable[[str], bytes],
                con, cells_table: str) -> tuple[str | None, str]:
    """(the picture of where `finding` sits in its source, as HTML; or None and why there is none)."""
    cell_keys = finding_cells(finding["check_code"], finding.get("scope_kind"), finding.get("scope"))
    statement_line = finding.get("line") if finding["check_code"].startswith("narrative_") else None
    if not cell_keys and statement_line is None:
        return None, "the finding is about the whole document"
    if not finding.get("object_key"):
        return None, "no raw object is recorded for the document"
    try:
        data = read_raw(finding["object_key"])
    except (KeyError, OSError) as exc:
        return None, f"the raw object {finding['object_key']} could not be read ({type(exc).__name__})"
    places = cell_places(con, finding["document_hash"], cell_keys, cells_table)
    caption = f"{finding.get('agency') or ''} {finding.get('year') or ''} {finding['check_code']} {finding.get('scope') or ''}"
    try:
        if document_format == "pdf":
            view = pdf_crop(data, places, caption.strip())
        elif document_format == "txt":
            from extract.parsers.text import decode

            lines = {p.line for p in places if p.line} | ({statement_line} if statement_line else set())
            view = text_lines(decode(data), lines)
        elif document_format in GRID_READERS:
            view = table_rows(GRID_READERS[document_format](data), places)
        else:
            return None, f"no picture for a {document_format or 'document of unknown format'}: open the raw file"
    except Exception as exc:  # a picture that cannot be drawn never stops the report
        log.warning("no source picture for finding %s: %s: %s", finding.get("fingerprint"), type(exc).__name__, exc)
        return None, f"the source could not be drawn ({type(exc).__name__})"
    if view is None:
        return None, "the cells' places in the source were not recorded"
    return view, ""
