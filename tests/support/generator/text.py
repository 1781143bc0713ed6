"""Plain-text forms of a report, as they reach the pipeline from copy-paste and crawlers.

- `tabs`: Word/browser copy-paste, one table row per line, cells separated by tabs, merged positions empty.
- `lines`: one cell per line (a browser's text of a table).
- `markdown`: headings with `#`, pipe tables (merged positions empty).
- `glued`: a portal crawler's page text: a metadata header, then the whole article on one line, every cell
  of a row glued to the next with no separator and the next row's label glued to the last digit.
- `glued-headings`: the same, and what follows a table (the next heading or paragraph) glued to its last
  digit too ("结转下年度继续办理0000000四、…").
"""
from __future__ import annotations

from .document import Document
from .layout import Table, expand

TEXT_FORMS = ("tabs", "lines", "markdown", "glued", "glued-headings")


def _tab_rows(table: Table) -> list[str]:
    return ["\t".join(span.text if origin else "" for span, origin in row) for row in expand(table)]


def _line_cells(table: Table) -> list[str]:
    return [span.text.strip() or "—" for row in table for span in row]


def _markdown_rows(table: Table) -> list[str]:
    grid = expand(table)
    lines = []
    for i, row in enumerate(grid):
        cells = [(span.text.strip() if origin else "").replace("|", "\\|") for span, origin in row]
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "---|" * len(row))
    return lines


def _glued_table(table: Table) -> str:
    """Labels keep a space before their digits (as the crawler prints them); values are glued together."""
    out = []
    for row in table:
        labels = [span.text for span in row if span.key is None]
        values = "".join(span.text.strip() for span in row if span.key is not None)
        text = " ".join(labels)
        out.append(f"{text} {values}" if text and values else text or values)
    return "".join(out)


def _body_lines(document: Document, table_lines, heading_prefix: str = "",
                title_prefix: str = "") -> list[str]:
    lines: list[str] = []
    for block in document.blocks:
        if block.kind == "title":
            lines.append(title_prefix + block.text)
        elif block.kind == "heading":
            lines += ["", heading_prefix + block.text]
        elif block.kind == "paragraph":
            lines += ["", block.text]
        elif block.kind == "table":
            lines += [""] + table_lines(block.table) + [""]
    return lines


def render_text(document: Document, form: str) -> bytes:
    if form == "tabs":
        lines = _body_lines(document, _tab_rows)
    elif form == "lines":
        lines = _body_lines(document, _line_cells)
    elif form == "markdown":
        lines = _body_lines(document, _markdown_rows, heading_prefix="## ", title_prefix="# ")
    elif form in ("glued", "glued-headings"):
        return _render_glued(document, glue_after_tables=form == "glued-headings")
    else:
        raise ValueError(f"unknown text form {form!r}; one of {TEXT_FORMS}")
    return ("\n".join(lines).strip("\n") + "\n").encode("utf-8")


def _render_glued(document: Document, glue_after_tables: bool = False) -> bytes:
    header = [
        f"标题: {document.title}",
        f"发布时间: {document.published} 09:30",
        "文号: ",
        f"发布机构: {document.report.agency}",
        "栏目: 政府信息公开年报",
        "==================== 正文 ====================",
    ]
    body = ""
    after_table = False
    for block in document.blocks:
        if block.kind == "title":
            continue  # the crawler keeps the title in its header only
        separator = "" if not body or (after_table and glue_after_tables) else " "
        body += separator + (_glued_table(block.table) if block.kind == "table" else block.text)
        after_table = block.kind == "table"
    return ("\n".join(header) + "\n" + body).encode("utf-8")

