"""One scanned page → the PDF parser's own page layout (lines, ruled and borderless tables), read by OCR.

The page is straightened, its rules found (layout.py) and its tables rebuilt by `pdf_layout.ruled_table`
from the rules; each cell's ink is cut into lines and each line recognised alone (recognise.py). Text
outside the tables is cut into one-line pieces the same way; every recognised piece becomes one "character"
of pdfplumber's shape, so that `pdf_layout.page_lines` and `pdf_borderless.borderless_tables` read the page
exactly as they read a text layer. All coordinates are points in the straightened frame; `OcrPage` keeps
what is needed to map them back to the page and to read a cell again at another resolution.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..parsers import pdf_borderless, pdf_layout
from ..parsers.pdf_layout import Box
from . import layout
from .noise import UNREADABLE, clean_reading
from .raster import Raster, ink_mask
from .recognise import Reading, recogniser

WINDOW = 0.8  # text heights: the least height of the crop a piece of ink is read in
V_MARGIN = 0.05  # text heights of white above and below a piece at least as tall as the window
H_MARGIN = 0.15  # text heights of white left and right of a piece
STAMP_SHARE = 0.2  # text heights squared: stamp ink over a cell that makes it a stamped cell
REREAD_WINDOW = 0.9  # the window of the second reading
RULE_INSET_INCHES = 0.015  # a ruled cell read again: its border cut away (the rules, blurred)
LINE_CONTEXT = 1.3  # text heights: a row of ink up to this high is one line, whose height a piece is read at


@dataclass(frozen=True)
class Piece:
    """One recognised line of text: a line of a cell, or a phrase outside the tables."""

    text: str
    confidence: float
    bbox: tuple[float, float, float, float]  # frame points


@dataclass
class OcrPage:
    number: int
    raster_dpi: float
    angle: float
    source_size: tuple[int, int]
    width: float  # frame points
    height: float
    text_height: float  # points
    pieces: list[Piece]
    ruled_cells: list[tuple[float, float, float, float]]  # frame boxes read as cells of ruled tables
    stamped: list[tuple[float, float, float, float]] = field(default_factory=list)  # cells a stamp runs over
    lines: list[pdf_layout.Line] = field(default_factory=list)
    loose_lines: list[pdf_layout.Line] = field(default_factory=list)
    tables: list[pdf_layout.PageTable] = field(default_factory=list)

    def raster(self) -> Raster:
        """The geometry of the first reading (no pixels): for mapping boxes and reading again."""
        return Raster(np.zeros((0, 0), np.uint8), self.raster_dpi, self.angle, self.source_size)


def read_page(raster: Raster, number: int) -> OcrPage:
    dpi = raster.dpi
    s = raster.scale
    ink = layout.analyse(raster.grey, dpi, raster.lifted)
    h = ink.text_height
    tables = []
    cell_boxes: list[tuple[Box, tuple[int, int, int, int]]] = []  # (box, pixel region inside its rules)
    outside = ink.text.copy()
    for rules, (x0, y0, x1, y1) in layout.table_regions(ink, dpi):
        edges = [_edge(rule, s) for rule in rules]
        table = pdf_layout.ruled_table((x0 / s, y0 / s, x1 / s, y1 / s), edges, [], number)
        if table is None or len(table.col_bounds) < 3:
            continue
        tables.append(table)
        outside[y0:y1, x0:x1] = 0
        seen: set[int] = set()
        for row in table.grid:
            for box in row:
                if id(box) not in seen:
                    seen.add(id(box))
                    cell_boxes.append((box, _inside(box.bbox, s, raster.grey.shape)))
    regions: list[layout.InkLine] = []  # the pieces of ink to read, in reading order per owner
    owners: list[int] = []  # index into cell_boxes, or -1 for a piece outside the tables
    for index, (_, (cx0, cy0, cx1, cy1)) in enumerate(cell_boxes):
        for piece in layout.pieces(ink.text[cy0:cy1, cx0:cx1], h, layout.CELL_GAP):
            regions.append(piece.shifted(cx0, cy0))
            owners.append(index)
    for piece in layout.pieces(outside, h):
        regions.append(piece)
        owners.append(-1)
    readings = _read_pieces(ink.clean, ink.text, regions, h)
    texts: dict[int, list[str]] = {}
    pieces: list[Piece] = []
    loose_pieces: list[Piece] = []
    for region, reading, owner in zip(regions, readings, owners):
        if owner >= 0:  # a line of a ruled cell
            piece = Piece(_text(reading), reading.confidence, _points(region.box, s))
            texts.setdefault(owner, []).append(piece.text)
            pieces.append(piece)
        else:
            piece = Piece(_text(reading), reading.confidence, _points(region.box, s))
            pieces.append(piece)
            loose_pieces.append(piece)
    for index, (box, _) in enumerate(cell_boxes):
        box.text = pdf_layout.join_lines(texts.get(index, []))
    size = h / s / 0.88  # the font size whose CJK ink is this tall
    chars = [_char(p, size) for p in pieces]
    loose = [_char(p, size) for p in loose_pieces]
    lines = pdf_layout.page_lines(chars, number)
    loose_lines = pdf_layout.page_lines(loose, number)
    tables += pdf_borderless.borderless_tables(loose_lines, number)
    tables.sort(key=lambda t: t.top)
    height, width = raster.grey.shape
    return OcrPage(number, dpi, raster.angle, raster.source_size, width / s, height / s, h / s, pieces,
                   [box.bbox for box, _ in cell_boxes], _stamped_cells(raster, tables, h), lines,
                   loose_lines, tables)


def _stamped_cells(raster: Raster, tables: list[pdf_layout.PageTable],
                   text_height: float) -> list[tuple[float, float, float, float]]:
    """Boxes of the table cells that a stamp (coloured print taken out of the page) runs over: what was
    printed under it may have lost strokes with the stamp."""
    if raster.stamped is None:
        return []
    s = raster.scale
    least = STAMP_SHARE * text_height ** 2
    out = []
    for box in {id(b): b for t in tables for row in t.grid for b in row}.values():
        x0, y0, x1, y1 = _inside(box.bbox, s, raster.stamped.shape)
        if np.count_nonzero(raster.stamped[y0:y1, x0:x1]) >= least:
            out.append(box.bbox)
    return out


def _points(box: tuple[int, int, int, int], s: float) -> tuple[float, float, float, float]:
    return (round(box[0] / s, 2), round(box[1] / s, 2), round(box[2] / s, 2), round(box[3] / s, 2))


def _edge(rule: layout.Rule, s: float) -> dict:
    if rule.horizontal:
        y = (rule.y0 + rule.y1) / 2 / s
        return {"x0": rule.x0 / s, "x1": rule.x1 / s, "top": y, "bottom": y, "orientation": "h"}
    x = (rule.x0 + rule.x1) / 2 / s
    return {"x0": x, "x1": x, "top": rule.y0 / s, "bottom": rule.y1 / s, "orientation": "v"}


def _inside(bbox: tuple[float, float, float, float], s: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The pixels of a ruled cell between its rules (the rules themselves are already erased)."""
    height, width = shape[:2]
    x0, y0 = max(0, int(np.ceil(bbox[0] * s)) + 1), max(0, int(np.ceil(bbox[1] * s)) + 1)
    x1, y1 = min(width, int(bbox[2] * s) - 1), min(height, int(bbox[3] * s) - 1)
    return (x0, y0, max(x0, x1), max(y0, y1))


def _cut(grey: np.ndarray, piece: layout.InkLine, text_height: float, window: float = WINDOW) -> np.ndarray:
    """A piece of ink as the recogniser reads best: the text filling most of the crop's height. A piece
    is read against the row of ink of its line when that row is one line high ("一、" cut from the label
    it starts keeps its 一 at mid-height), and in a window at least WINDOW text heights high centred on
    it (a lone "0" keeps its size against the window, a lone dash stays at mid-height); measured on
    generated and real pages, a roomier window turns lone zeros into "o" and dashes into quotes."""
    x0, y0, x1, y1 = piece.box
    if piece.line_bottom - piece.line_top <= LINE_CONTEXT * text_height:
        y0, y1 = min(y0, piece.line_top), max(y1, piece.line_bottom)
    height = max(y1 - y0 + 2 * V_MARGIN * text_height, window * text_height)
    centre = (y0 + y1) / 2
    top, bottom = int(round(centre - height / 2)), int(round(centre + height / 2))
    margin = max(2, int(H_MARGIN * text_height))
    left, right = x0 - margin, x1 + margin
    crop = np.full((bottom - top, right - left), 255, np.uint8)
    src = grey[max(top, 0):min(bottom, grey.shape[0]), max(left, 0):min(right, grey.shape[1])]
    crop[max(top, 0) - top:max(top, 0) - top + src.shape[0], max(left, 0) - left:max(left, 0) - left + src.shape[1]] = src
    return crop


def _read_pieces(grey: np.ndarray, mask: np.ndarray, pieces: list[layout.InkLine],
                 text_height: float, window: float = WINDOW) -> list[Reading]:
    """Readings of pieces of ink: the marks printed for "nothing" are told by their shape (_null_mark);
    everything else goes to the recogniser."""
    readings: list[Reading | None] = [_null_mark(mask[p.y0:p.y1, p.x0:p.x1], text_height) for p in pieces]
    todo = [k for k, r in enumerate(readings) if r is None]
    for k, reading in zip(todo, recogniser().read([_cut(grey, pieces[k], text_height, window) for k in todo])):
        readings[k] = reading
    return readings  # type: ignore[return-value]


DASH = Reading("—", (1.0,))
SLASH = Reading("/", (1.0,))
BACKSLASH = Reading("\\", (1.0,))


def _null_mark(ink: np.ndarray, text_height: float) -> Reading | None:
    """The marks printed for "nothing", told by their shape: a lone horizontal bar is a dash (alone, the
    recogniser reads it as a quote, a tilde or nothing at all); a lone thin stroke leaning 15-45 degrees
    is a slash (alone, it reads as 1, I or l). None for anything else."""
    height, width = ink.shape
    if height == 0 or width == 0:
        return None
    if height <= 0.25 * text_height and width >= 1.5 * height and width >= 0.25 * text_height:
        return DASH if float((ink > 0).mean()) >= 0.6 else None
    if height < 0.5 * text_height or width > 0.8 * text_height:
        return None
    ys, xs = np.nonzero(ink)
    if len(xs) < 5:
        return None
    covariance = np.cov(np.vstack((xs, ys)).astype(np.float64))
    values, vectors = np.linalg.eigh(covariance)
    if values[0] <= 0 or values[1] / values[0] < 25:  # not one thin stroke (a 1 has a flag or a foot)
        return None
    dx, dy = vectors[:, 1]
    lean = np.degrees(np.arctan2(abs(dx), abs(dy)))  # 0 = upright
    if not 15 <= lean <= 45:
        return None
    return SLASH if dx * dy < 0 else BACKSLASH  # y grows downwards: "/" runs up to the right


def _text(reading: Reading) -> str:
    text = clean_reading(reading.text)
    return text if text else UNREADABLE


_CLOSING = "、，。；：！？）】》”’,.;:!?)]"
_OPENING = "（【《“‘(["


def _char(piece: Piece, size: float) -> dict:
    """A piece as one "character" of pdfplumber's shape. Chinese punctuation takes a whole em but inks only
    part of it ("、" its lower left): the box is widened over the em, as a text layer's box is, so that a
    wrapped label ending in "、" is not cut from the words after it."""
    x0, top, x1, bottom = piece.bbox
    text = piece.text
    chinese = any("\u3000" <= ch <= "\u9fff" for ch in text)  # ideographs and CJK punctuation ("1、")
    if chinese and text[-1] in _CLOSING:
        x1 += 0.5 * size
    if chinese and text[0] in _OPENING:
        x0 -= 0.5 * size
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "size": max(size, (bottom - top) / 0.88), "upright": True}


def read_region(grey: np.ndarray, dpi: float, text_height_points: float, ruled: bool) -> tuple[str, float | None]:
    """Read one cell again, cut from the page rendered at another resolution: (text, least confidence),
    the confidence None when the cell holds no ink. The cell's own rules (a ruled cell's box runs from
    rule to rule) and specks are cut away as on the whole page; the crops use REREAD_WINDOW, so that the
    two readings are not the same picture twice."""
    import cv2

    mask = ink_mask(grey)
    erase = np.zeros(mask.shape, bool)
    if ruled:
        inset = max(2, int(RULE_INSET_INCHES * dpi))
        erase[:inset], erase[-inset:], erase[:, :inset], erase[:, -inset:] = True, True, True, True
        height, width = mask.shape
        for size in ((max(3, int(0.6 * width)), 1), (1, max(3, int(0.6 * height)))):
            erase |= cv2.dilate(layout._open(mask, size), np.ones((3, 3), np.uint8)) > 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    speck = max(1, round(layout.SPECK_MAX_AREA_AT_200_DPI * (dpi / 200.0) ** 2))
    small = np.nonzero(stats[:, cv2.CC_STAT_AREA] <= speck)[0]
    erase |= np.isin(labels, small[small > 0])
    mask[erase] = 0
    clean = grey.copy()
    clean[erase] = 255
    h = text_height_points * dpi / 72.0
    found = layout.pieces(mask, h, layout.CELL_GAP)
    if not found:
        return "", None
    readings = _read_pieces(clean, mask, found, h, REREAD_WINDOW)
    texts = [_text(r) for r in readings]
    return pdf_layout.join_lines(texts), min(r.confidence for r in readings)
