"""Checks that keep hostile or oversized input away from the parsers, so that they only ever get safe,
bounded bytes. core applies the limits of ExtractOptions; each format registers its own guard with its
parser (registry.py), which core runs after sniffing the format and before parsing.

- size: `ExtractOptions.max_bytes` caps what is read at all; an over-size file is hashed in chunks (the
  pipeline quarantines by sha256) and never loaded whole.
- zip packages (.docx): the zip directory is judged before anything is decompressed (entry count read from
  the end-of-central-directory record, total and per-member expanded sizes, compression ratios, no member
  name twice); every member is then streamed in chunks (a truncated or damaged one is `corrupt`) and XML
  parts are refused if they declare a DOCTYPE or ENTITY (entity expansion attacks).
- PDF: Flate streams (other than images) are inflated in bounded chunks and measured before pdfminer, which
  inflates them whole, sees them (decompression bombs).
- time: `ExtractOptions.timeout_s` bounds one extraction when it runs in the main thread.
- crashes: known exception types of damaged files become `corrupt`; anything else is a `parser_error`,
  always reported as one line.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import signal
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from .model import ExtractionError

log = logging.getLogger(__name__)

ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
ZIP_MAX_MEMBER_RATIO = 200  # expanded / compressed, judged for members above ZIP_RATIO_MIN_BYTES
ZIP_RATIO_MIN_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024

REASON_MAX_CHARS = 300

# XML declarations a Word document never needs; checked in the three encodings an XML part may use.
_XML_DECLARATIONS = tuple(marker.encode(enc) for marker in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
                          for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_MARKER_OVERLAP = max(len(m) for m in _XML_DECLARATIONS)

# ---------------------------------------------------------------------------------------------- size


def too_large(size: int, limit: int) -> ExtractionError:
    return ExtractionError("too_large", f"{size} bytes is over the limit of {limit} bytes (EXTRACT_MAX_BYTES)")


def sha256_of_stream(stream: IO[bytes]) -> tuple[str, int]:
    """(sha256 hex digest, size) of everything left in the stream, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# ---------------------------------------------------------------------------------------------- zip


def zip_entry_count(data: bytes) -> int | None:
    """The number of entries the zip's end-of-central-directory record announces (ZIP64 aware), read
    without building the directory; None when there is no such record (a truncated archive)."""
    tail_start = max(0, len(data) - (22 + 65535))
    position = data.rfind(b"PK\x05\x06", tail_start)
    if position < 0 or position + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, position + 10)
    locator = position - 20
    if total == 0xFFFF and locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        (zip64_offset,) = struct.unpack_from("<Q", data, locator + 8)
        if zip64_offset + 56 <= len(data) and data[zip64_offset:zip64_offset + 4] == b"PK\x06\x06":
            (total,) = struct.unpack_from("<Q", data, zip64_offset + 32)
    return total


def check_zip_directory(data: bytes, max_members: int = ZIP_MAX_MEMBERS) -> None:
    """Refuse an archive with more entries than a document has, before zipfile builds its directory."""
    count = zip_entry_count(data)
    if count is not None and count > max_members:
        raise ExtractionError("zip_bomb", f"the zip package announces {count} members (limit {max_members}): "
                                          "refused as a zip bomb")


def check_zip_package(archive: zipfile.ZipFile, max_members: int = ZIP_MAX_MEMBERS,
                      max_uncompressed: int = ZIP_MAX_UNCOMPRESSED_BYTES,
                      max_ratio: float = ZIP_MAX_MEMBER_RATIO) -> None:
    """Refuse zip bombs and ambiguous packages from the directory alone, then stream every member (never more
    than its declared size; damage is `corrupt`) and refuse DOCTYPE / ENTITY declarations in XML parts.
    Raises ExtractionError."""
    members = archive.infolist()
    if len(members) > max_members:
        raise ExtractionError("zip_bomb", f"the zip package has {len(members)} members (limit {max_members})")
    check_unique_members(members)
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise ExtractionError("zip_bomb", f"the zip package would expand to {total} bytes "
                                          f"(limit {max_uncompressed}): refused as a zip bomb")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_MIN_BYTES and ratio > max_ratio:
            raise ExtractionError("zip_bomb", f"{member.filename} expands {ratio:.0f}-fold "
                                              f"(limit {max_ratio}): refused as a zip bomb")
    for member in members:
        _check_member(archive, member, xml=member.filename.lower().endswith((".xml", ".rels", ".vml")))


def check_unique_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a package that holds two members of the same name (part names are case-insensitive in an
    Office package): which one a reader takes is up to the reader (zipfile takes the last, Word may take the
    first), so no reading of it can be trusted."""
    seen: set[str] = set()
    for member in members:
        name = member.filename.replace("\\", "/").lstrip("/").casefold()
        if name in seen:
            raise ExtractionError("corrupt", f"the package holds {member.filename} twice: an ambiguous package "
                                             "(which copy is the document is up to the reader)")
        seen.add(name)


def _check_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, xml: bool) -> None:
    """Stream one member whole (never more than its declared size): a truncated or damaged member is
    `corrupt` here rather than an error deep inside the parser; XML parts are refused if they declare a
    DOCTYPE or ENTITY."""
    read = 0
    tail = b""
    try:
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                read += len(chunk)
                if read > member.file_size:  # the directory lied about the size: a crafted archive
                    raise ExtractionError("zip_bomb", f"{member.filename} is larger than its zip entry says")
                if not xml:
                    continue
                window = tail + chunk
                if any(marker in window for marker in _XML_DECLARATIONS):
                    raise ExtractionError("unsafe_xml", f"{member.filename} declares a DOCTYPE or ENTITY, "
                                                        "which a Word document never needs: refused")
                tail = window[-_MARKER_OVERLAP:]
    except ExtractionError:
        raise
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise ExtractionError("encrypted", f"{member.filename} is encrypted: {one_line(str(exc))}") from exc
    except NotImplementedError as exc:  # an unsupported compression method
        raise ExtractionError("corrupt", f"{member.filename}: {one_line(str(exc))}") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ExtractionError("corrupt", f"the zip package is damaged at {member.filename}: "
                                         f"{one_line(str(exc))}") from exc


# ---------------------------------------------------------------------------------------------- pdf

# pdfminer inflates every content, font and object stream whole, in memory, without a limit: a 1 MB PDF can
# hold a stream that inflates to 1 GB. Images are skipped (they are never decoded for text extraction).
PDF_MAX_STREAM_BYTES = 128 * 1024 * 1024
PDF_MAX_TOTAL_STREAM_BYTES = 512 * 1024 * 1024
PDF_MAX_STREAM_RATIO = 1000  # text and fonts compress 3-20-fold; judged above PDF_RATIO_MIN_BYTES
PDF_RATIO_MIN_BYTES = 16 * 1024 * 1024
_PDF_STREAM_RE = re.compile(rb"(?<!end)stream\r?\n")
_PDF_IMAGE_DICT_RE = re.compile(rb"/Subtype\s*/Image|/(?:DCT|JPX|JBIG2|CCITTFax)Decode")


def check_pdf_streams(data: bytes) -> None:
    """Refuse a PDF whose (non-image) Flate streams inflate to more than a report could need, measured by
    inflating each in bounded chunks before pdfminer inflates anything. Raises ExtractionError."""
    total = 0
    for match in _PDF_STREAM_RE.finditer(data):
        dictionary = data[max(0, match.start() - 2048):match.start()]
        dictionary = dictionary[dictionary.rfind(b"obj") + 1:]
        if _PDF_IMAGE_DICT_RE.search(dictionary):
            continue
        budget = PDF_MAX_STREAM_BYTES + 1
        inflated, consumed = _inflated_size(data, match.end(), budget)
        if inflated == 0:
            continue
        total += inflated
        ratio = inflated / max(consumed, 1)
        if inflated > PDF_MAX_STREAM_BYTES or (inflated > PDF_RATIO_MIN_BYTES and ratio > PDF_MAX_STREAM_RATIO):
            raise ExtractionError("pdf_bomb", f"a stream at byte {match.end()} inflates to more than "
                                              f"{min(inflated, PDF_MAX_STREAM_BYTES)} bytes ({ratio:.0f}-fold): "
                                              "refused as a decompression bomb")
        if total > PDF_MAX_TOTAL_STREAM_BYTES:
            raise ExtractionError("pdf_bomb", f"the PDF's streams inflate to more than {PDF_MAX_TOTAL_STREAM_BYTES}"
                                              " bytes: refused as a decompression bomb")


def _inflated_size(data: bytes, start: int, budget: int) -> tuple[int, int]:
    """(bytes inflated, compressed bytes consumed) of the zlib stream at data[start:], stopping after
    `budget` inflated bytes; (0, 0) when no zlib stream starts there."""
    inflater = zlib.decompressobj()
    inflated = 0
    position = start
    pending = b""
    try:
        while inflated < budget and not inflater.eof:
            if not pending:
                if position >= len(data):
                    break
                pending = data[position:position + 65536]
                position += len(pending)
            out = inflater.decompress(pending, 1024 * 1024)
            pending = inflater.unconsumed_tail
            inflated += len(out)
            if not out and not pending and inflater.eof:
                break
    except zlib.error:
        pass  # not Flate data, or damaged: pdfminer reports what it makes of it
    return inflated, position - start - len(pending) - len(inflater.unused_data)


# ---------------------------------------------------------------------------------------------- time


class ExtractionTimeout(BaseException):
    """Raised inside a parser when its time is up. A BaseException, so that the broad `except Exception`
    blocks parsers use for damaged files cannot turn it into a misleading reason."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[bool]:
    """Raise ExtractionTimeout in the body after `seconds` (SIGALRM). Yields whether the limit is armed:
    it is not outside the main thread, nor while someone else's alarm is running (an Airflow task's
    execution_timeout): their deadline bounds the work then, and theirs must not be disturbed. A handler
    that is merely installed, with no alarm pending, is put back afterwards."""
    if (threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer")
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield False
        return

    def on_alarm(_signum, _frame):
        raise ExtractionTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------------------------- crashes


def one_line(text: str, limit: int = REASON_MAX_CHARS) -> str:
    """A reason fit for one line of a JSON report: whitespace runs collapsed, cut at `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def display_name(name: str) -> str:
    """A file name fit for JSON output. A name that is not valid UTF-8 on disk reaches Python with surrogate
    escapes, which a strict UTF-8 stdout refuses (and a lenient one prints as invalid bytes): its bytes
    are read as GB18030, how Chinese archives name their files, and replaced where even that fails."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape") if _only_escapes(name) else None
    if raw is not None:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")
    return name.encode("utf-8", "replace").decode("utf-8")


def _only_escapes(name: str) -> bool:
    """True when every surrogate in `name` is a surrogateescape (U+DC80..U+DCFF) of one undecodable byte."""
    return all(not 0xD800 <= ord(ch) <= 0xDFFF or 0xDC80 <= ord(ch) <= 0xDCFF for ch in name)


def single_line(text: str) -> str:
    """`text` with its line breaks turned into spaces (a file name may hold any character but "/")."""
    return text.replace("\r", " ").replace("\n", " ")


def classify_crash(exc: BaseException) -> tuple[str, str]:
    """(code, one-line message) for an exception a parser let escape, from the first line of its message
    (a library may put a whole traceback in there). Damage that libraries report with their own exception
    types (zip, zlib, XML syntax, data ending early) is `corrupt`; anything else is a `parser_error`."""
    first_line = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    detail = one_line(f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__)
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)) or _is_xml_syntax_error(exc):
        return "corrupt", f"the file is damaged: {detail}"
    if isinstance(exc, MemoryError):
        return "too_complex", "the document needs more memory than is available"
    if isinstance(exc, RecursionError):
        return "too_complex", "the document is nested too deeply to read"
    return "parser_error", f"the parser failed: {detail}"


def _is_xml_syntax_error(exc: BaseException) -> bool:
    try:
        from lxml.etree import XMLSyntaxError
    except ImportError:  # pragma: no cover - lxml comes with python-docx
        XMLSyntaxError = ()  # type: ignore[assignment]  # noqa: N806
    from xml.parsers.expat import ExpatError

    return isinstance(exc, (XMLSyntaxError, ExpatError))
