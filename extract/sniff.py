"""The format of a document, named from its bytes (never from its file name): the first step of every
extraction, before the guard and the parser that format registers (registry.py).

What no parser should see is refused here: an encrypted Word package, a damaged zip or one whose directory
announces a zip bomb, a zip or OLE file of another application, images other than the PNG/JPEG/TIFF scans
read by OCR, archives, executables and other binary data that is not text in any encoding the text parser reads.
"""
from __future__ import annotations

import io
import zipfile

from . import guards
from .model import ExtractionError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# scans delivered as images (PNG, JPEG, TIFF), read by OCR; GIF and BMP stay refused as not a report
SCAN_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
HTML_MARKERS = (b"<html", b"<!doctype html", b"<table", b"<body", b"<div", b"<p>", b"<meta", b"<head")
# stream names in an OLE compound file's directory (UTF-16LE) that say what it holds
_OLE_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_OLE_WORD_DOCUMENT = "WordDocument".encode("utf-16-le")
_OLE_OTHER_APPLICATIONS = (("Workbook".encode("utf-16-le"), "an Excel workbook (.xls)"),
                           ("PowerPoint Document".encode("utf-16-le"), "a PowerPoint presentation (.ppt)"))


def sniff_format(data: bytes) -> str:
    """txt | html | pdf | docx | doc | image; ExtractionError for what no parser should see."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data)
    if head.startswith(SCAN_IMAGE_MAGICS):
        return "image"
    what = binary_signature(data)
    if what:
        raise ExtractionError("unsupported_format", f"{what}, not a report document (PDF, Word, HTML or text)")
    lowered = _ascii_lower_sample(data)
    if any(marker in lowered for marker in HTML_MARKERS):
        return "html"
    if looks_binary(data):
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


# Formats that are plainly not a report document; named in the failure reason.
_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", None),  # None: too short to trust alone, confirmed by looks_binary in binary_signature
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", None),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", None),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
)
# bytes that plain text in any encoding we read (UTF-8, GB18030, Big5, UTF-16 handled apart) never holds;
# allowed: tab, newline, vertical tab (Word's manual line break), form feed (page breaks in pdftotext
# output), carriage return, DOS end-of-file and escape. Random data has 10% of the others, text none.
_CONTROL_BYTES = bytes(sorted(set(range(0x00, 0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A, 0x1B} | {0x7F}))
BINARY_CONTROL_RATIO = 0.05


def binary_signature(data: bytes) -> str | None:
    """What a non-document binary file is (an image, an archive, an executable), from its magic bytes."""
    for magic, what in _BINARY_SIGNATURES:
        if data.startswith(magic):
            if what is not None:
                return what
            if magic == b"BZh" and len(data) > 4 and data[3:4].isdigit() and looks_binary(data):
                return "a bzip2 archive"
            if magic == b"MZ" and looks_binary(data):
                return "an executable (Windows)"
            if magic == b"BM" and looks_binary(data):
                return "a BMP image"
    return None


def looks_binary(data: bytes) -> bool:
    """True when the bytes are not text in any encoding the text parser reads: more than 5% of control
    bytes, unless the data is UTF-16 (whose ASCII characters carry NUL bytes)."""
    sample = data[:65536]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls <= BINARY_CONTROL_RATIO * len(sample):
        return False
    return not any(_is_utf16_text(sample, encoding) for encoding in ("utf-16-le", "utf-16-be"))


def _is_utf16_text(sample: bytes, encoding: str) -> bool:
    text = sample[: len(sample) // 2 * 2].decode(encoding, errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 0x20 and ch not in "\t\n\x0b\x0c\r\x1a\x1b")
              or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad <= 0.01 * max(len(text), 1)
