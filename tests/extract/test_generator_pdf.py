"""PDFs printed by headless Chromium: a CJK text layer, ruled/borderless tables, 表三 across a page break
with its header repeated, and the Kangxi-radical trap of Noto CJK fonts. Read back with pdfplumber."""
from __future__ import annotations

import io
import unicodedata

import pdfplumber
import pytest

from extract.keys import T4_COLUMNS, T4_ROWS, key
from tests.support.round_trips import print_pdf_cases

pytestmark = [pytest.mark.integration, pytest.mark.needs("chromium")]


@pytest.fixture(scope="module")
def pdfs():
    return print_pdf_cases()


def _pages(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _has_radicals(text: str) -> bool:
    return any(0x2E80 <= ord(ch) <= 0x2FDF for ch in text)


def test_the_pdf_text_layer_carries_the_title_and_the_numbers(pdfs):
    doc = pdfs["ruled-2021-valid"]
    text = "\n".join(_pages(doc.data))
    assert doc.report.agency in text.replace("\n", "")
    assert not _has_radicals(text)
    t4 = " ".join(doc.document.style.render_value(doc.report.cells[key(4, r, c)]).strip()
                  for r in T4_ROWS for c in T4_COLUMNS)
    assert t4 in unicodedata.normalize("NFKC", text)


def test_ruled_pdfs_draw_cell_borders_and_borderless_ones_do_not(pdfs):
    with pdfplumber.open(io.BytesIO(pdfs["ruled-2021-valid"].data)) as pdf:
        ruled = sum(len(p.rects) + len(p.lines) for p in pdf.pages)
    with pdfplumber.open(io.BytesIO(pdfs["borderless-2021-valid"].data)) as pdf:
        borderless = sum(len(p.rects) + len(p.lines) for p in pdf.pages)
    assert ruled > 100 and borderless == 0


def test_the_split_variant_breaks_table_three_and_repeats_its_header(pdfs):
    pages = [page.replace("\n", "") for page in _pages(pdfs["split-2021-valid"].data)]
    with_header = [i for i, page in enumerate(pages) if "申请人情况" in page]
    assert len(with_header) >= 2
    # the forced break: row 3 of (四)无法提供 starts a page, right after the repeated header
    resumed = next(i for i, page in enumerate(pages) if "补正后申请内容" in page)
    assert resumed in with_header and "没有现成信息" not in pages[resumed]
    assert "没有现成信息" in pages[resumed - 1]


def test_noto_cjk_fonts_put_kangxi_radicals_in_the_text_layer(pdfs):
    """The trap real Chromium-printed reports carry: 工 comes out as ⼯ (U+2F2F). NFKC repairs most of it."""
    text = "\n".join(_pages(pdfs["radicals-2021-valid"].data))
    assert "⼯作" in text and "工作" not in text
    assert "工作" in unicodedata.normalize("NFKC", text)
    assert "人⺠" in unicodedata.normalize("NFKC", text)  # U+2EA0 from the radicals supplement survives NFKC


def test_the_t4_split_variant_puts_its_numbers_on_the_page_after_its_header(pdfs):
    doc = pdfs["t4-values-on-next-page-2021"]
    pages = [page.replace("\n", "") for page in _pages(doc.data)]
    header_page = next(i for i, page in enumerate(pages) if "复议后起诉" in page)
    values = " ".join(doc.document.style.render_value(doc.report.cells[key(4, r, c)]).strip()
                      for r in T4_ROWS for c in T4_COLUMNS)
    assert values not in unicodedata.normalize("NFKC", pages[header_page])
    assert unicodedata.normalize("NFKC", pages[header_page + 1]).startswith(values)
