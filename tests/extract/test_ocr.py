"""Scanned reports read by OCR: generated reports printed by Chromium and the real Hongze PDF, rasterised
and damaged like scans (tests/support/scans.py), must read back to their canonical cells, and a document
whose cells are not all right must never be `ok`. The pieces (straightening, null marks, look-alike
digits, the second reading that decides a doubtful cell) are tested on their own below.

Each scan costs 5-7 s of CPU per page (the recogniser reads every line of text): the cases are few and
chosen to cover the layouts (ruled, borderless, a table split over pages) and the damage (resolution,
rotation, speckle, a red stamp over a table corner, JPEG) once each. Without the ones marked slow (`-m "not
slow"`; CI runs them all) they cost about 1.5 minutes of CPU. `make bench-ocr` measures accuracy on a batch
of scans.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from extract import extract_bytes
from extract.options import ExtractOptions
from extract.result import ExtractionResult
from extract.model import Cell, ParsedDocument
from extract.ocr import document as ocr_document
from extract.ocr.noise import clean_reading
from extract.ocr.page import OcrPage, Piece, _null_mark
from extract.ocr.raster import PageImage, ink_mask, skew_angle, straighten
from extract.ocr import layout
from tests.support.generator import generate
from tests.support.paths import DEV_CASES_DIR, ROOT
from tests.support.round_trips import absent_t4_only
from tests.support.scans import Scan, scanned_image, scanned_pdf

HONGZE = DEV_CASES_DIR / "huaian-hongze-gov-2023"


def wrong_cells(result: ExtractionResult, truth: dict) -> dict:
    return {k: (v, result.cells.get(k, "missing")) for k, v in truth.items()
            if k not in result.cells or result.cells[k] != v}


# ------------------------------------------------------------------------------- generated reports


def assert_status_says_what_is_printed(result: ExtractionResult, report) -> None:
    """ok, or for a report printing no 表四 needs_review with that absence its only error (completeness.py)."""
    if report.has_t4:
        assert result.status == "ok", result.issues
    else:
        assert result.status == "needs_review" and absent_t4_only(result), result.issues


# the slow ones (-m "not slow" leaves them out; CI runs them) cost 40-70 s of CPU each
SLOW = pytest.mark.slow
GENERATED_CASES = [
    # (id, seed, variant, valid, scan, marks, report kwargs)
    ("ruled report, clean 200 dpi scan", 11, "pdf-ruled", True, Scan(200), (), {}),
    # this report prints "本年度未发生政府信息公开行政复议、行政诉讼。" under 表四's heading and no 表四 (its seed
    # draws has_t4=False): needs_review with that absence its only error, as in every other format
    ("borderless report without 表四, 150 dpi, turned 0.7 degrees, speckled, JPEG", 12, "pdf-borderless", True,
     Scan(150, angle=0.7, speckle=0.0003, jpeg_quality=70), (), {}),
    ("表三 over a page break with a breach, 300 dpi, turned -1.2 degrees, red stamp, JPEG", 13, "pdf-split",
     False, Scan(300, angle=-1.2, stamp=True, jpeg_quality=80), (SLOW,), {}),
    # has_t4=True: seed 14 drew a report without 表四, so nothing was split; with 表四 printed, seeds 14 and 16
    # flag one doubtful cell and 17 a speckle read as 'X' in a blank cell (needs_review, never a wrong ok)
    ("表四 over a page break, 200 dpi, stamp, speckle, strong JPEG", 15, "pdf-split-t4", True,
     Scan(200, angle=0.4, speckle=0.0003, stamp=True, jpeg_quality=60), (SLOW,), {"has_t4": True}),
]
_CASES = {case[0]: case for case in GENERATED_CASES}


@pytest.fixture(scope="module")
def generated_scan():
    """case id -> (generated document, its scan), each made on first use (Chromium prints the report)."""
    made = {}

    def scan_of(case_id):
        if case_id not in made:
            _, seed, variant, valid, scan, _, report_kwargs = _CASES[case_id]
            doc = generate(seed=seed, variant=variant, valid=valid, **report_kwargs)
            made[case_id] = (doc, scanned_pdf(doc.data, scan, seed=seed))
        return made[case_id]
    return scan_of


@pytest.mark.integration
@pytest.mark.needs("chromium")
@pytest.mark.parametrize("case_id", [pytest.param(case[0], marks=case[5]) for case in GENERATED_CASES])
def test_a_scanned_report_reads_back_to_its_canonical_cells(generated_scan, case_id):
    doc, scan = generated_scan(case_id)
    result = extract_bytes(scan, "scan.pdf")
    assert (result.format, result.ocr) == ("pdf", True)
    assert wrong_cells(result, doc.report.cells) == {}
    assert_status_says_what_is_printed(result, doc.report)
    assert (result.agency, result.year, result.template) == (
        doc.report.agency, doc.report.year, doc.report.template)
    breaches = {i.details["scope"] for i in result.issues if i.code == "identity_breach"}
    if doc.report.breach is None:
        assert breaches == set()
    else:  # the deliberate breach read twice alike: the agency's, reported, never "fixed"
        assert {name.split(":")[1] for name in doc.report.breach.broken} == breaches
    for key, provenance in result.provenance.items():
        assert 0 < provenance["ocr_confidence"] <= 1, key
        x0, top, x1, bottom = provenance["bbox"]
        assert 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850, (key, provenance["bbox"])


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.needs("chromium")
def test_a_scan_delivered_as_a_multi_page_tiff_reads_like_the_pdf(generated_scan):
    doc, _ = generated_scan(GENERATED_CASES[0][0])
    result = extract_bytes(scanned_image(doc.data, Scan(200, angle=-0.5), fmt="TIFF"), "scan.tif")
    assert (result.format, result.ocr) == ("image", True)
    assert wrong_cells(result, doc.report.cells) == {}
    assert result.status == "ok", result.issues


@pytest.mark.integration
@pytest.mark.needs("chromium")
def test_a_photo_of_one_page_is_read_and_the_missing_tables_are_reported(generated_scan):
    """A JPEG of page 1 holds 表二 and the top of 表三: what it shows is read, the rest is reported."""
    doc, _ = generated_scan(GENERATED_CASES[0][0])
    result = extract_bytes(scanned_image(doc.data, Scan(200, jpeg_quality=85), fmt="JPEG"), "page1.jpg")
    assert (result.format, result.ocr) == ("image", True)
    read = {k: v for k, v in result.cells.items() if k in doc.report.cells}
    assert read and all(doc.report.cells[k] == v for k, v in read.items())
    assert result.status == "needs_review"
    assert {"table_missing", "table_unread", "ocr_cells_missing"} & {i.code for i in result.issues}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.needs("chromium")
def test_pages_read_by_a_pool_of_workers_read_the_same(generated_scan):
    doc, scan = generated_scan(GENERATED_CASES[1][0])
    result = extract_bytes(scan, "scan.pdf", ExtractOptions(ocr_workers=2))
    assert wrong_cells(result, doc.report.cells) == {}
    assert_status_says_what_is_printed(result, doc.report)
    assert {p["page"] for p in result.provenance.values()} == {1, 2, 3}


# ------------------------------------------------------------------------------- the real report


@pytest.mark.integration
@pytest.mark.parametrize("scan", [Scan(200, angle=0.5, stamp=True, jpeg_quality=75)], ids=lambda s: s.label)
def test_the_real_hongze_report_scanned_reads_to_its_gold(scan):
    gold = json.loads((HONGZE / "gold.json").read_text("utf-8"))["cells"]
    result = extract_bytes(scanned_pdf((HONGZE / "source.pdf").read_bytes(), scan, seed=1), "hongze-scan.pdf")
    assert result.ocr is True
    assert wrong_cells(result, gold) == {}
    assert result.status == "ok", result.issues
    # its 表四 totals are printed wrong by the agency (meta.json): read twice alike, they stay breaches
    breaches = {i.details["scope"] for i in result.issues if i.code == "identity_breach"}
    assert breaches == {"reconsideration", "litigation_after_reconsideration"}
    assert result.year == 2023


# ------------------------------------------------------------------------------- the pieces


@pytest.mark.parametrize("raw, read", [
    ("0", "0"), ("o", "0"), ("O", "0"), ("〇", "0"), ("1O", "10"), ("l2", "12"), ("1 234", "1234"),
    ("３６４", "364"), ("一", "—"), ("一一", "—"), ("7730.28", "7730.28"), ("984361元", "984361元"),
    ("予以公开", "予以公开"), ("1.属于国家秘密", "1.属于国家秘密"), ("S", "S"), ("O.5", "0.5"),
    ("四,政府信息公开行政复议", "四、政府信息公开行政复议"), ("1，属于国家秘密", "1、属于国家秘密"), ("1,234", "1,234"),
], ids=lambda v: repr(v))
def test_look_alike_characters_of_a_number_are_put_right_and_labels_left_alone(raw, read):
    assert clean_reading(raw) == read


def _glyph(text: str, size: int = 36) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", size)
    image = Image.new("L", (4 * size, 2 * size), 255)
    ImageDraw.Draw(image).text((size // 2, size // 4), text, font=font, fill=0)
    ink = np.asarray(image) < 128
    ys, xs = np.nonzero(ink)
    return (ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1] * 255).astype(np.uint8)


@pytest.mark.parametrize("glyph, mark", [("-", "—"), ("—", "—"), ("/", "/"), ("\\", "\\"), ("1", None),
                                         ("7", None), ("0", None), ("|", None), ("I", None), ("4", None)])
def test_null_marks_are_told_by_their_shape_and_digits_never_are(glyph, mark):
    reading = _null_mark(_glyph(glyph), text_height=32)
    assert (reading.text if reading else None) == mark


@pytest.mark.parametrize("turned", [0.0, 0.6, -1.3, 3.0])
def test_a_turned_page_is_straightened_to_a_tenth_of_a_degree(turned):
    import cv2

    page = np.full((1100, 850), 255, np.uint8)
    for y in range(100, 1000, 40):  # ruled rows and lines of "text"
        cv2.line(page, (80, y), (770, y), 0, 2)
        cv2.putText(page, "0 12 345 6789 report", (100, y + 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    turned_page = cv2.warpAffine(page, cv2.getRotationMatrix2D((425, 550), turned, 1.0), (850, 1100),
                                 borderValue=255)
    assert skew_angle(ink_mask(turned_page)) == pytest.approx(-turned, abs=0.1)
    assert straighten(PageImage(turned_page, 100)).angle == pytest.approx(-turned, abs=0.1)


def test_strokes_of_a_character_printed_alone_stay_one_line_and_columns_split():
    mask = np.zeros((120, 400), np.uint8)
    for y in (10, 20, 30):  # 三 printed alone: three strokes, one character
        mask[y:y + 3, 10:40] = 255
    mask[60:90, 10:40] = 255  # the next character below it (vertical text)
    mask[10:40, 200:230] = 255  # a number in a column far to the right
    boxes = layout.pieces(mask, text_height=30)
    assert sorted(p.box for p in boxes) == [(10, 10, 40, 33), (10, 60, 40, 90), (200, 10, 230, 40)]


class _Rendering:
    """A page source whose second rendering shows an 8 where the first reading saw a 3."""

    def image(self, number, dpi, red_channel=False):
        from PIL import Image, ImageDraw, ImageFont

        scale = dpi / 72
        image = Image.new("L", (int(200 * scale), int(100 * scale)), 255)
        font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", int(10.5 * scale))
        ImageDraw.Draw(image).text((int(103 * scale), int(43 * scale)), "8", font=font, fill=0)
        return PageImage(np.asarray(image), dpi)


def test_a_cell_that_a_second_reading_reads_otherwise_is_doubtful():
    cell = Cell(3, "3", page=1, bbox=(100.0, 40.0, 115.0, 60.0))
    parsed = ParsedDocument(text="", cells={"t2.regulations.issued": cell}, template="2021", tables_found=(2,))
    page = OcrPage(1, 200.0, 0.0, (556, 278), 200.0, 100.0, 9.0, [Piece("3", 0.99, (103.0, 43.0, 109.0, 54.0))],
                   [])
    ocr_document.verify(parsed, {1: page}, _Rendering())
    doubtful = [i for i in parsed.issues if i.code == "ocr_doubtful_cell"]
    assert [(i.key, i.details["readings"], i.severity) for i in doubtful] == [
        ("t2.regulations.issued", ["3", "8"], "error")]
    assert cell.ocr_confidence == 0.99


def test_extracting_a_text_file_never_loads_the_ocr_engine(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("示例县人民政府2023年政府信息公开工作年度报告\n", encoding="utf-8")
    script = ("import sys, runpy; sys.argv = ['extract', sys.argv[1]]\n"
              "try:\n    runpy.run_module('extract', run_name='__main__')\nexcept SystemExit:\n    pass\n"
              "loaded = [m for m in ('onnxruntime', 'cv2', 'rapidocr_onnxruntime', 'extract.ocr') if m in sys.modules]\n"
              "print('LOADED', loaded, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, str(report)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert "LOADED []" in done.stderr, done.stderr


def test_without_the_ocr_engine_a_scan_fails_as_before(monkeypatch):
    from tests.support.hostile import scanned_pdf as blank_scan

    monkeypatch.setattr(ocr_document, "unavailable", lambda: "No module named 'onnxruntime'")
    result = extract_bytes(blank_scan(), "scan.pdf")
    assert result.status == "failed"
    assert [i.code for i in result.issues] == ["no_text_layer"]
    assert "OCR is not available (No module named 'onnxruntime')" in result.issues[0].message
