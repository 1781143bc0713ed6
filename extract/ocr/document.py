"""Scanned pages of one document read by OCR, and the reading verified by the table's own identities.

Reading (`read_pdf_pages`, `read_image`): each page is rendered (PDF) or decoded (PNG/JPEG/TIFF) at
`ExtractOptions.ocr_dpi` (EXTRACT_OCR_DPI), straightened and read by page.py into the PDF parser's page layout;
with `ocr_workers` (EXTRACT_OCR_WORKERS) > 1 the pages are read by a pool of processes (spawned, one
onnxruntime thread each).

Verifying (`verify`, after the grid interpreter has mapped the cells):
- every OCR cell gets its confidence (that of its least certain character) and its box on the page;
- a cell below MIN_CONFIDENCE is doubtful;
- cells that no passing identity vouches for (表二, a row with a blank, the cells of a failing identity)
  and cells a stamp runs over are read a second time from the page rendered at twice the resolution, cut
  with a different window (stamped cells: the coloured parts taken by their red channel); a second reading
  that gives another value makes the cell doubtful; a breach whose cells read the same twice is the
  agency's (an `identity_breach`, as for text documents); a blank cell under a stamp is doubtful;
- a table found with fewer cells than its template prints is `ocr_cells_missing`.
Each doubtful cell is one `ocr_doubtful_cell` issue (an error: status needs_review) naming the key, the
page, the box in PDF points and both readings, so that a reviewer can be shown the crop.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Protocol

from .. import keys as canonical
from ..identities import FAIL, PASS, check_identities, evaluate, identity_sides
from ..model import Cell, ExtractionError, Issue, ParsedDocument
from ..numbers import parse_value
from ..options import ExtractOptions

log = logging.getLogger(__name__)

REREAD_FACTOR = 2.0  # the second reading renders the page at this many times the first resolution
MIN_CONFIDENCE = 0.8  # a cell whose least certain character is below this is doubtful (see README: measured)


# ------------------------------------------------------------------------------------------ sources


class Source(Protocol):
    """Where page images come from: renders (PDF) or decodes (images) page `number` at about `dpi`;
    `red_channel`: coloured parts read by their red channel (raster.page_image)."""

    def image(self, number: int, dpi: float, red_channel: bool = False):  # -> raster.PageImage
        ...


class PdfSource:
    def __init__(self, data: bytes) -> None:
        import pypdfium2

        try:
            self.document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            raise ExtractionError("corrupt_pdf", f"the PDF pages cannot be rendered: {exc}") from exc

    def image(self, number: int, dpi: float, red_channel: bool = False):
        from .raster import render_pdf_page

        return render_pdf_page(self.document[number - 1], dpi, red_channel)


class ImageSource:
    """PNG/JPEG/TIFF frames, decoded when read: at their own resolution, never above the asked dpi (a
    600 dpi scan is read at the asked dpi); a second reading enlarges the frame, as nothing finer exists."""

    def __init__(self, data: bytes, max_frames: int) -> None:
        from .raster import image_frames

        self.data = data
        self.dpis, self.frame_count = image_frames(data, max_frames)

    def image(self, number: int, dpi: float, red_channel: bool = False):
        import cv2

        from .raster import PageImage, decode_frame

        frame = decode_frame(self.data, number - 1, self.dpis[number - 1], red_channel)
        if abs(dpi - frame.dpi) < 1:
            return frame
        factor = dpi / frame.dpi
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        stamped = None if frame.stamped is None else cv2.resize(frame.stamped, None, fx=factor, fy=factor,
                                                                interpolation=cv2.INTER_NEAREST)
        lifted = None if frame.lifted is None else cv2.resize(frame.lifted, None, fx=factor, fy=factor,
                                                              interpolation=interpolation)
        return PageImage(cv2.resize(frame.grey, None, fx=factor, fy=factor, interpolation=interpolation), dpi,
                         stamped, lifted)

    def reading_dpi(self, number: int, dpi: float) -> float:
        return min(dpi, self.dpis[number - 1])


# ------------------------------------------------------------------------------------------ reading


def read_pages(source_factory, numbers: list[int], dpis: dict[int, float], workers: int = 1) -> dict:
    """{page number: OcrPage}; in a pool of `workers` processes when there are several pages."""
    workers = min(workers, len(numbers))
    pool = _pool(workers, source_factory) if workers > 1 else None
    if pool is None:
        source = source_factory()
        return {n: _read_one(source, n, dpis[n]) for n in numbers}
    try:
        pages = pool.starmap(_read_in_worker, [(n, dpis[n]) for n in numbers], chunksize=1)
        pool.close()
    except BaseException:  # a timeout (EXTRACT_TIMEOUT_S) or a crash: stop the workers at once
        pool.terminate()
        raise
    finally:
        pool.join()
    return dict(zip(numbers, pages))


def _pool(workers: int, source_factory):
    """A pool of spawned processes, or None where a process may not have children (a daemonic worker of
    another pool): the pages are then read in this process."""
    import multiprocessing

    try:
        return multiprocessing.get_context("spawn").Pool(workers, initializer=_start_worker,
                                                         initargs=(source_factory,))
    except (AssertionError, OSError) as exc:
        log.warning("no OCR worker processes here (%s): reading the pages in this process", exc)
        return None


def _read_one(source: Source, number: int, dpi: float):
    from .page import read_page
    from .raster import straighten

    return read_page(straighten(source.image(number, dpi)), number)


_worker_source: Source | None = None


def _start_worker(source_factory) -> None:
    global _worker_source
    _worker_source = source_factory()


def _read_in_worker(number: int, dpi: float):
    assert _worker_source is not None
    return _read_one(_worker_source, number, dpi)


@dataclass(frozen=True)
class PdfFactory:
    """Picklable recipe for a PdfSource (pool workers open the document themselves)."""

    data: bytes

    def __call__(self) -> PdfSource:
        return PdfSource(self.data)


@dataclass(frozen=True)
class ImageFactory:
    data: bytes
    max_frames: int

    def __call__(self) -> ImageSource:
        return ImageSource(self.data, self.max_frames)


def read_pdf_pages(data: bytes, numbers: list[int], options: ExtractOptions = ExtractOptions()) -> dict:
    return read_pages(PdfFactory(data), numbers, {n: options.ocr_dpi for n in numbers}, options.ocr_workers)


def read_image(data: bytes, options: ExtractOptions = ExtractOptions()) -> tuple[dict, list[Issue], ImageSource]:
    """Every frame of an image file read (up to `options.max_pdf_pages`); the issues say when frames were
    left out."""
    max_frames = options.max_pdf_pages
    source = ImageSource(data, max_frames)
    numbers = list(range(1, len(source.dpis) + 1))
    dpis = {n: source.reading_dpi(n, options.ocr_dpi) for n in numbers}
    issues = []
    if source.frame_count > len(numbers):
        issues.append(Issue("page_limit", f"only the first {len(numbers)} of {source.frame_count} pages of the "
                                          "image were read (EXTRACT_MAX_PDF_PAGES)"))
    return read_pages(ImageFactory(data, max_frames), numbers, dpis, options.ocr_workers), issues, source


def page_layouts(pages: dict) -> dict:
    """{page number: pdf.PageLayout} of OCR pages, for the PDF parser's stitching and grid."""
    from ..parsers.pdf import PageLayout

    return {n: PageLayout(n, p.lines, p.tables, bool(p.pieces), True, [], p.height, p.loose_lines)
            for n, p in pages.items()}


# ------------------------------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class Doubt:
    key: str
    reason: str
    cell: Cell
    second: str | None = None


def verify(parsed: ParsedDocument, pages: dict, source: Source) -> None:
    """Confidence and page boxes on the OCR cells of `parsed`, and an issue for every doubtful cell."""
    ocr_cells = {k: c for k, c in parsed.cells.items() if c.page in pages}
    if not ocr_cells:
        return
    for cell in ocr_cells.values():
        cell.ocr_confidence = _confidence(pages[cell.page], cell)
    doubts: dict[str, Doubt] = {}
    for k, cell in ocr_cells.items():
        if cell.ocr_confidence is not None and cell.ocr_confidence < MIN_CONFIDENCE:
            doubts[k] = Doubt(k, f"read with confidence {cell.ocr_confidence:.2f}", cell)
        elif not _plausible(k, cell.value):
            doubts[k] = Doubt(k, "a count must be a whole number that is not negative", cell)
        elif not cell.raw.strip() and _under_a_stamp(pages[cell.page], cell):
            doubts[k] = Doubt(k, "blank under a stamp, which may hide a number", cell)
    values = {k: c.value for k, c in parsed.cells.items()}
    vouched: set[str] = set()
    for sides in identity_sides(values.keys()):
        if evaluate(sides, values).result == PASS:
            vouched.update(sides.keys)
    stamped = {k for k, c in ocr_cells.items() if _under_a_stamp(pages[c.page], c)}
    second_look = [k for k in ocr_cells if (k not in vouched or k in stamped) and k not in doubts]
    readings = _read_again(source, pages, [ocr_cells[k] for k in second_look], [k in stamped for k in second_look])
    for k, (text, confidence) in zip(second_look, readings):
        cell = ocr_cells[k]
        if not _same_value(cell.raw, text):
            doubts[k] = Doubt(k, "a second reading at a higher resolution gives another value", cell, text)
        elif confidence is None and cell.ocr_confidence is None:
            cell.ocr_confidence = 1.0  # no ink, twice: the cell is blank
    missing = _missing_cells(parsed)
    for k, cell in ocr_cells.items():
        if cell.bbox is not None:
            cell.bbox = tuple(round(v, 2) for v in pages[cell.page].raster().to_page(cell.bbox))  # type: ignore
    for doubt in sorted(doubts.values(), key=lambda d: _order(d.key)):
        cell = doubt.cell
        readings = [cell.raw] + ([doubt.second] if doubt.second is not None else [])
        parsed.issues.append(Issue(
            "ocr_doubtful_cell", f"{doubt.key}: the scan reads {' / '.join(repr(r) for r in readings)} "
            f"({doubt.reason}); check page {cell.page}", key=doubt.key,
            details={"page": cell.page, "bbox": list(cell.bbox or ()), "readings": readings,
                     "ocr_confidence": cell.ocr_confidence}))
    if missing:
        parsed.issues.append(Issue(
            "ocr_cells_missing", f"{len(missing)} cells of the tables found were not read from the scan: "
            + ", ".join(missing[:12]) + (" ..." if len(missing) > 12 else ""), details={"keys": missing}))
    failing = [c for c in check_identities({k: c.value for k, c in parsed.cells.items()}) if c.result == FAIL]
    if failing and not doubts:
        log.info("identity breaches on a scan that read the same twice: %s", [c.name for c in failing])


def _plausible(key: str, value: float | None) -> bool:
    """A count read with a fraction or a sign is a speck read as a point or a dash (amounts may have
    decimals, 表二's 本年增/减 a sign)."""
    if value is None or key in canonical.AMOUNT_KEYS:
        return True
    if value < 0 and key.split(".")[-1] not in canonical.SIGNED_COLUMNS:
        return False
    return float(value).is_integer()


def _under_a_stamp(page, cell: Cell) -> bool:
    return cell.bbox is not None and tuple(cell.bbox) in set(page.stamped)


def _confidence(page, cell: Cell) -> float | None:
    """The least confidence of the recognised pieces inside the cell; None for a cell without ink."""
    if cell.bbox is None:
        return None
    x0, y0, x1, y1 = cell.bbox
    inside = [p.confidence for p in page.pieces
              if x0 <= (p.bbox[0] + p.bbox[2]) / 2 <= x1 and y0 <= (p.bbox[1] + p.bbox[3]) / 2 <= y1]
    return round(min(inside), 4) if inside else None


def _read_again(source: Source, pages: dict, cells: list[Cell],
                stamped: list[bool]) -> Iterable[tuple[str, float | None]]:
    """Second readings of cells, page by page, from the page rendered at REREAD_FACTOR times the dpi;
    cells a stamp runs over are read with the coloured parts of the page taken by their red channel."""
    from .page import read_region
    from .raster import region

    by_page: dict[tuple[int, bool], list[int]] = {}
    for index, cell in enumerate(cells):
        by_page.setdefault((cell.page, stamped[index]), []).append(index)  # type: ignore[arg-type]
    results: list[tuple[str, float | None]] = [("", None)] * len(cells)
    for (number, red_channel), indices in by_page.items():
        page = pages[number]
        raster = page.raster()
        image = source.image(number, raster.dpi * REREAD_FACTOR, red_channel)
        grey, dpi = image.grey, image.dpi
        ruled = set(page.ruled_cells)
        for index in indices:
            bbox = cells[index].bbox
            is_ruled = tuple(bbox) in ruled  # type: ignore[arg-type]
            box = bbox if is_ruled else _grown(bbox, page.text_height)  # type: ignore[arg-type]
            crop = region(grey, raster, box, dpi)
            results[index] = read_region(crop, dpi, page.text_height, is_ruled)
    return results


def _grown(bbox: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    """A borderless cell's box is its ink: read it with some paper around."""
    margin = 0.4 * by
    return (bbox[0] - margin, bbox[1] - margin, bbox[2] + margin, bbox[3] + margin)


def _same_value(first: str, second: str) -> bool:
    a, b = parse_value(first), parse_value(second)
    if not a.ok or not b.ok:
        return first.strip() == second.strip()
    return a.value == b.value and a.is_null == b.is_null


def _missing_cells(parsed: ParsedDocument) -> list[str]:
    """Keys the template prints in the tables that were found, but that no cell was read for."""
    if not parsed.template or not parsed.cells:
        return []
    printed_2021_rows = any(canonical.key(3, r, "total") in parsed.cells for r in canonical.T3_OTHER_ROWS_2021)
    other_rows = canonical.T3_OTHER_ROWS_2021 if printed_2021_rows else canonical.T3_OTHER_ROWS_2019
    t3_rows = canonical.T3_ROWS_COMMON_HEAD + other_rows + canonical.T3_ROWS_TAIL
    expected = [k for k in canonical.template_keys(parsed.template) if not k.startswith("t3.")]
    expected += [canonical.key(3, r, c) for r in t3_rows for c in canonical.T3_COLUMNS]
    found = {k.split(".")[0] for k in parsed.cells}
    return [k for k in expected if k.split(".")[0] in found and k not in parsed.cells]


def _order(key: str) -> int:
    order = {k: i for i, k in enumerate(dict.fromkeys(canonical.template_keys("2021") + canonical.template_keys("2019")))}
    return order.get(key, len(order))


def unavailable() -> str | None:
    """Why OCR cannot run here (a dependency or the model missing), or None when it can."""
    try:
        import cv2  # noqa: F401
        import onnxruntime  # noqa: F401

        from .recognise import model_path

        model_path()
    except ImportError as exc:
        return str(exc)
    return None
