"""The registry of formats: one parser module per format, each registering its parser together with the
guard that the format's bytes must pass before that parser sees them.

    @register("pdf", guard=guards.check_pdf_streams)
    def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument: ...

core runs the format's bytes one way: sniff.sniff_format -> FormatSpec.guard -> FormatSpec.parse. Parser
modules are imported lazily, so that `python -m extract` on a text file never imports pdfplumber.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from .model import ExtractionError, ParsedDocument
from .options import ExtractOptions

Parser = Callable[[bytes, ExtractOptions], ParsedDocument]
Guard = Callable[[bytes], None]  # raises ExtractionError for bytes the parser must not see

# format name -> module that registers its parser
PARSER_MODULES = {
    "txt": "extract.parsers.text",
    "html": "extract.parsers.html",
    "pdf": "extract.parsers.pdf",
    "docx": "extract.parsers.docx",
    "doc": "extract.parsers.doc",
    "image": "extract.parsers.image",
}


@dataclass(frozen=True)
class FormatSpec:
    name: str
    parse: Parser
    guard: Guard | None = None  # None: the parser reads any bytes safely within the extraction's limits


_FORMATS: dict[str, FormatSpec] = {}


def register(fmt: str, guard: Guard | None = None) -> Callable[[Parser], Parser]:
    def decorator(parse: Parser) -> Parser:
        _FORMATS[fmt] = FormatSpec(fmt, parse, guard)
        return parse
    return decorator


def format_spec(fmt: str) -> FormatSpec:
    """The parser and guard of a format, importing its module on first use."""
    if fmt not in _FORMATS:
        module = PARSER_MODULES.get(fmt)
        if module is None:
            raise ExtractionError("unsupported_format", f"no parser for format {fmt!r}")
        try:
            importlib.import_module(module)
        except ImportError as exc:  # a missing optional dependency of that parser
            raise ExtractionError("unsupported_format", f"the {fmt} parser is not available ({exc})") from exc
        if fmt not in _FORMATS:
            raise ExtractionError("unsupported_format", f"{module} registers no parser for {fmt!r}")
    return _FORMATS[fmt]
