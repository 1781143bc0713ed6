"""The result of extracting one document: what `python -m extract` prints and what the pipeline lands.

Built in one place (the constructor; `ExtractionResult.failed` for a document that could not be read) and
crossing into the pipeline as this type; `to_json` / `from_json` are its JSON form at the edges (the CLI's
output, the stored result under extracted/), and round-trip exactly.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from .guards import one_line, single_line
from .identities import IdentityCheck
from .model import Issue
from .narrative import Narrative

EXTRACTOR_VERSION = "0.1.0"


@dataclass
class ExtractionResult:
    file: str  # the file name as given, fit for JSON (guards.display_name)
    sha256: str | None  # of the bytes; None when they could not be read at all
    size_bytes: int | None
    format: str | None  # txt | html | pdf | docx | doc | image, sniffed from the bytes
    status: str  # ok | needs_review | failed (model.STATUSES)
    ocr: bool = False  # pages were read by OCR: a scanned PDF (format pdf) or an image (format image)
    agency: str | None = None
    year: int | None = None
    template: str | None = None  # "2019" | "2021"
    tables_found: list[int] = field(default_factory=list)  # which of 表二/表三/表四 (2, 3, 4) were located
    cells: dict[str, int | float | None] = field(default_factory=dict)  # canonical key -> value (None: blank)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)  # canonical key -> where it was read
    issues: list[Issue] = field(default_factory=list)
    identity_checks: list[IdentityCheck] = field(default_factory=list)  # identities 1-4 on the cells
    text: str = ""  # the document's plain text
    narrative: Narrative = field(default_factory=Narrative)
    extractor_version: str = EXTRACTOR_VERSION

    @classmethod
    def failed(cls, name: str, sha256: str | None, code: str, message: str, fmt: str | None = None,
               size: int | None = None) -> ExtractionResult:
        """A document that could not be read: one error issue whose message names the file."""
        issue = Issue(code, f"{single_line(name)}: {one_line(message, limit=1000)}")
        return cls(name, sha256, size, fmt, "failed", issues=[issue])

    def failure_reason(self) -> str:
        """The error issues on one line (all issues when none is an error), e.g. for a quarantine note."""
        errors = [i for i in self.issues if i.severity == "error"] or self.issues
        return "; ".join(f"{i.code}: {i.message}" for i in errors) or "unknown"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    def to_json(self, **after: Any) -> str:
        """The JSON of `to_dict` (and the fields `after` following its own), written by json itself: json walks
        the cells and provenance once, where building `to_dict` first walked them twice."""
        fields_first = {f.name: getattr(self, f.name) for f in fields(self)}
        return json.dumps({**fields_first, **after}, ensure_ascii=False, default=_json_ready)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractionResult:
        """The inverse of `to_dict`. A field missing from `data` (a result stored by an older extractor)
        takes its default; a field this class does not know is an error."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"not fields of an extraction result: {sorted(unknown)}")
        return cls(**{name: _DECODERS.get(name, _same)(value) for name, value in data.items()})

    @classmethod
    def from_json(cls, text: str | bytes) -> ExtractionResult:
        return cls.from_dict(json.loads(text))


def _plain(value: Any) -> Any:
    """A field's value as JSON-ready data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json_ready(value: Any) -> Any:
    """What json.dumps writes for a value it does not know (an Issue, a Narrative...): its to_dict()."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _same(value: Any) -> Any:
    return value


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "issues": lambda issues: [Issue.from_dict(i) for i in issues],
    "identity_checks": lambda checks: [IdentityCheck.from_dict(c) for c in checks],
    "narrative": Narrative.from_dict,
}
