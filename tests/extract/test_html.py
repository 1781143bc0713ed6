"""HTML reports: the two real portal pages against their gold, and small pages for encodings and markup."""
from __future__ import annotations

import time

import pytest

from extract.core import extract_bytes, extract_file
from extract.encoding import decode_html
from extract.parsers.html import read_page
from tests.support.grid_reports import CASES, gold_cells, merges, report_specs

REAL_CASES = ["pingtan-gov-2022", "pingtan-scj-2023"]


@pytest.mark.parametrize("case", REAL_CASES)
def test_real_portal_page_reads_every_gold_cell(case):
    result = extract_file(CASES / case / "source.html")
    gold = gold_cells(case)
    assert {k: result.cells.get(k, "<missing>") for k in gold} == gold
    assert result.status == "ok"
    assert result.format == "html"
    assert result.template == "2021"
    assert result.tables_found == [2, 3, 4]
    assert result.year == int(case[-4:])


def test_real_page_cells_carry_their_table_row_and_column():
    result = extract_file(CASES / "pingtan-gov-2022" / "source.html")
    assert result.provenance["t3.new_received.total"] == {"raw": "74", "table_index": 1, "row_index": 3,
                                                              "col_index": 9}
    assert result.provenance["t2.administrative_fees.amount"]["unit"] == "万元"
    assert result.cells["t2.administrative_fees.amount"] == 9116.36
    assert result.cells["t4.reconsideration.total"] == 2


def test_rowspan_over_value_cells_gives_the_number_to_the_first_row_only():
    result = extract_file(CASES / "pingtan-scj-2023" / "source.html")
    assert result.cells["t3.other_no_correction.total"] == 0
    assert result.cells["t3.other_unpaid_fee.total"] is None
    assert result.cells["t3.other_misc.natural_person"] is None
    assert "t2.regulations.issued" not in result.cells  # the page prints no 规章 row
    assert result.cells["t2.normative_documents.in_force"] == 13


def test_real_page_text_is_the_visible_text_without_scripts_title_first():
    text, tables = read_page(decode_html((CASES / "pingtan-scj-2023" / "source.html").read_bytes())[0])
    assert text.splitlines()[:2] == ["平潭综合实验区市场监督管理局2023年度政府信息公开工作年度报告",
                                     "平潭综合实验区市场监督管理局2023年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会"]
    assert "2023年共收到政府信息公开申请1件，予以公开1件。" in text
    assert "一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1" in text
    assert "function" not in text and "{" not in text
    assert len(tables) == 3


def test_real_pages_parse_fast():
    data = (CASES / "pingtan-gov-2022" / "source.html").read_bytes()
    start = time.perf_counter()
    for _ in range(5):
        extract_bytes(data, "page.html")
    assert (time.perf_counter() - start) / 5 < 1.0  # about 0.03 s on one core; generous for shared CI


def test_rowspan_and_colspan_expand_into_copies_pointing_at_the_printed_cell():
    html = """<table>
      <tr><td rowspan="2" colspan="2">A</td><td>B</td></tr>
      <tr><td>C</td></tr>
      <tr><td>D</td><td colspan=2>E</td></tr>
    </table>"""
    _, [table] = read_page(html)
    assert [[g.text for g in row] for row in table] == [["A", "A", "B"], ["A", "A", "C"], ["D", "E", "E"]]
    assert [[g.origin for g in row] for row in table] == [
        [None, (0, 0), None], [(0, 0), (0, 0), None], [None, None, (2, 1)]]
    assert (table[1][2].cell.row_index, table[1][2].cell.col_index) == (1, 2)


def test_unclosed_cells_and_rows_are_closed_like_a_browser_does():
    _, [table] = read_page("<table><tr><td>规章<td>1<td>2<tr><td>x<td>3</table>")
    assert [[g.text for g in row] for row in table] == [["规章", "1", "2"], ["x", "3"]]


def test_nested_tables_are_tables_of_their_own():
    html = "<table><tr><td>版面<table><tr><td>内层</td><td>5</td></tr></table>尾</td></tr></table>"
    _, tables = read_page(html)
    assert [[g.text for g in row] for t in tables for row in t] == [["版面 尾"], ["内层", "5"]]


def test_word_markup_nbsp_and_blank_cells():
    html = """<html><head><style>p.MsoNormal{mso-style-parent:"";}</style>
    <!--[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]--></head><body>
    <table class=MsoTableGrid>
     <tr><td><p class=MsoNormal><span lang=EN-US style='mso-bidi-font-size:10.5pt'>规<span>章</span><o:p></o:p></span></p></td>
         <td><p class=MsoNormal><span>&nbsp;1</span><span>2&nbsp;<o:p></o:p></span></p></td>
         <td><p class=MsoNormal><span>&nbsp;<o:p></o:p></span></p></td><td></td>
         <td><p>3</p><p>&#12288;</p></td></tr>
    </table></body></html>"""
    _, [table] = read_page(html)
    assert [g.text for g in table[0]] == ["规章", "12", "", "", "3"]


def _report_html(charset: str | None = "utf-8", word: bool = False) -> str:
    """The real numbers of pingtan-gov-2022 as a portal page: chrome, rowspan/colspan tables, a script."""
    parts = []
    headings = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
    for heading, spec in zip(headings, report_specs(gold_cells("pingtan-gov-2022"))):
        spans = {(top, left): (bottom - top + 1, right - left + 1) for top, left, bottom, right in merges(spec)}
        rows = []
        for r, row in enumerate(spec):
            cells = []
            for c, text in enumerate(row):
                if text in ("<", "^"):
                    continue
                rowspan, colspan = spans.get((r, c), (1, 1))
                body = (f"<p class=MsoNormal><span style='font-family:仿宋_GB2312'>{text or '&nbsp;'}"
                        "<o:p></o:p></span></p>") if word else (text or "&nbsp;")
                cells.append(f'<td rowspan="{rowspan}" colspan="{colspan}">{body}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        if word:  # Word's "save as web page" closes every table with a row of empty zero-height cells
            rows.append("<![if !supportMisalignedColumns]><tr height=0>" + "<td width=0 style='border:none'>"
                        "</td>" * len(spec[0]) + "</tr><![endif]>")
        parts.append(f"<p>{heading}</p><table border=1>{''.join(rows)}</table>")
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return (f"<html><head>{meta}<title>平潭综合实验区2022年度政府信息公开工作年度报告_平潭</title>"
            "<script>var tables = '<table><tr><td>1</td></tr></table>';</script></head><body>"
            "<div class=nav><a href=/>首页</a> | <a>政务公开</a></div><div class=article>"
            "<h1>平潭综合实验区2022年度政府信息公开工作年度报告</h1>" + "".join(parts) +
            "<p>五、存在的主要问题及改进情况</p></div><div class=footer>版权所有</div></body></html>")


ENCODINGS = [
    ("utf-8 declared", lambda: _report_html("utf-8").encode("utf-8")),
    ("gbk declared as gb2312", lambda: _report_html("gb2312").encode("gbk")),
    ("gbk undeclared", lambda: _report_html(None).encode("gbk")),
    ("utf-8 mislabelled gb2312", lambda: _report_html("gb2312").encode("utf-8")),
    ("utf-8 with bom", lambda: b"\xef\xbb\xbf" + _report_html("utf-8").encode("utf-8")),
    ("utf-16 with bom", lambda: _report_html("utf-16").encode("utf-16")),
    ("utf-16-le without bom", lambda: _report_html(None).encode("utf-16-le")),
    ("word markup in gb18030", lambda: _report_html("gb18030", word=True).encode("gb18030")),
]


@pytest.mark.parametrize("name,make", ENCODINGS, ids=[name for name, _ in ENCODINGS])
def test_every_encoding_of_a_report_page_reads_the_same_cells(name, make):
    result = extract_bytes(make(), "report.html")
    assert result.format == "html"
    assert result.cells == gold_cells("pingtan-gov-2022")
    assert result.status == "ok", result.issues
    assert (result.agency, result.year) == ("平潭综合实验区", 2022)


def test_decoding_reports_the_encoding_it_used():
    page = "<meta charset=gbk><p>政府信息公开</p>"
    assert decode_html(page.encode("gbk")) == (page, "gb18030")
    assert decode_html(page.encode("utf-8")) == (page, "utf-8")
    assert decode_html(page.encode("utf-16-le"))[1] == "utf-16-le"


def test_a_page_without_report_tables_fails_honestly():
    result = extract_bytes("<html><body><table><tr><td>电话</td><td>123</td></tr></table></body></html>"
                           .encode(), "x.html")
    assert result.status == "failed"
    assert result.cells == {}
    assert [i.code for i in result.issues] == ["not_a_report"]


def test_the_article_title_meta_names_the_report_when_chrome_pushes_the_heading_down():
    page = _report_html("utf-8").replace("<title>平潭综合实验区2022年度政府信息公开工作年度报告_平潭</title>",
                                         '<title>平潭综合实验区党工委管委会</title><meta name="ArticleTitle" '
                                         'content="平潭综合实验区2022年度政府信息公开工作年度报告">')
    page = page.replace("<div class=nav>", "<div class=nav>" + "<p>栏目</p>" * 80)
    text, _ = read_page(page)
    assert text.splitlines()[:2] == ["平潭综合实验区2022年度政府信息公开工作年度报告", "平潭综合实验区党工委管委会"]
    result = extract_bytes(page.encode("utf-8"), "report.html")
    assert (result.agency, result.year, result.status) == ("平潭综合实验区", 2022, "ok")


def test_a_page_whose_head_is_never_closed_still_has_a_body():
    text, [table] = read_page("<html><head><title>标题</title><p>正文第一段</p><table><tr><td>规章</td><td>1</td>"
                              "</tr></table>")
    assert [line for line in text.splitlines() if line] == ["标题", "正文第一段", "规章\t1"]
    assert [g.text for g in table[0]] == ["规章", "1"]
