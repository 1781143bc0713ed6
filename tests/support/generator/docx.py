"""DOCX rendering with python-docx: tables with real merged cells (w:gridSpan across, w:vMerge down)."""
from __future__ import annotations

import io

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from .document import Document
from .layout import Table, expand

CJK_FONT = "仿宋_GB2312"


def _add_table(word, table: Table) -> None:
    grid = expand(table)
    height, width = len(grid), len(grid[0])
    word_table = word.add_table(rows=height, cols=width)
    word_table.style = "Table Grid"
    # Table.cell() rebuilds the whole cell list on every call; take it once (merging keeps each span's
    # top-left and bottom-right <w:tc> in place, and spans never overlap)
    cells = word_table._cells
    for r, row in enumerate(grid):
        for c, (span, origin) in enumerate(row):
            if not origin:
                continue
            cell = cells[r * width + c]
            if span.rowspan > 1 or span.colspan > 1:
                cell = cell.merge(cells[(r + span.rowspan - 1) * width + c + span.colspan - 1])
            cell.text = span.text
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(document: Document) -> bytes:
    word = WordDocument()
    normal = word.styles["Normal"]
    normal.font.name = CJK_FONT
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), CJK_FONT)
    word.core_properties.title = document.title
    for block in document.blocks:
        if block.kind == "title":
            paragraph = word.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(block.text).bold = True
        elif block.kind == "heading":
            word.add_paragraph(block.text, style="Heading 2")
        elif block.kind == "paragraph":
            word.add_paragraph(block.text)
        elif block.kind == "table":
            _add_table(word, block.table)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
