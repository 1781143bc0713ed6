"""HTML reports (portal pages, Word "save as web page"): decode, read every table as a grid, hand to grid.

Tables are read with the standard library's tolerant `html.parser` (no network, no entity expansion beyond
HTML's named character references); plain tags, which make up nearly all of a page, are tokenized by a
stricter regular expression that gives html.parser's own result faster, everything else by html.parser.
Merged cells are expanded with the HTML table model: a cell with rowspan/colspan occupies every covered
position, and the covered positions hold copies pointing at it.
Nested tables are separate tables; their text is not part of the outer cell. `text` is the article title CMSs
put in `<meta name="ArticleTitle">` and the page's `<title>` (site chrome can push the article's own heading
far down), followed by its visible text (no scripts or styles), table rows as tab-separated lines.
"""
from __future__ import annotations

import html
import html.parser
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .. import grid
from ..grid import clean_cell_text
from ..encoding import decode_html
from ..model import Cell, ExtractionError, ParsedDocument
from ..options import ExtractOptions
from ..registry import register

MAX_SPAN = 1000  # a rowspan/colspan above this is malformed markup, not a table layout
MAX_GRID_CELLS = 200_000

_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object",
                      "select", "textarea", "xml"})
_BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                     "h6", "table", "section", "article", "header", "footer", "nav", "aside", "main",
                     "blockquote", "pre", "hr", "form", "caption", "address", "figure", "figcaption",
                     "center", "title"})
_HEAD_TAGS = frozenset({"html", "head", "title", "meta", "link", "base", "style", "script", "noscript"})
_TABLE_TAGS = frozenset({"table", "tr", "td", "th", "thead", "tbody", "tfoot"})
_TAGS_WITH_A_ROLE = _SKIPPED | _BLOCKS | _HEAD_TAGS | _TABLE_TAGS
_TITLE_METAS = ("articletitle", "og:title", "dc.title")
_SPACES_BUT_TAB_RE = re.compile(r"[ \r\f\v\xa0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")
_SPACED_TAB_RE = re.compile(r" ?\t ?")

# Fast paths for the tags that make up nearly all of a page (see _PageReader.parse_starttag): a complete tag
# with plain ASCII-spaced attributes, which every version of html.parser reads the same way. Anything else
# (unusual spacing, a bare value running into "/", elements html.parser switches into raw-text mode for)
# goes to html.parser's own code.
_ASCII_SPACE = "[ \t\n\r\f]"
_SIMPLE_START_TAG_RE = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9:_.-]*)"
    rf"((?:{_ASCII_SPACE}+[a-zA-Z_:][a-zA-Z0-9_:.-]*"
    rf"(?:{_ASCII_SPACE}*={_ASCII_SPACE}*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>/`]+(?=[ \t\n\r\f>])))?)*)"
    rf"{_ASCII_SPACE}*(/?)>"
)
_SIMPLE_END_TAG_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9:_.-]*)>")
_RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
                            "noscript", "plaintext"})
_ATTRIBUTES_READ = frozenset({"meta", "td", "th"})  # the only tags whose attributes handle_starttag uses


@dataclass
class _RawCell:
    parts: list[str] = field(default_factory=list)
    rowspan: int = 1
    colspan: int = 1

    def text(self) -> str:
        return clean_cell_text("".join(self.parts))


@dataclass
class _RawTable:
    index: int
    rows: list[list[_RawCell]] = field(default_factory=list)
    row_open: bool = False
    cell: _RawCell | None = None


class _PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.meta_titles: list[str] = []  # <meta name="ArticleTitle"> and the like: CMSs put the report title there
        self.text_parts: list[str] = []
        self.tables: list[_RawTable] = []
        self._open_tables: list[_RawTable] = []
        self._skip_depth = 0
        self._in_title = False
        self._in_head = False

    # -- tokenizing: html.parser's own results, faster for plain tags ---------------------------------
    def updatepos(self, i: int, j: int) -> int:
        return j  # line/column bookkeeping: nothing here reads getpos()

    def parse_starttag(self, i: int) -> int:
        match = _SIMPLE_START_TAG_RE.match(self.rawdata, i)
        if match is None:
            return super().parse_starttag(i)
        tag = match.group(1).lower()
        if tag in _RAW_TEXT_TAGS:
            return super().parse_starttag(i)
        self.lasttag = tag
        if tag not in _TAGS_WITH_A_ROLE:  # what handle_starttag/handle_startendtag would do, without the calls
            self._in_head = False
            return match.end()
        attrs = _attributes(self.rawdata, i, match.end()) if tag in _ATTRIBUTES_READ else []
        if match.group(3):
            self.handle_startendtag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
        return match.end()

    def parse_endtag(self, i: int) -> int:
        match = _SIMPLE_END_TAG_RE.match(self.rawdata, i)
        if match is None or self.cdata_elem is not None:
            return super().parse_endtag(i)
        tag = match.group(1).lower()
        if tag in _TAGS_WITH_A_ROLE:
            self.handle_endtag(tag)
        self.clear_cdata_mode()
        return match.end()

    # -- tags ------------------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS_WITH_A_ROLE:  # <span>, <font>, <o:p>...: only says that the head is over
            self._in_head = False
            return
        if tag in _SKIPPED:
            self._skip_depth += 1
            return
        if tag == "meta":
            self._meta(dict(attrs))
        if tag == "head":
            self._in_head = True
        elif tag == "title":
            self._in_title = True
        elif tag not in _HEAD_TAGS:
            self._in_head = False  # <body> or body content: the head ended, even if never closed
        if self._skip_depth:
            return
        if tag == "table":
            self._start_table()
        elif tag in ("tr",) and self._open_tables:
            self._start_row(self._open_tables[-1])
        elif tag in ("td", "th") and self._open_tables:
            self._start_cell(self._open_tables[-1], dict(attrs))
        elif tag in ("thead", "tbody", "tfoot") and self._open_tables:
            self._end_row(self._open_tables[-1])
        if tag in _BLOCKS:
            self._emit_break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            return  # <script/>: nothing to skip
        self.handle_starttag(tag, attrs)
        if tag in ("td", "th", "tr", "table", "title"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _TAGS_WITH_A_ROLE:
            return
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag == "head":
            self._in_head = False
        elif tag == "title":
            self._in_title = False
        if self._skip_depth:
            return
        if tag == "table" and self._open_tables:
            self._end_table()
        elif tag == "tr" and self._open_tables:
            self._end_row(self._open_tables[-1])
        elif tag in ("td", "th") and self._open_tables:
            self._end_cell(self._open_tables[-1])
        if tag in _BLOCKS:
            self._emit_break()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._in_head:
            return
        self._emit(data)

    def _meta(self, attrs: dict[str, str | None]) -> None:
        name = (attrs.get("name") or attrs.get("property") or "").lower()
        content = clean_cell_text(attrs.get("content") or "")
        if name in _TITLE_METAS and content:
            self.meta_titles.append(content)

    # -- tables ----------------------------------------------------------------------------------------
    def _start_table(self) -> None:
        table = _RawTable(index=len(self.tables))
        self.tables.append(table)
        self._open_tables.append(table)

    def _end_table(self) -> None:
        table = self._open_tables.pop()
        self._end_row(table)

    def _start_row(self, table: _RawTable) -> None:
        self._end_row(table)
        table.rows.append([])
        table.row_open = True

    def _end_row(self, table: _RawTable) -> None:
        self._end_cell(table)
        if table.row_open:
            self.text_parts.append("\n")
        table.row_open = False

    def _start_cell(self, table: _RawTable, attrs: dict[str, str | None]) -> None:
        self._end_cell(table)
        if not table.row_open:  # a cell outside any <tr>: browsers open a row for it
            table.rows.append([])
            table.row_open = True
        table.cell = _RawCell(rowspan=_span(attrs.get("rowspan")), colspan=_span(attrs.get("colspan")))
        table.rows[-1].append(table.cell)

    def _end_cell(self, table: _RawTable) -> None:
        if table.cell is not None:
            self.text_parts.append("\t")
        table.cell = None

    def _emit(self, data: str) -> None:
        self.text_parts.append(data)
        cell = self._current_cell()
        if cell is not None:
            cell.parts.append(data)

    def _emit_break(self) -> None:
        """A block boundary: a line break, except inside a table cell where it separates words only."""
        cell = self._current_cell()
        if cell is not None:
            cell.parts.append("\n")
            self.text_parts.append(" ")
        else:
            self.text_parts.append("\n")

    def _current_cell(self) -> _RawCell | None:
        if not self._open_tables:
            return None
        # text between the cells of the innermost open table belongs to no cell
        return self._open_tables[-1].cell

    def close(self) -> None:
        super().close()
        while self._open_tables:
            self._end_table()


def _attributes(rawdata: str, start: int, end: int) -> list[tuple[str, str | None]]:
    """The attributes of the start tag rawdata[start:end], as html.parser's parse_starttag reads them."""
    k = html.parser.tagfind_tolerant.match(rawdata, start + 1).end()
    attrs = []
    while k < end:
        m = html.parser.attrfind_tolerant.match(rawdata, k)
        if not m:
            break
        name, rest, value = m.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = html.unescape(value)
        attrs.append((name.lower(), value))
        k = m.end()
    return attrs


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        span = int(str(value).strip().rstrip(";"))
    except (TypeError, ValueError):
        return 1
    return min(max(span, 1), MAX_SPAN)


def expand_table(raw: _RawTable) -> grid.GridTable:
    """Place every cell on the grid (the HTML table model) and fill covered positions with copies."""
    placed: dict[tuple[int, int], tuple[_RawCell, int, int]] = {}  # position -> (cell, origin row, col)
    n_rows = len(raw.rows)
    for r, row in enumerate(raw.rows):
        c = 0
        for cell in row:
            while (r, c) in placed:
                c += 1
            rowspan = min(cell.rowspan, n_rows - r)
            if len(placed) + rowspan * cell.colspan > MAX_GRID_CELLS:
                raise ExtractionError("too_complex", f"table {raw.index + 1} expands to more than "
                                                     f"{MAX_GRID_CELLS} cells")
            for dr in range(rowspan):
                for dc in range(cell.colspan):
                    placed.setdefault((r + dr, c + dc), (cell, r, c))
            c += cell.colspan
    widths = [0] * n_rows
    for row_index, col_index in placed:
        widths[row_index] = max(widths[row_index], col_index + 1)
    table: grid.GridTable = []
    texts: dict[int, str] = {}
    for r in range(n_rows):
        width = widths[r]
        grid_row: list[grid.GridCell] = []
        for c in range(width):
            if (r, c) not in placed:  # a hole left by ragged rows: an empty, unprinted position
                grid_row.append(grid.GridCell("", Cell(None, "", table_index=raw.index, row_index=r,
                                                       col_index=c)))
                continue
            cell, r0, c0 = placed[(r, c)]
            text = texts.get(id(cell))
            if text is None:
                text = texts[id(cell)] = cell.text()
            origin = None if (r0, c0) == (r, c) else (r0, c0)
            grid_row.append(grid.GridCell(text, Cell(None, text, table_index=raw.index, row_index=r,
                                                     col_index=c), origin))
        table.append(grid_row)
    return table


def read_page(html: str) -> tuple[str, list[grid.GridTable]]:
    """The page's text (title first) and its tables as grids, in document order."""
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    body = "".join(reader.text_parts)
    lines = (_SPACES_BUT_TAB_RE.sub(" ", line) for line in body.split("\n"))
    lines = (_SPACED_TAB_RE.sub("\t", line).strip(" ").rstrip("\t") for line in lines)
    body = "\n".join(line if line.strip("\t") else "" for line in lines)
    body = _BLANK_LINES_RE.sub("\n\n", body).strip()
    titles = reader.meta_titles + [clean_cell_text("".join(reader.title_parts))]
    head = "\n".join(dict.fromkeys(t for t in titles if t))
    text = f"{head}\n\n{body}" if head else body
    return text, [expand_table(t) for t in reader.tables if t.rows]


@register("html")
def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument:
    html, _encoding = decode_html(data)
    text, tables = read_page(html)
    return grid.parse_tables(tables, text)
