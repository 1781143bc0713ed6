"""Word .docx reports: refuse unsafe packages, read paragraphs and tables (merged cells expanded), hand to grid.

Safety before python-docx opens the package: the zip directory is checked for zip bombs (total uncompressed
size, per-member compression ratio, member count) and every XML part is refused if it carries a DOCTYPE or
ENTITY declaration. python-docx parses with lxml `resolve_entities=False` (and lxml never fetches network
DTDs by default), so entities would not be expanded anyway; refusing them keeps that independent of the
library's settings.

Merged cells: a `w:gridSpan` cell covers several grid columns of its row; a `w:vMerge` without
`w:val="restart"` continues the merged cell above it. `w:gridBefore` leaves grid columns empty at the start
of a row. Covered positions hold copies pointing at the printed cell (see grid.GridCell.origin).
"""
from __future__ import annotations

import io
import zipfile

from .. import grid, guards
from ..model import Cell, ExtractionError, ParsedDocument
from ..options import ExtractOptions
from ..registry import register

MAX_GRID_CELLS = 200_000

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
_CONTAINERS = (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag", f"{W}ins", f"{W}moveTo")


def check_package(data: bytes) -> None:
    """The guard of .docx: raise ExtractionError for a zip bomb or an XML part with a DOCTYPE/ENTITY
    declaration (guards.check_zip_package)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ExtractionError("corrupt", f"not a readable .docx package: {exc}") from exc
    with archive:
        guards.check_zip_package(archive)


def _children(element, tag: str):
    """Direct children with `tag`, looking through content controls and other transparent wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _CONTAINERS:
            yield from _children(child, tag)


def _paragraph_text(paragraph) -> str:
    parts: list[str] = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append(" " if node.tag == f"{W}tab" else "\n")
    return "".join(parts)


def _cell_text(tc) -> str:
    """The text of a cell's own paragraphs (nested tables are tables of their own)."""
    return "\n".join(_paragraph_text(p) for p in _children(tc, f"{W}p"))


def _int_attr(element, name: str, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(f"{W}{name}", default))
    except (TypeError, ValueError):
        return default


class _DocumentReader:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[grid.GridTable] = []

    def read_body(self, container) -> None:
        for child in container:
            if child.tag == f"{W}p":
                self.lines.append(_paragraph_text(child))
            elif child.tag == f"{W}tbl":
                self.read_table(child)
            elif child.tag in _CONTAINERS:
                self.read_body(child)

    def read_table(self, tbl) -> None:
        from ..grid import clean_cell_text

        index = len(self.tables)
        table: grid.GridTable = []
        self.tables.append(table)
        nested: list = []
        # per grid column: (origin row, origin col, text) of the vertically merged cell still open above
        open_merges: dict[int, tuple[int, int, str]] = {}
        n_cells = 0
        for r, tr in enumerate(_children(tbl, f"{W}tr")):
            row: list[grid.GridCell] = []
            tr_pr = tr.find(f"{W}trPr")
            grid_before = _int_attr(tr_pr.find(f"{W}gridBefore") if tr_pr is not None else None, "val", 0)
            for c in range(min(grid_before, 64)):
                row.append(grid.GridCell("", Cell(None, "", table_index=index, row_index=r, col_index=c)))
            for tc in _children(tr, f"{W}tc"):
                tc_pr = tc.find(f"{W}tcPr")
                span = _int_attr(tc_pr.find(f"{W}gridSpan") if tc_pr is not None else None, "val", 1)
                span = min(max(span, 1), 64)
                v_merge = tc_pr.find(f"{W}vMerge") if tc_pr is not None else None
                continues = v_merge is not None and v_merge.get(f"{W}val", "continue") != "restart"
                c0 = len(row)
                if continues and c0 in open_merges:
                    origin_r, origin_c, text = open_merges[c0]
                    origin = (origin_r, origin_c)
                else:
                    text = clean_cell_text(_cell_text(tc))
                    origin = None
                    for dc in range(span):
                        open_merges.pop(c0 + dc, None)
                    if v_merge is not None:
                        open_merges[c0] = (r, c0, text)
                for dc in range(span):
                    cell_origin = origin if dc == 0 else (origin or (r, c0))
                    row.append(grid.GridCell(text, Cell(None, text, table_index=index, row_index=r,
                                                        col_index=c0 + dc), cell_origin))
                nested.extend(_children(tc, f"{W}tbl"))
            n_cells += len(row)
            if n_cells > MAX_GRID_CELLS:
                raise ExtractionError("too_complex", f"table {index + 1} has more than {MAX_GRID_CELLS} cells")
            table.append(row)
            self.lines.append("\t".join(_unique_texts(row)))
        for inner in nested:
            self.read_table(inner)


def _unique_texts(row: list[grid.GridCell]) -> list[str]:
    """A row's printed texts once each (covered positions repeat their merged cell)."""
    return [cell.text for cell in row if cell.origin is None]


def read_document(data: bytes) -> tuple[str, list[grid.GridTable]]:
    """The text and the tables of a package that passed `check_package`."""
    import docx  # python-docx; imported here so that other formats never pay for it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionError("corrupt", f"python-docx cannot open the document: {exc}") from exc
    body = getattr(document.element, "body", None)
    if body is None:  # a document part whose root is not w:document, or one with no w:body
        raise ExtractionError("corrupt", "the document part has no Word body")
    reader = _DocumentReader()
    reader.read_body(body)
    text = "\n".join(line.rstrip() for line in reader.lines).strip()
    return text, [t for t in reader.tables if t]


@register("docx", guard=check_package)
def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument:
    text, tables = read_document(data)
    return grid.parse_tables(tables, text)
