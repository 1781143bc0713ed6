"""The generator itself: reports obey the identities (or break exactly one cell), generation is
deterministic, and every rendering prints each cell where the template puts it (checked by independent
readers: html.parser, python-docx, pdfplumber, plain string handling)."""
from __future__ import annotations

import io
import random
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, strategies as st

from tests.support.generator import VARIANTS, generate, random_invalid_report, random_report, render, with_breach
from tests.support.generator.document import TITLE_FORMS, title_lines
from tests.support.generator.layout import Style, expand, format_number, tables
from extract.identities import FAIL, INCOMPLETE
from extract.keys import T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_ROWS, key, template_keys
from extract.metadata import detect_agency_year
from tests.support.round_trips import ROUNDTRIP

FAST_VARIANTS = [name for name, v in VARIANTS.items() if not v.slow]


@ROUNDTRIP
@given(rng=st.randoms(use_true_random=False))
def test_a_valid_report_has_every_key_of_its_template_and_breaks_no_identity(rng):
    report = random_report(rng)
    expected_keys = [k for k in template_keys(report.template) if report.has_t4 or not k.startswith("t4.")]
    assert list(report.cells) == expected_keys
    assert report.failing_identities() == []
    for cell_key, value in report.cells.items():
        if value is not None and not cell_key.endswith((".change", ".amount", ".total_amount")):
            assert isinstance(value, int) and value >= 0, cell_key


@ROUNDTRIP
@given(seed=st.integers(0, 2**32))
def test_an_invalid_report_is_a_valid_one_with_one_cell_changed_that_breaks_an_identity(seed):
    valid = random_report(random.Random(seed))
    try:
        invalid = with_breach(valid, random.Random(seed + 1))
    except ValueError:  # every identity had a blank partner: nothing can be broken visibly
        assert all(c.result != FAIL for c in valid.identity_checks())
        return
    assert [k for k in valid.cells if valid.cells[k] != invalid.cells[k]] == [invalid.breach.key]
    assert invalid.breach.valid_value == valid.cells[invalid.breach.key] != invalid.breach.printed_value
    assert valid.failing_identities() == []
    assert set(invalid.failing_identities()) == set(invalid.breach.broken) != set()


@ROUNDTRIP
@given(rng=st.randoms(use_true_random=False))
def test_random_invalid_reports_always_carry_a_breach(rng):
    assert random_invalid_report(rng).failing_identities()


def test_a_blank_cell_is_null_and_makes_its_identities_incomplete_not_broken():
    report = random_report(random.Random(3), template="2021", blank_rate=1.0, has_t4=True)
    assert None in report.cells.values()
    results = {c.result for c in report.identity_checks()}
    assert INCOMPLETE in results and FAIL not in results


@pytest.mark.parametrize("variant", FAST_VARIANTS)
def test_the_same_seed_gives_the_same_document(variant):
    first, second = generate(5, variant, valid=False), generate(5, variant, valid=False)
    assert first.report == second.report
    if variant == "docx":  # the zip stores timestamps; compare the document part
        assert _docx_xml(first.data) == _docx_xml(second.data)
    else:
        assert first.data == second.data
    assert generate(6, variant).report != first.report


def _docx_xml(data: bytes) -> bytes:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


@pytest.mark.parametrize("form", TITLE_FORMS)
@pytest.mark.parametrize("seed", range(6))
def test_every_title_form_names_the_agency_and_year_for_the_metadata_reader(form, seed):
    report = random_report(random.Random(seed))
    assert detect_agency_year("\n".join(title_lines(report, form))) == (report.agency, report.year)


@pytest.mark.parametrize("value, text", [(0, "0"), (12, "12"), (9116.36, "9116.36"), (18651.064104, "18651.064104"),
                                         (-3, "-3"), (120.0, "120")])
def test_numbers_print_as_the_shortest_text_that_reads_back_exactly(value, text):
    assert format_number(value) == text
    assert float(text) == value


@pytest.mark.parametrize("numbers, value, printed", [
    ("thousands", 12345, "12,345"), ("fullwidth", 907, "９０７"), ("padded", 5, "5 "), ("plain", None, "-"),
])
def test_styles_change_how_a_value_prints_not_what_it_is(numbers, value, printed):
    assert Style(numbers=numbers, null_token="-").render_value(value) == printed


# ---- the layouts: merged headers and rows as in the real template -----------------------------------

class _GridReader(HTMLParser):
    """A minimal independent HTML table reader: expands rowspan/colspan into a text grid per table."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._rows: list[list[tuple[str, int, int]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._rows = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
            self._span = (int(attrs.get("rowspan", 1)), int(attrs.get("colspan", 1)))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(("".join(self._cell).replace("\xa0", " ").strip(), *self._span))
            self._cell = None
        elif tag == "table":
            self.tables.append(self._expand(self._rows))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    @staticmethod
    def _expand(rows):
        grid: dict[tuple[int, int], str] = {}
        for r, row in enumerate(rows):
            c = 0
            for text, rowspan, colspan in row:
                while (r, c) in grid:
                    c += 1
                for dr in range(rowspan):
                    for dc in range(colspan):
                        grid[(r + dr, c + dc)] = text if dr == dc == 0 else ""
                c += colspan
        height = max(r for r, _ in grid) + 1
        width = max(c for _, c in grid) + 1
        return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def _generated_grids(doc):
    rendered = tables(doc.report, doc.document.style)
    out = [rendered.t2, rendered.t3] + ([rendered.t4] if rendered.t4 else [])
    return [[[span.text.strip() if origin else "" for span, origin in row] for row in expand(t)] for t in out]


@pytest.mark.parametrize("variant", ["html-plain", "html-word", "html-chrome"])
@pytest.mark.parametrize("seed", range(4))
def test_html_tables_expand_to_the_template_grid(variant, seed):
    doc = generate(seed, variant, valid=bool(seed % 2))
    reader = _GridReader()
    reader.feed(doc.data.decode("utf-8"))
    report_tables = [t for t in reader.tables if len(t[0]) > 3]  # drop the site-chrome link table
    assert report_tables == _generated_grids(doc)
    t3 = report_tables[1]
    assert t3[1][4] == "法人或其他组织" and t3[1][3].replace(" ", "") == "自然人"
    assert len(t3) == 3 + len(T3_ROWS[doc.report.template])
    # every value cell sits in its template row and column
    for r, row in enumerate(T3_ROWS[doc.report.template]):
        for c, col in enumerate(T3_COLUMNS):
            printed = doc.document.style.render_value(doc.report.cells[key(3, row, col)]).strip()
            assert t3[3 + r][3 + c] == printed


def test_html_merges_the_template_headers_and_row_groups():
    doc = generate(0, "html-plain", template="2021")
    html = doc.data.decode("utf-8")
    assert 'colspan="5">法人或其他组织' in html
    assert re.search(r'rowspan="8">[（(]三[）)]\s*不予公开', html)
    assert re.search(r'rowspan="3">[（(]六[）)]\s*其他处理', html)
    assert 'colspan="10">行政诉讼' in html and 'colspan="5">复议后起诉' in html
    assert "<o:p>" not in html
    word = generate(0, "html-word").data.decode("utf-8")
    assert 'class="MsoNormalTable"' in word and "&nbsp;" in word
    chrome = generate(0, "html-chrome").data.decode("utf-8")
    assert "当前位置" in chrome and "网站标识码" in chrome


def test_the_2019_template_prints_a_single_other_row_and_the_procurement_row():
    doc = generate(2, "html-plain", template="2019")
    html = doc.data.decode("utf-8")
    assert "其他处理" in html and "逾期不补正" not in html
    assert "政府集中采购" in html and "本年增/减" in html
    assert "rowspan=\"20\">三、本年度办理结果" in html


@pytest.mark.parametrize("seed", range(3))
def test_docx_tables_use_real_merged_cells_and_read_back_as_the_template_grid(seed):
    from docx import Document as WordDocument
    doc = generate(seed, "docx", valid=False)
    xml = _docx_xml(doc.data).decode("utf-8")
    assert "<w:gridSpan " in xml and '<w:vMerge w:val="restart"/>' in xml
    word = WordDocument(io.BytesIO(doc.data))
    expected = _generated_grids(doc)
    assert len(word.tables) == len(expected)
    for table, grid in zip(word.tables, expected):
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                if text:  # python-docx repeats a merged cell's text at every position it covers
                    assert table.cell(r, c).text.strip() == text


def test_text_forms_print_each_table_row_as_the_form_says():
    doc = generate(4, "txt-tabs", template="2021", valid=True, blank_rate=0.0)
    style = doc.document.style
    text = doc.data.decode("utf-8")
    t4_values = [style.render_value(doc.report.cells[key(4, r, c)]) for r in T4_ROWS for c in T4_COLUMNS]
    assert "\t".join(t4_values) in text
    new_received = [style.render_value(doc.report.cells[key(3, "new_received", c)]) for c in T3_COLUMNS]
    assert "一、本年新收政府信息公开申请数量\t\t\t" + "\t".join(new_received) in text

    glued = generate(4, "txt-glued", template="2021", valid=True, blank_rate=0.0)
    text = glued.data.decode("utf-8")
    digits = "".join(format_number(glued.report.cells[key(3, "new_received", c)]) for c in T3_COLUMNS)
    assert f"一、本年新收政府信息公开申请数量 {digits}二、上年结转" in text
    assert text.startswith("标题: ") and text.count("\n") == 6  # crawler header, then one line of article

    markdown = generate(4, "txt-markdown").data.decode("utf-8")
    assert markdown.startswith("# ") and "\n## 三、收到和处理政府信息公开申请情况\n" in markdown
    assert "| 法人或其他组织 |  |  |  |  |" in markdown

    lines = generate(4, "txt-lines", blank_rate=1.0).data.decode("utf-8").splitlines()
    assert "一、本年新收政府信息公开申请数量" in lines and "" not in lines[lines.index("申请人情况"):][:60]


@pytest.mark.parametrize("variant", FAST_VARIANTS)
def test_every_fast_variant_is_sniffed_as_its_format(variant):
    from extract.sniff import sniff_format
    doc = generate(1, variant)
    assert sniff_format(doc.data) == doc.format


@given(rng=st.randoms(use_true_random=False))
@ROUNDTRIP
def test_rendering_never_changes_the_report(rng):
    report = random_report(rng)
    doc = render(report, rng.choice(FAST_VARIANTS), rng)
    assert doc.report is report and doc.data
