"""Format detection by content (never by file name) and the registry of parsers, one module per format.

A parser module registers itself with `@register("html")` and exposes `parse(data: bytes) -> ParsedDocument`.
Parser modules are imported lazily so that `python -m extract` on a text file never imports pdfplumber.
"""
from __future__ import annotations

import importlib
import zipfile
import io
from typing import Callable

from . import guards
from .model import ExtractionError, ParsedDocument

Parser = Callable[[bytes], ParsedDocument]

# format name -> module that registers its parser
PARSER_MODULES = {
    "txt": "extract.parsers.text",
    "html": "extract.parsers.html",
    "pdf": "extract.parsers.pdf",
    "docx": "extract.parsers.docx",
    "doc": "extract.parsers.doc",
    "image": "extract.parsers.image",
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
        except ImportError as exc:  # a missing optional dependency of that parser
            raise ExtractionError("unsupported_format", f"the {fmt} parser is not available ({exc})") from exc
    parser = _PARSERS.get(fmt)
    if parser is None:
        raise ExtractionError("unsupported_format", f"{module} registers no parser for {fmt!r}")
    return parser


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# scans delivered as images, read by OCR (GIF and BMP stay refused as not a report)
IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
HTML_MARKERS = (b"<html", b"<!doctype html", b"<table", b"<body", b"<div", b"<p>", b"<meta", b"<head")
# stream names in an OLE compound file's directory (UTF-16LE) that say what it holds
_OLE_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_OLE_WORD_DOCUMENT = "WordDocument".encode("utf-16-le")
_OLE_OTHER_APPLICATIONS = (("Workbook".encode("utf-16-le"), "an Excel workbook (.xls)"),
                           ("PowerPoint Document".encode("utf-16-le"), "a PowerPoint presentation (.ppt)"))


def sniff_format(data: bytes) -> str:
    """Name the format of a document from its bytes (never from its file name).

    Raises ExtractionError for what no parser should see: an encrypted Word package, a zip bomb or damaged
    zip, a zip or OLE file of another application, archives/executables, images other than the PNG/JPEG/
    TIFF scans read by OCR, and other binary data."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data)
    if head.startswith(IMAGE_MAGICS):
        return "image"
    what = guards.binary_signature(data)
    if what:
        raise ExtractionError("unsupported_format", f"{what}, not a report document (PDF, Word, HTML or text)")
    lowered = _ascii_lower_sample(data)
    if any(marker in lowered for marker in HTML_MARKERS):
        return "html"
    if guards.looks_binary(data):
        raise ExtractionError("binary", "binary data that is not a PDF, Word, HTML or text document")
    return "txt"


def _sniff_ole(data: bytes) -> str:
    if _OLE_ENCRYPTED_PACKAGE in data:
        raise ExtractionError("encrypted", "a password-protected Word document (encrypted package): "
                                           "it cannot be opened without the password")
    if _OLE_WORD_DOCUMENT in data:  # a .doc, even one with an embedded Excel object (its own Workbook stream)
        return "doc"
    for stream_name, what in _OLE_OTHER_APPLICATIONS:
        if stream_name in data:
            raise ExtractionError("unsupported_format", f"{what}, not a Word document")
    return "doc"


def _sniff_zip(data: bytes) -> str:
    guards.check_zip_directory(data)  # before zipfile builds a directory of millions of entries
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except Exception as exc:  # zipfile raises BadZipFile, ValueError, EOFError, struct.error ... on damage
        raise ExtractionError("corrupt", "a damaged zip archive (a truncated or broken .docx?): "
                                         f"{guards.one_line(str(exc) or type(exc).__name__)}") from exc
    if "word/document.xml" in names:
        return "docx"
    if any(name.startswith("xl/") for name in names):
        raise ExtractionError("unsupported_format", "an Excel workbook (.xlsx), not a Word document")
    if any(name.startswith("ppt/") for name in names):
        raise ExtractionError("unsupported_format", "a PowerPoint presentation (.pptx), not a Word document")
    if "mimetype" in names and "content.xml" in names:
        raise ExtractionError("unsupported_format", "an OpenDocument file (.odt/.ods), not a Word .docx")
    raise ExtractionError("unsupported_format", "a zip archive that is not a Word .docx document")


def check_before_parsing(fmt: str, data: bytes) -> None:
    """Format-specific safety checks run by core before the parser: PDF decompression bombs
    (guards.check_pdf_streams); for .docx, zip bombs and XML DOCTYPE/ENTITY declarations
    (guards.check_zip_package)."""
    if fmt == "pdf":
        guards.check_pdf_streams(data)
    elif fmt == "docx":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except Exception as exc:
            raise ExtractionError("corrupt", f"a damaged .docx package: {guards.one_line(str(exc))}") from exc
        with archive:
            guards.check_zip_package(archive)


def _ascii_lower_sample(data: bytes) -> bytes:
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or _nul_every_other_byte(sample):
        sample = sample.replace(b"\x00", b"")  # UTF-16: look at its ASCII bytes
    return sample.lower()


def _nul_every_other_byte(sample: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII characters leave a NUL in every other byte."""
    half = len(sample) // 2
    if half < 2:
        return False
    return max(sample[0::2].count(0), sample[1::2].count(0)) > 0.3 * half
