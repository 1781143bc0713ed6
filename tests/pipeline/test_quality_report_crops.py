"""The review queue of the quality report shows, for a cell read by OCR from a scanned PDF, the crop of that cell
rendered from the raw document; the crop is inline (one self-contained file) and its size is the cell's box at
the crop scale. A real scan: the Hongze report rasterised at a poor resolution with speckle and strong JPEG,
which leaves the OCR doubtful about some twenty cells (about 20 s of CPU). (With a stamp as well, the agency's
name is not read at these resolutions: a report of no agency is representative of none and never queued.)"""
from __future__ import annotations

import base64
import io
import re
from contextlib import closing
from datetime import datetime

import pytest
from PIL import Image

from extract import extract_bytes
from pipeline import findings
from pipeline.quality_report import write_quality_report
from pipeline.report_pictures import MOST_REVIEW_CROPS
from pipeline.source_views import (CELL_CROP_MARGIN_POINTS, CELL_CROP_SCALE, MOST_CELL_CROP_PIXELS, CellPlace,
                                   image_cell_crops)
from tests.support.paths import DEV_CASES_DIR
from tests.support.scans import Scan, scanned_pdf
from tests.support.warehouse import load_staging, query, run_dbt

HONGZE_PDF = DEV_CASES_DIR / "huaian-hongze-gov-2023" / "source.pdf"
POOR_SCAN = Scan(120, speckle=0.003, jpeg_quality=40)


@pytest.fixture(scope="module")
def scanned_queue(tmp_path_factory):
    """(the OCR result of the poor scan, the raw bytes, the warehouse built from it, the written report)."""
    tmp = tmp_path_factory.mktemp("crops")
    data = scanned_pdf(HONGZE_PDF.read_bytes(), POOR_SCAN, seed=1)
    result = extract_bytes(data, "hongze-scan.pdf")
    object_key = f"raw/{result.sha256[:2]}/{result.sha256}.pdf"
    stored = {**result.to_dict(), "object_key": object_key, "original_name": "hongze-scan.pdf",
              "arrived_at": datetime(2026, 2, 1, 8, 0)}
    warehouse = tmp / "warehouse.duckdb"
    load_staging(warehouse, [stored])
    for command in (("seed",), ("run", "--select", "+fct_review_queue")):
        built = run_dbt(warehouse, *command)
        assert built.returncode == 0, built.stdout[-3000:]
    raw = {object_key: data}
    with closing(findings.open_findings_db(tmp / "findings.duckdb", warehouse)) as con:
        report = write_quality_report(con, tmp / "report" / "index.html", read_raw=raw.__getitem__)
    return result, warehouse, report.read_text(encoding="utf-8")


@pytest.mark.integration
def test_a_doubtful_ocr_cell_reaches_the_review_queue_with_its_page_and_box(scanned_queue):
    result, warehouse, _ = scanned_queue
    assert (result.format, result.ocr, result.status) == ("pdf", True, "needs_review")
    assert result.agency == "洪泽区人民政府"  # read despite the damage: the report is representative
    doubtful = {i.key: i.details for i in result.issues if i.code == "ocr_doubtful_cell"}
    assert doubtful
    for key, details in doubtful.items():
        assert result.provenance[key]["certain"] is False
        assert (result.provenance[key]["page"], result.provenance[key]["bbox"]) == (details["page"], details["bbox"])
    # a doubtful cell may be queued for another of its doubts too (the first issue naming it gives the reason)
    queued = dict(((key, (page, location)) for key, page, location in query(
        warehouse, "select cell_key, page, location from marts.fct_review_queue where document_hash = ?",
        [result.sha256])))
    assert set(doubtful) <= set(queued)
    for key in doubtful:
        page, location = queued[key]
        box = ",".join(str(v) for v in doubtful[key]["bbox"])
        assert (page, location) == (doubtful[key]["page"], f"page {page}, box {box}")


@pytest.mark.integration
def test_each_queued_cell_of_the_scan_shows_its_crop_at_the_scale_of_its_box(scanned_queue):
    result, warehouse, report = scanned_queue
    queued = query(warehouse, "select cell_id, cell_key from marts.fct_review_queue where document_hash = ? "
                              "order by table_no, cell_key", [result.sha256])  # the report's order
    assert len(queued) > MOST_REVIEW_CROPS  # this scan leaves more cells in doubt than the report draws
    queue = report[report.index('id="review-queue-cells"'):report.index('id="corrections"')]
    rows = dict(re.findall(r'<tr data-cell="([^"]+)">(.*?)</tr>', queue, re.S))
    assert [cell_id for cell_id, _ in queued] == list(rows)
    drawn, undrawn = queued[:MOST_REVIEW_CROPS], queued[MOST_REVIEW_CROPS:]
    assert not any("cell-crop" in rows[cell_id] for cell_id, _ in undrawn)  # their page and box only
    for cell_id, key in drawn:
        images = re.findall(r'<img class="cell-crop" src="data:image/png;base64,([^"]+)" width="(\d+)" '
                            r'height="(\d+)"', rows[cell_id])
        assert len(images) == 1, cell_id
        png, width, height = images[0]
        crop = Image.open(io.BytesIO(base64.b64decode(png)))
        assert crop.format == "PNG" and crop.size == (int(width), int(height))
        x0, top, x1, bottom = result.provenance[key]["bbox"]
        points = (x1 - x0 + 2 * CELL_CROP_MARGIN_POINTS, bottom - top + 2 * CELL_CROP_MARGIN_POINTS)
        scale = min(CELL_CROP_SCALE, MOST_CELL_CROP_PIXELS / max(points))  # a wide cell is drawn smaller
        expected = (points[0] * scale, points[1] * scale)
        assert abs(crop.width - expected[0]) <= 1 and abs(crop.height - expected[1]) <= 1, (key, crop.size, expected)
        assert min(crop.convert("L").getdata()) < 100, key  # the cell's print (rules, digits) is in the crop
    assert len(report.encode("utf-8")) < 1_000_000
    assert "http://" not in queue.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in queue


def test_a_cell_of_a_scanned_image_is_cropped_from_its_frame_at_the_dpi_the_ocr_read_it():
    """Frame 2 of a 144 dpi TIFF (2 pixels per point) holds a black bar at points (100, 50)-(130, 62): its crop
    shows the bar framed by the margin, scaled to CELL_CROP_SCALE; a place on a frame the file lacks, none."""
    pages = []
    for ink in (False, True):
        page = Image.new("RGB", (600, 800), "white")
        if ink:
            page.paste((0, 0, 0), (200, 100, 260, 124))
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:], dpi=(144, 144))
    places = [CellPlace("t3.granted.total", page=2, bbox=(100.0, 50.0, 130.0, 62.0)),
              CellPlace("t3.granted.other_org", page=3, bbox=(100.0, 50.0, 130.0, 62.0))]

    crops = image_cell_crops(buffer.getvalue(), places)

    assert list(crops) == ["t3.granted.total"]
    crop = crops["t3.granted.total"]
    margin = round(CELL_CROP_MARGIN_POINTS * CELL_CROP_SCALE)
    assert (crop.width, crop.height, crop.scale) == (round((30 + 2 * CELL_CROP_MARGIN_POINTS) * CELL_CROP_SCALE),
                                                     round((12 + 2 * CELL_CROP_MARGIN_POINTS) * CELL_CROP_SCALE),
                                                     CELL_CROP_SCALE)
    grey = Image.open(io.BytesIO(crop.png)).convert("L")
    assert grey.getpixel((crop.width // 2, crop.height // 2)) == 0  # the bar
    assert grey.getpixel((margin // 2, margin // 2)) == 255  # the margin around it
