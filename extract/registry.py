"""Format detection by content (never by file name) and the registry of parsers, one module per format.

A parser module registers itself with `@register("html")` and exposes `parse(data: bytes) -> ParsedDocument`.
Parser modules are imported lazily so that `python -m extract` on a text file never imports pdfplumber.
"""
from __future__ import annotations

import importlib
import zipfile
import io
from typing import Callable

from .model import ExtractionError, ParsedDocument

Parser = Callable[[bytes], ParsedDocument]

# format name -> module that registers its parser
PARSER_MODULES = {
    "txt": "extract.parsers.text",
    "html": "extract.parsers.html",
    "pdf": "extract.parsers.pdf",
    "docx": "extract.parsers.docx",
    "doc": "extract.parsers.doc",
}
_PARSERS: dict[str, Parser] = {}


def register(fmt: str) -> Callable[[Parser], Parser]:
    def decorator(func: Parser) -> Parser:
        _PARSERS[fmt] = func
        return func
    return decorator


def parser_for(fmt: str) -> Parser:
    if fmt not in _PARSERS:
        module = PARSER_MODULES.get(fmt)
        if module is None:
            raise ExtractionError("unsupported_format", f"no parser for format {fmt!r}")
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            raise ExtractionError("unsupported_format", f"the {fmt} parser is not available ({exc})") from exc
    return _PARSERS[fmt]


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HTML_MARKERS = (b"<html", b"<!doctype html", b"<table", b"<body", b"<div", b"<p>", b"<meta", b"<head")


def sniff_format(data: bytes) -> str:
    """Name the format of a document from its bytes."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise ExtractionError("unsupported_format", "a zip archive that is not a Word .docx document")
    lowered = _ascii_lower_sample(data)
    if any(marker in lowered for marker in HTML_MARKERS):
        return "html"
    return "txt"


def _ascii_lower_sample(data: bytes) -> bytes:
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: look at its ASCII bytes
        sample = sample.replace(b"\x00", b"")
    return sample.lower()
