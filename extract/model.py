"""Typed values shared by every parser: cells with provenance, issues, and what a parser returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

STATUSES = ("ok", "needs_review", "failed")


@dataclass
class Cell:
    """One extracted number and where it was read."""

    value: int | float | None
    raw: str = ""
    line: int | None = None  # 1-based line in the decoded text (text formats)
    page: int | None = None  # 1-based page (PDF)
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in PDF points
    table_index: int | None = None  # which table of the document (HTML, DOCX)
    row_index: int | None = None
    col_index: int | None = None
    unit: str | None = None  # "元" / "万元" / "笔" when printed in the cell or header
    # what chose this value among the splits of a glued digit run, beyond the table's identities: the
    # numbers the narrative states, the stock of the previous report (see ../evidence.py)
    evidence: tuple[dict[str, Any], ...] = ()
    ocr_confidence: float | None = None  # read by OCR: the confidence of its least certain character

    def provenance(self) -> dict[str, Any]:
        out: dict[str, Any] = {"raw": self.raw}
        for name in ("line", "page", "bbox", "table_index", "row_index", "col_index", "unit", "ocr_confidence"):
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if name == "bbox" else value
        if self.evidence:
            out["evidence"] = [dict(item) for item in self.evidence]
        return out


@dataclass
class Issue:
    """Something a maintainer should know about a document. `severity` is `error` (extraction could not
    be trusted: status needs_review/failed) or `info` (a fact, e.g. a printed sum that does not add up)."""

    code: str
    message: str
    severity: str = "error"
    key: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message}
        if self.key:
            out["key"] = self.key
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        return cls(data["code"], data["message"], data.get("severity", "error"), data.get("key"),
                   data.get("details") or {})


@dataclass
class Ambiguity:
    """Cells read from a glued digit run that the table's identities could not split with certainty.

    `readings` are the values of `keys` still possible, most plausible first (the first is stored
    provisionally); `issue` is the error issue that says so; `cells_of` gives the cells, with their
    provenance, of any one reading. ../evidence.py may settle it with what the report states elsewhere."""

    keys: tuple[str, ...]
    readings: list[tuple[int | float | None, ...]]
    issue: Issue
    cells_of: Callable[[tuple[int | float | None, ...]], dict[str, Cell]]


@dataclass
class ParsedDocument:
    """What a format parser returns: pure data, no I/O.

    `text` is the document's plain text (used for the title, the narrative checks and the publication
    date); `cells` maps canonical keys to cells; `template` is detected from the labels.
    """

    text: str
    cells: dict[str, Cell] = field(default_factory=dict)
    template: str | None = None
    issues: list[Issue] = field(default_factory=list)
    tables_found: tuple[int, ...] = ()  # which of 表二/表三/表四 (2, 3, 4) were located
    ambiguities: list[Ambiguity] = field(default_factory=list)  # glued runs split provisionally
    ocr: bool = False  # some pages were read by OCR (scanned pages, images)


class ExtractionError(Exception):
    """A document that cannot be read at all: the message is the reason shown to the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
