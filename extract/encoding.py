"""Decode the bytes of a text or HTML document whose encoding is not reliably declared.

Order: a byte-order mark (UTF-8, UTF-16, UTF-32), UTF-16 without BOM (many NUL bytes), strict UTF-8, the
charset the document declares (`<meta charset>` / `http-equiv` for HTML), GB18030 (a superset of GB2312 and
GBK, the usual encoding of Chinese government pages that are not UTF-8), then charset-normalizer's guess.
Strict UTF-8 is tried before the declaration because pages are often re-encoded to UTF-8 by CMSs and
crawlers that leave `charset=gb2312` in place; Chinese GBK text is practically never valid UTF-8.
"""
from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_XML_DECL_RE = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""", re.IGNORECASE)
# Chinese legacy charsets are all decoded as GB18030, which contains them.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "cp936": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "hz"}


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Never raises: undecodable bytes become U+FFFD as a last resort."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace"), encoding
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        return _strict(data, "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in (_normalise(declared), "gb18030"):
        if encoding:
            try:
                return _strict(data, encoding), encoding
            except (UnicodeDecodeError, LookupError):
                continue
    guessed = _charset_normalizer_guess(data)
    if guessed:
        return data.decode(guessed, errors="replace"), guessed
    return data.decode("utf-8", errors="replace"), "utf-8"


def _strict(data: bytes, encoding: str) -> str:
    """Strict decoding, except that a character cut off at the very end (a truncated file, a size limit)
    becomes U+FFFD: without this, a UTF-8 file cut inside its last character failed as UTF-8 and was read
    as GB18030 mojibake."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end == len(data) and exc.start >= len(data) - 3:
            return data[:exc.start].decode(encoding) + "\ufffd"
        raise


def declared_html_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KiB (`<meta charset>`, `http-equiv`, XML declaration)."""
    head = data[:4096]
    match = _META_CHARSET_RE.search(head) or _XML_DECL_RE.search(head)
    return match.group(1).decode("ascii").lower() if match else None


def decode_html(data: bytes) -> tuple[str, str]:
    return decode_bytes(data, declared_html_charset(data))


def _normalise(encoding: str | None) -> str | None:
    if not encoding:
        return None
    encoding = encoding.strip().lower()
    encoding = _ALIASES.get(encoding, encoding)
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _charset_normalizer_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset-normalizer is a declared dependency
        return None
    best = from_bytes(data[:200_000]).best()
    return best.encoding if best else None
