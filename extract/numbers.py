"""One printed table cell's text → a number (or a printed blank), the unit it carried, and whether it parsed.

Used by every format parser. Pure functions, no I/O.

    >>> parse_value("984,361元")
    ParsedValue(value=984361, unit='元', is_null=False, ok=True)
    >>> parse_value("—")
    ParsedValue(value=None, unit=None, is_null=True, ok=True)
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Characters that print as digits, signs or separators in Chinese documents, mapped one-to-one to ASCII so
# that offsets in a normalised string still point at the same characters of the original.
FULLWIDTH = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
    "．": ".", "，": ",", "－": "-", "﹣": "-", "−": "-", "＋": "+", "／": "/", "％": "%",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200b": " ", "\u3000": " ", "\ufeff": " ",
})

# Printed in a cell to mean "nothing": the warehouse keeps these as null, never as 0.
NULL_MARKS = frozenset({"", "-", "—", "––", "——", "–", "/", "无", "／", "－", "﹣", "━", "…", "...", "\\"})

# Units seen inside cells or headers; the longest first so that 万元 wins over 元.
UNITS = ("万元", "元", "笔", "件", "个", "项", "次", "宗", "人次", "条", "份")
_UNIT_RE = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))

_NUMBER_RE = re.compile(
    r"^(?P<sign>[-+]?)\s*(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*(?P<unit>" + _UNIT_RE + r")?$"
)


@dataclass(frozen=True)
class ParsedValue:
    value: int | float | None
    unit: str | None = None
    is_null: bool = False
    ok: bool = True


NOT_A_NUMBER = ParsedValue(None, None, False, False)


def normalize(text: str) -> str:
    """Full-width digits and punctuation to ASCII, exotic spaces to plain spaces (same length as the input)."""
    return text.translate(FULLWIDTH)


_BARE_DECIMAL_RE = re.compile(r"\.\d+")


@functools.lru_cache(maxsize=65536)  # a pure function of one cell's text, called for every cell of every table
def parse_value(text: str | None) -> ParsedValue:
    """Read one cell. `ok` is False when the text is neither a number nor a printed blank."""
    if text is None:
        return ParsedValue(None, None, True, True)
    cleaned = unicodedata.normalize("NFKC", normalize(text)).strip()
    cleaned = cleaned.strip("。.;；:：") if not _BARE_DECIMAL_RE.fullmatch(cleaned) else cleaned
    if cleaned in NULL_MARKS:
        return ParsedValue(None, None, True, True)
    m = _NUMBER_RE.match(cleaned)
    if not m:
        return NOT_A_NUMBER
    digits = m.group("num").replace(",", "")
    value: int | float = float(digits) if "." in digits else int(digits)
    if m.group("sign") == "-":
        value = -value
    return ParsedValue(value, m.group("unit"), False, True)

