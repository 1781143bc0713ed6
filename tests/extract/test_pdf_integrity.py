"""PDF damage that pdfminer reads past silently is named by page (extract/parsers/pdf_integrity.py), on the real
five-page report of the dev corpus (huaian-hongze-gov-2023: 表二 and 表三 on pages 2-4, "- n -" footers)."""
from __future__ import annotations

import zlib

import pytest

from extract import extract_bytes
from extract.parsers import pdf_integrity
from tests.support import damage
from tests.support.paths import DEV_CASES_DIR

HONGZE = (DEV_CASES_DIR / "huaian-hongze-gov-2023" / "source.pdf").read_bytes()


def gold():
    return next(g for g in damage.gold_documents() if g.fmt == "pdf")


def case(how: str) -> bytes:
    return next(c.data for c in damage.pdf_damage(gold(), flips_per_stream=0) if c.how == how)


def error_pages(result, code):
    return [i.details.get("page") for i in result.issues if i.code == code and i.severity == "error"]


def test_the_undamaged_report_has_no_integrity_issue():
    result = extract_bytes(HONGZE, "hongze.pdf")
    assert result.status == "ok"
    assert not {i.code for i in result.issues} & {"pdf_stream_damaged", "pdf_text_cut_short", "page_missing"}


@pytest.mark.parametrize("page", [1, 3])
def test_a_page_dropped_from_the_page_tree_is_named_by_the_count_and_the_printed_numbers(page):
    result = extract_bytes(case(f"drop page {page} (page count kept)"), "hongze.pdf")
    assert result.status == "needs_review"
    missing = [i for i in result.issues if i.code == "page_missing"]
    assert missing[0].details == {"announced": 5, "found": 4}
    assert missing[1].details == {"after_page": page - 1 or None, "before_page": page, "missing": 1}


def test_a_dropped_page_with_the_count_lowered_is_still_seen_in_the_printed_page_numbers():
    result = extract_bytes(case("drop page 3 (page count lowered)"), "hongze.pdf")
    assert result.status == "needs_review"
    assert [i.details for i in result.issues if i.code == "page_missing"] == \
        [{"after_page": 2, "before_page": 3, "missing": 1}]


def test_a_page_whose_object_cannot_be_read_is_missing_not_skipped():
    result = extract_bytes(case("page 2's reference does not resolve"), "hongze.pdf")
    assert result.status == "needs_review"
    assert {"announced": 5, "found": 4} in [i.details for i in result.issues if i.code == "page_missing"]


@pytest.mark.parametrize("page", [2, 5])
def test_a_flipped_bit_in_a_content_stream_names_the_page(page):
    start, end = damage._content_streams(HONGZE)[page - 1]
    at = start + (end - start) // 2
    data = HONGZE[:at] + bytes([HONGZE[at] ^ 0x10]) + HONGZE[at + 1:]
    result = extract_bytes(data, "hongze.pdf")
    assert result.status == "needs_review"
    assert error_pages(result, "pdf_stream_damaged") == [page]


@pytest.mark.parametrize("page, fraction", [(1, "90%"), (3, "30%"), (4, "60%")])
def test_a_content_stream_cut_short_names_the_page(page, fraction):
    result = extract_bytes(case(f"content stream {page} cut at {fraction}"), "hongze.pdf")
    assert result.status == "needs_review"
    assert error_pages(result, "pdf_text_cut_short") == [page]


def test_paired_operators_count_only_what_is_left_open():
    content = b"q BT (a) Tj ET Q q /P <</MCID 0>> BDC BT (Q q) Tj ET EMC"
    assert pdf_integrity._text_operands(content) == (4, "1 graphics states")
    assert pdf_integrity._text_operands(content + b" Q Q") == (4, "")  # a stray Q loses no text
    assert pdf_integrity._text_operands(b"BT (x) Tj")[1] == "1 text objects"


def test_inflate_is_strict_about_a_stream_that_ends_early_or_is_damaged():
    data = zlib.compress(b"BT (abc) Tj ET " * 200)
    assert pdf_integrity._inflate(data, None) == (3000, None)
    assert "ends before" in pdf_integrity._inflate(data[:-10], None)[1]
    assert "damaged" in pdf_integrity._inflate(data[:20] + b"\xff\xff\xff" + data[23:], None)[1]


def test_printed_page_number_gaps():
    assert pdf_integrity.page_gaps([(1, 1, None), (2, 2, None), (3, 4, None)], 3, 3, 3)[0].details == \
        {"after_page": 2, "before_page": 3, "missing": 1}
    assert pdf_integrity.page_gaps([(1, 1, 3), (2, 2, 3)], 2, 2, 2)[0].details == {"printed_total": 3, "found": 2}
    assert pdf_integrity.page_gaps([(1, 1, None), (2, 2, None)], 2, 2, 2) == []
