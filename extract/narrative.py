"""Numbers a report states in its prose, and the date printed at its end. Pure functions on the text.

The checks compare each stated number with the table cell it restates (check `narrative_numbers`) and the
publication date with the 31 January deadline (check `published_late`). Patterns are plain regular
expressions over the sentences real reports use ("全年共收到政府信息公开申请75件", "予以公开1件",
"行政复议0件", "未发生行政复议、行政诉讼"); a sentence that matches none of them states nothing.

`stated_numbers(text)` returns one `StatedNumber` per match: the canonical cell keys whose sum the number
restates (表四 行政诉讼 is the sum of its two rows), the number, the matched phrase and the line it is on.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

# the phrase may not run across a sentence or clause boundary, nor over another number
_GAP = r"[^。；;，,\d\n]{0,24}?"
_NUMBER = r"\s*(\d+)\s*(?:件|个|宗|起)"


@dataclass(frozen=True)
class Pattern:
    name: str  # what the sentence states, e.g. "applications_received"
    regex: re.Pattern[str]
    cell_keys: tuple[str, ...]  # the table cells whose sum the stated number restates
    value: int | None = None  # a sentence that states a fixed number ("未发生行政复议" states 0)


def _p(name: str, pattern: str, *cell_keys: str, value: int | None = None) -> Pattern:
    return Pattern(name, re.compile(pattern), tuple(cell_keys), value)


RECEIVED = ("t3.new_received.total",)
GRANTED = ("t3.granted.total",)
PARTIALLY_GRANTED = ("t3.partially_granted.total",)
CARRIED_FORWARD = ("t3.carried_forward.total",)
CARRIED_OVER = ("t3.carried_over.total",)
RECONSIDERATION = ("t4.reconsideration.total",)
LITIGATION = ("t4.litigation_direct.total", "t4.litigation_after_reconsideration.total")

PATTERNS: tuple[Pattern, ...] = (
    _p("applications_received", r"(?:新?收到|新收|受理)" + _GAP + r"申请(?:件数|数量|数|件)?(?:共计|共|合计)?" + _NUMBER,
       *RECEIVED),
    _p("applications_received", r"(?:未|没有)(?:收到|受理)[^。；;，,\d\n]{0,12}?信息公开申请(?!人)", *RECEIVED,
       value=0),
    _p("applications_carried_over", r"上年(?:度)?结转" + _GAP + _NUMBER, *CARRIED_OVER),
    _p("applications_carried_forward", r"结转(?:至)?下(?:一)?年(?:度)?" + _GAP + _NUMBER, *CARRIED_FORWARD),
    _p("applications_granted", r"(?<!部分)予以公开" + _NUMBER, *GRANTED),
    _p("applications_partially_granted", r"部分公开" + _NUMBER, *PARTIALLY_GRANTED),
    _p("reconsideration", r"行政复议(?:案件|申请)?(?:共|数量为?|数为?)?" + _NUMBER, *RECONSIDERATION),
    _p("litigation", r"行政诉讼(?:案件|申请)?(?:共|数量为?|数为?)?" + _NUMBER, *LITIGATION),
    # "未发生（政府信息公开）行政复议、行政诉讼" / "没有发生行政复议和行政诉讼案件"
    _p("reconsideration", r"(?:未发生|没有发生)" + _GAP + r"行政复议", *RECONSIDERATION, value=0),
    _p("litigation", r"(?:未发生|没有发生)" + _GAP + r"行政诉讼", *LITIGATION, value=0),
)


MAX_STATEMENTS = 200


@dataclass(frozen=True)
class StatedNumber:
    name: str
    cell_keys: tuple[str, ...]
    value: int
    phrase: str
    line: int  # 1-based line of the text where the phrase starts

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cell_keys": list(self.cell_keys)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatedNumber:
        return cls(data["name"], tuple(data["cell_keys"]), data["value"], data["phrase"], data["line"])


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def stated_numbers(text: str) -> list[StatedNumber]:
    """Every number the prose states about a table cell, in text order; the same phrase at the same place
    is reported once. Text inside the tables does not match: their labels carry no number after them."""
    normalized = (text or "").translate(_FULLWIDTH)
    found: dict[tuple[str, int], StatedNumber] = {}
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(normalized):
            if len(found) >= MAX_STATEMENTS:  # a real report states a dozen; bounded work on hostile input
                break
            value = pattern.value if pattern.value is not None else int(match.group(1))
            key = (pattern.name, match.start())
            if any(name == pattern.name and abs(start - match.start()) < 30 for name, start in found):
                continue
            found[key] = StatedNumber(pattern.name, pattern.cell_keys, value, match.group(0).strip(),
                                      _line_of(normalized, match.start()))
    return sorted(found.values(), key=lambda s: (s.line, s.name))


_CN_DATE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(?:发布|公开|成文)(?:时间|日期)\s*[:：]?\s*(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
# the signature block: the last few lines of the report
_TAIL_CHARS = 400


def _valid_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def publication_date(text: str) -> tuple[date | None, str | None]:
    """The date printed at the end of the report (the signature, e.g. "2024年1月5日" or "2024年1月5日印"),
    else a "发布时间" printed by the web page; with where it came from ("signature" | "page_metadata")."""
    normalized = (text or "").translate(_FULLWIDTH).rstrip()
    tail = normalized[-_TAIL_CHARS:]
    signature_dates = [d for d in (_valid_date(*m.groups()) for m in _CN_DATE.finditer(tail)) if d]
    if signature_dates:
        return signature_dates[-1], "signature"
    for match in _ISO_DATE.finditer(normalized):
        found = _valid_date(*match.groups())
        if found:
            return found, "page_metadata"
    return None, None


@dataclass(frozen=True)
class Narrative:
    """What an extraction result holds under "narrative": the numbers the prose states and the publication
    date (with where it was read: "signature" | "page_metadata")."""

    stated_numbers: tuple[StatedNumber, ...] = ()
    published_on: date | None = None
    published_on_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stated_numbers": [s.to_dict() for s in self.stated_numbers],
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "published_on_source": self.published_on_source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Narrative:
        published_on = data.get("published_on")
        return cls(tuple(StatedNumber.from_dict(s) for s in data.get("stated_numbers", ())),
                   date.fromisoformat(published_on) if published_on else None, data.get("published_on_source"))


def narrative(text: str) -> Narrative:
    """The stated numbers and the publication date of a document's text."""
    published_on, published_source = publication_date(text)
    return Narrative(tuple(stated_numbers(text)), published_on, published_source)
