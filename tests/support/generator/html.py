"""HTML rendering: plain semantic tables, Word-exported markup (MsoNormalTable, nested spans, &nbsp;), site
chrome around the article, and the print forms (ruled, borderless, 表三 split across pages) fed to Chromium."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .document import Block, Document
from .layout import Span, Table


# WenQuanYi Micro Hei (Debian fonts-wqy-microhei) gives Chromium a clean text layer; Noto CJK makes it write
# Kangxi radicals (U+2F00...) for some ideographs, a real trap kept for the pdf-radicals variant.
CLEAN_FONT = "'WenQuanYi Micro Hei', 'Droid Sans Fallback', sans-serif"
RADICALS_FONT = "'Noto Serif CJK SC', 'Noto Sans CJK SC', serif"


@dataclass(frozen=True)
class HtmlOptions:
    word_markup: bool = False  # Word "save as web page" markup, as government CMSs publish it
    chrome: bool = False  # portal header, navigation, breadcrumbs, a link table, footer
    ruled: bool = True  # cell borders (printing: ruled vs borderless tables)
    repeat_t3_header: bool = False  # 表三 header rows in <thead> (repeated on every printed page)
    break_t3_before_row: int | None = None  # force a page break before this body row of 表三 (printing)
    break_t4_before_values: bool = False  # 表四's header at the foot of a page, its numbers on the next
    for_print: bool = False  # A4 page CSS for Chromium's print-to-pdf
    font: str = CLEAN_FONT
    # printing: a label column this narrow wraps the long row labels over lines ("4.无正当" / "理由大量…"),
    # and cells aligned to the top put a label's first line beside the row's numbers
    label_width: str | None = None
    valign: str = "middle"
    tight: bool = False  # cells without padding and lines set solid, as Word prints fixed-height rows




def _css(options: HtmlOptions) -> str:
    border = "1px solid #000" if options.ruled else "none"
    rules = [
        f"body {{ font-family: {options.font}; font-size: 11pt; line-height: 1.5; }}",
        "table { border-collapse: collapse; margin: 8pt 0; width: 100%; }",
        f"td, th {{ border: {border}; padding: 2pt 4pt; font-weight: normal; text-align: center; "
        f"vertical-align: {options.valign}; }}",
        "h1 { font-size: 16pt; text-align: center; } h2 { font-size: 13pt; }",
        ".chrome, .chrome td { border: none; font-size: 9pt; color: #555; }",
    ]
    if options.repeat_t3_header:
        rules.append("thead { display: table-header-group; }")
    if options.label_width:
        rules.append(f"td.l {{ width: {options.label_width}; max-width: {options.label_width}; }}")
    if options.tight:
        rules.append("td { padding: 0 5pt; line-height: 1.1; }")
    if options.for_print:
        rules.append("@page { size: A4; margin: 18mm 15mm; }")
        # numbers never wrap inside a cell; long labels do
        rules.append("td.v { white-space: nowrap; min-width: 2.5em; } th.h { min-width: 2.5em; }")
    return "\n".join(rules)


def _text(text: str, word_markup: bool) -> str:
    if not word_markup:
        return escape(text)
    # Word wraps text in nested spans and pads with a non-breaking space
    return (f'<p class="MsoNormal" style="margin:0pt;text-align:center;line-height:20pt;">'
            f'<span style="font-family:仿宋_GB2312;font-size:12pt;"><span style="font-family:仿宋_GB2312">'
            f"{escape(text)}</span><span style=\"font-family:仿宋_GB2312\">&nbsp;</span></span><o:p></o:p></p>")


def _cell(span: Span, options: HtmlOptions) -> str:
    attrs = ""
    if span.rowspan > 1:
        attrs += f' rowspan="{span.rowspan}"'
    if span.colspan > 1:
        attrs += f' colspan="{span.colspan}"'
    if options.word_markup:
        attrs += ' valign="center" style="width:60.0pt;padding:0pt;border:solid windowtext 1.0pt;"'
    tag = "th" if span.header and not options.word_markup else "td"
    if options.for_print and (span.key is not None or span.header):
        attrs += ' class="v"' if span.key is not None else ' class="h"'
    elif options.label_width and span.key is None and not span.header and span.colspan == 1:
        attrs += ' class="l"'
    return f"<{tag}{attrs}>{_text(span.text, options.word_markup)}</{tag}>"


def _rows(rows: Table, options: HtmlOptions, break_before: int | None = None) -> str:
    out = []
    for i, row in enumerate(rows):
        style = ' style="break-before: page; page-break-before: always;"' if i == break_before else ""
        out.append(f"<tr{style}>" + "".join(_cell(span, options) for span in row) + "</tr>")
    return "\n".join(out)


def _table(block: Block, options: HtmlOptions) -> str:
    table = block.table
    assert table is not None
    attrs = (' class="MsoNormalTable" border="1" cellspacing="0" style="border-collapse:collapse;border:none;"'
             if options.word_markup else "")
    if block.table_name == "t4" and options.break_t4_before_values:
        return f"<table{attrs}><tbody>{_rows(table, options, break_before=block.header_rows)}</tbody></table>"
    if block.table_name != "t3":
        return f"<table{attrs}><tbody>{_rows(table, options)}</tbody></table>"
    head, body = table[:block.header_rows], table[block.header_rows:]
    # break_t3_before_row counts rows of 表三's body (0 = the first row after the header)
    body_html = _rows(body, options, break_before=options.break_t3_before_row)
    if options.repeat_t3_header:
        return f"<table{attrs}><thead>{_rows(head, options)}</thead><tbody>{body_html}</tbody></table>"
    return f"<table{attrs}><tbody>{_rows(head, options)}\n{body_html}</tbody></table>"


CHROME_HEADER = """<div class="chrome header"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> |
<a href="/hdjl/">互动交流</a> | <a href="/bsfw/">办事服务</a></div>
<div class="chrome crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>"""
CHROME_LINKS = """<table class="chrome"><tr><td><a href="http://www.gov.cn/">中国政府网</a></td>
<td><a href="/">省人民政府</a></td><td>访问量：{visits}</td></tr></table>"""
CHROME_FOOTER = """<div class="chrome footer">主办单位：{agency} 网站标识码：{site_code} 
<a href="https://beian.miit.gov.cn/">ICP备{icp}号</a> 版权所有</div>"""


def render_html(document: Document, options: HtmlOptions = HtmlOptions()) -> bytes:
    report = document.report
    parts = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
             f"<title>{escape(document.title)}</title>", f"<style>{_css(options)}</style></head><body>"]
    if options.chrome:
        parts.append(CHROME_HEADER)
        parts.append(f'<div class="chrome meta">发布时间：{document.published} 来源：{escape(report.agency)} '
                     "字号：[大 中 小] 打印本页</div>")
    parts.append('<div class="article">')
    for block in document.blocks:
        if block.kind == "title":
            parts.append(f"<h1>{escape(block.text)}</h1>")
        elif block.kind == "heading":
            parts.append(f"<h2>{escape(block.text)}</h2>")
        elif block.kind == "paragraph":
            parts.append(f"<p>{escape(block.text)}</p>")
        elif block.kind == "table":
            parts.append(_table(block, options))
    parts.append("</div>")
    if options.chrome:
        digits = sum(ord(ch) for ch in report.agency) * 7919 + report.year
        parts.append(CHROME_LINKS.format(visits=digits % 900000 + 100000))
        parts.append(CHROME_FOOTER.format(agency=escape(report.agency), site_code=3500000000 + digits % 99999,
                                          icp=digits % 9000000 + 1000000))
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")
