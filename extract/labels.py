"""Row labels and column headers of 表二/表三/表四 → canonical keys (see extract/keys.py), for every parser.

Labels are matched on a *compact* form of the text: full-width digits/punctuation folded to ASCII and all
whitespace removed, so "三、本 年 度 办 理 结 果", "商业\\n企业" and "（一）予以公开" match like their clean forms.
Each label is a regular expression over that compact form; variants seen in real reports are part of the
patterns (社会组织 for 社会公益组织, 规范性文件 for 行政规范性文件, 钩稽 for 勾稽, 行政法复议, 本年废纸件数,
"1、" for "1.", 其他法律行政止公开, 法人或者其他组织, ...); 其它 is folded to 其他 before matching. Long sub-row
labels also match without their last words ("…重新出具" for "…重新出具已获取信息"), because text exported from
PDF pages breaks them around the numbers.

Public API:
  match_row(text, context=None)  -> RowMatch | None      a row label cell
  match_column(text, table=None) -> ColumnMatch | None   a header cell
  detect_template(row_matches, column_matches) -> "2019" | "2021"
  scan(compact_text)             -> list[LabelHit]       every label in running text (text/PDF parsers)
  compact(text)                  -> Compact              compact form + offsets back into the original

Context-dependent rows: the numbered sub-rows of 表三 are unique by their words ("1.属于国家秘密" can only
be denied_state_secret), except "3.其他" / "其他", which is other_misc only inside (六)其他处理 and is
otherwise the applicant column 其他. `match_row("其他", context=prev)` returns other_misc when `prev` (the
previously matched RowMatch, or its row key) is other_no_correction or other_unpaid_fee; "3.其他" with its
number is other_misc whatever the context. "(六)其他处理" is returned as row other_processing with
kind "row_or_group": it is the single 2019 row when numbers follow it, and the heading of the three 2021
sub-rows when a sub-row label follows; the caller, who sees what follows, decides.
"""
from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Iterable

from .numbers import FULLWIDTH

BOTH = frozenset({"2019", "2021"})
T2019 = frozenset({"2019"})
T2021 = frozenset({"2021"})

# Folding applied before matching: one character in, one character out (offsets stay valid).
_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "“": '"', "”": '"', "‘": "'", "’": "'",
                       "〔": "(", "〕": ")", "【": "(", "】": ")", "﹙": "(", "﹚": ")", "；": ";",
                       "它": "他"})  # 其它 is printed for 其他
_FLATTEN = str.maketrans({"\t": " ", "\r": " ", "\n": " ", "\f": " ", "\v": " "})


def _composed(*tables: dict[int, str]) -> dict[int, str]:
    """One translation table doing what the given one-character tables do one after the other."""
    out = {}
    for code in set().union(*tables):
        char = chr(code)
        for table in tables:
            mapped = table.get(ord(char), char)
            char = chr(mapped) if isinstance(mapped, int) else mapped
        out[code] = char
    return out


_FOLD_KEEP_LAYOUT = _composed(FULLWIDTH, _FOLD)
_FOLD_FLAT = _composed(FULLWIDTH, _FOLD, _FLATTEN)
_FOLD_CHUNK = 1 << 20  # characters translated at a time: translate's working copy stays small
# Every whitespace character of Python's str.isspace lies below U+3001 (the last is U+3000).
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_FOLDS_TO_SPACE = sorted(set(_WHITESPACE) | {chr(c) for c, v in _FOLD_KEEP_LAYOUT.items() if v.isspace()})
_FOLDS_TO_SPACES = re.compile("[" + re.escape("".join(_FOLDS_TO_SPACE)) + "]+")
_FOLD_AND_DROP_SPACES: dict[int, str | None] = {**_FOLD_KEEP_LAYOUT, **{ord(c): None for c in _FOLDS_TO_SPACE}}
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")


class Offsets(Sequence[int]):
    """For each character of a compact text, its offset in the original text, stored per run of characters
    that were contiguous in the original (a few bytes per whitespace run instead of an int per character:
    a 40 MB text stays a few MB here)."""

    def __init__(self, run_starts: array, run_origins: array, length: int):
        self._starts = run_starts  # compact index where each run starts (ascending, the first is 0)
        self._origins = run_origins  # original offset of each run's first character
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("compact offset out of range")
        run = bisect.bisect_right(self._starts, index) - 1
        return self._origins[run] + index - self._starts[run]


@dataclass(frozen=True, eq=False)
class Compact:
    """The compact form of a text and, for each of its characters, the offset in the original text."""

    text: str
    offsets: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original text of compact[start:end] (end exclusive)."""
        if start >= len(self.offsets):
            last = self.offsets[-1] + 1 if self.offsets else 0
            return last, last
        return self.offsets[start], self.offsets[end - 1] + 1 if end > start else self.offsets[start]


def fold(text: str, keep_layout: bool = False) -> str:
    """Same-length normalisation: full-width digits and punctuation to ASCII, brackets unified; tabs and
    newlines become spaces unless `keep_layout`."""
    return _translated(text, _FOLD_KEEP_LAYOUT if keep_layout else _FOLD_FLAT)


def _translated(text: str, table: dict[int, str | None]) -> str:
    if len(text) <= _FOLD_CHUNK:
        return text.translate(table)
    return "".join(text[i:i + _FOLD_CHUNK].translate(table) for i in range(0, len(text), _FOLD_CHUNK))


def compact(text: str) -> Compact:
    """`text` folded, its whitespace removed, with the offset of every remaining character. Built without
    a folded copy of the text: one translation folds and drops the whitespace, and the runs of characters
    that are whitespace once folded give the offsets."""
    starts, origins = array("q", [0]), array("q", [0])
    removed = 0
    for gap in _FOLDS_TO_SPACES.finditer(text):
        start, end = gap.span()
        removed += end - start
        if start == origins[-1]:  # whitespace opening the text: the first run starts after it
            origins[-1] = end
        else:
            starts.append(end - removed)
            origins.append(end)
    compacted = _translated(text, _FOLD_AND_DROP_SPACES)
    return Compact(compacted, Offsets(starts, origins, len(compacted)))


def _squeeze(text: str) -> str:
    return _SPACE.sub("", fold(text))


@dataclass(frozen=True)
class RowMatch:
    table: int  # 2, 3 or 4
    row: str | None  # canonical row key; None for a pure group heading such as "(三)不予公开"
    templates: frozenset[str]  # which templates print this label
    kind: str = "row"  # "row" | "group" | "row_or_group"
    group: str | None = None  # 表三 group the label belongs to or opens: outcome/denied/unavailable/rejected/other
    numbered: bool = False  # the label carried its sub-row number ("3.其他")


@dataclass(frozen=True)
class ColumnMatch:
    table: int  # the table this header most likely belongs to (3 for a bare 其他/总计)
    column: str | None  # canonical column key; None for a group header (申请人情况, 法人或其他组织, 行政诉讼)
    templates: frozenset[str]
    unit: str | None = None  # unit printed in the header, e.g. 万元
    tables: frozenset[int] = frozenset()  # every table where this header text occurs


@dataclass(frozen=True, slots=True)  # a long text holds hundreds of thousands of them
class LabelHit:
    """One label found by `scan`: where it is in the compact text and what it means."""

    start: int
    end: int
    kind: str  # row | group | row_or_group | column | heading | marker | end
    table: int
    key: str | None  # row key, column key or heading name
    templates: frozenset[str]
    group: str | None = None
    unit: str | None = None
    numbered: bool = False

    @property
    def is_row(self) -> bool:
        return self.kind in ("row", "row_or_group")


@dataclass(frozen=True)
class _Spec:
    pattern: str
    kind: str
    table: int
    key: str | None
    templates: frozenset[str] = BOTH
    group: str | None = None
    unit: str | None = None
    numbered_prefix: str | None = None  # regex of the sub-row number, captured to set LabelHit.numbered


def _top(cn: str) -> str:  # 一、 / 1. before a top-level 表三 row
    return rf"(?:{cn}[、.]?|\d[、.])?"


def _grp(cn: str) -> str:  # (一) / 一、 before a 表三 group
    return rf"(?:\({cn}\)|{cn}[、.])?"


def _sub(n: int) -> str:  # 1. / 1、 / (1) before a numbered sub-row; the dot is required so that a glued
    return rf"(?P<num>{n}[.、]|\({n}\))?"  # cell digit is never eaten as a sub-row number


_APPLICATION_TAIL = r"(?:[、,]?行政机关不再处理其?政府信息公开申请)?"

_SPECS: list[_Spec] = [
    # ---- 表三 rows (keys.T3_ROWS) ----
    _Spec(_top("一") + r"本年(?:度)?新收(?:到)?(?:的)?政府信息公开申请(?:数量|件数|数)?", "row", 3, "new_received"),
    _Spec(_top("二") + r"上年(?:度)?结转(?:的)?政府信息公开申请(?:数量|件数|数)?", "row", 3, "carried_over"),
    _Spec(_top("三") + r"本年(?:度)?办理结果", "group", 3, None, group="outcome"),
    _Spec(_grp("一") + r"予以公开", "row", 3, "granted", group="outcome"),
    _Spec(_grp("二") + r"部分公开(?:\([^)\d]{0,40}\))?", "row", 3, "partially_granted", group="outcome"),
    _Spec(_grp("三") + r"不予公开", "group", 3, None, group="denied"),
    _Spec(_sub(1) + r"属于国家秘密", "row", 3, "denied_state_secret", group="denied"),
    _Spec(_sub(2) + r"其他法律行政(?:法规)?禁?止公开", "row", 3, "denied_law_prohibited", group="denied"),
    _Spec(_sub(3) + r"危及['\"]?三安全一稳定['\"]?", "row", 3, "denied_security_stability", group="denied"),
    _Spec(_sub(4) + r"保护第三方合法权益", "row", 3, "denied_third_party", group="denied"),
    _Spec(_sub(5) + r"属于三类内部事务信息", "row", 3, "denied_internal_affairs", group="denied"),
    _Spec(_sub(6) + r"属于四类过程性信息", "row", 3, "denied_process_info", group="denied"),
    _Spec(_sub(7) + r"属于行政执法案卷", "row", 3, "denied_enforcement_file", group="denied"),
    _Spec(_sub(8) + r"属于行政查询事项", "row", 3, "denied_admin_query", group="denied"),
    _Spec(_grp("四") + r"无法提供", "group", 3, None, group="unavailable"),
    _Spec(_sub(1) + r"本机关不掌握(?:相关)?(?:的)?(?:政府信息)?", "row", 3, "unavailable_not_held", group="unavailable"),
    _Spec(_sub(2) + r"没有现成(?:的)?信息(?:需要?)?(?:另行制作)?", "row", 3, "unavailable_needs_creation",
          group="unavailable"),
    _Spec(_sub(3) + r"补正后申请内容仍?不明确", "row", 3, "unavailable_unclear", group="unavailable"),
    _Spec(_grp("五") + r"不予处理", "group", 3, None, group="rejected"),
    _Spec(_sub(1) + r"信访举报投诉类申请", "row", 3, "rejected_petition", group="rejected"),
    _Spec(_sub(2) + r"重复申请", "row", 3, "rejected_duplicate", group="rejected"),
    _Spec(_sub(3) + r"要求提供公开出版物", "row", 3, "rejected_publication", group="rejected"),
    _Spec(_sub(4) + r"无正当理由大量反复申请", "row", 3, "rejected_excessive", group="rejected"),
    _Spec(_sub(5) + r"要求行政机关确认或重新出具(?:已获取(?:的)?(?:信息)?)?", "row", 3, "rejected_confirmation",
          group="rejected"),
    _Spec(_grp("六") + r"其他处理", "row_or_group", 3, "other_processing", group="other"),
    _Spec(_sub(1) + r"申请人无正当理由逾期不补正" + _APPLICATION_TAIL, "row", 3, "other_no_correction", T2021,
          group="other"),
    _Spec(_sub(2) + r"申请人逾期未按收费通知(?:要求)?缴纳费用" + _APPLICATION_TAIL, "row", 3, "other_unpaid_fee",
          T2021, group="other"),
    _Spec(r"(?P<num>3[.、]|\(3\))其他", "row", 3, "other_misc", T2021, group="other"),
    _Spec(r"(?:\(七\)|七[、.])(?:总计|合计)", "row", 3, "total_processed"),
    _Spec(_top("四") + r"结转下一?年度?继续办理", "row", 3, "carried_forward"),
    # ---- 表三 headers ----
    _Spec(r"\(?本列数据的?[勾钩]稽关系为:?第一项加第二项之和,?等于第三项加第四项之和\)?", "marker", 3, "identity_note"),
    _Spec(r"申请人情况", "column", 3, None),
    _Spec(r"法人或者?其他组织", "column", 3, None),
    _Spec(r"自然人", "column", 3, "natural_person"),
    _Spec(r"商业企业", "column", 3, "commercial_enterprise"),
    _Spec(r"科研机构", "column", 3, "research_institution"),
    _Spec(r"社会(?:公益)?组织", "column", 3, "social_welfare_org"),
    _Spec(r"法律服务机构", "column", 3, "legal_service_org"),
    _Spec(r"其他", "column", 3, "other_org"),
    _Spec(r"总计", "column", 3, "total"),
    _Spec(r"(?:三[、.]?|3[、.])(?:行政机关)?收到和处理政府信息公开申请(?:的)?情况", "heading", 3, "t3_heading"),
    # ---- 表二 ----
    _Spec(r"(?:二[、.]?|2[、.])(?:行政机关)?主动公开政府信息(?:的)?情况", "heading", 2, "t2_heading"),
    _Spec(r"第二十条第\(?[一二三四五六七八九十]+\)?项", "marker", 2, "article_20"),
    _Spec(r"信息内容", "marker", 2, "info_content"),
    _Spec(r"规章", "row", 2, "regulations"),
    _Spec(r"(?:行政)?规范性文件", "row", 2, "normative_documents"),
    _Spec(r"行政许可", "row", 2, "administrative_licensing"),
    _Spec(r"其他对外管理服务事项", "row", 2, "other_external_services", T2019),
    _Spec(r"行政处罚", "row", 2, "administrative_penalty"),
    _Spec(r"行政强制", "row", 2, "administrative_coercion"),
    _Spec(r"行政事业性收费", "row", 2, "administrative_fees"),
    _Spec(r"政府集中采购(?:\((?P<unit>万元|元)\))?", "row", 2, "centralized_procurement", T2019),
    _Spec(r"本年制发(?:件数|数量)", "column", 2, "issued", T2021),
    _Spec(r"本年废[止纸](?:件数|数量)", "column", 2, "repealed", T2021),
    _Spec(r"现行有效(?:件数|数量)", "column", 2, "in_force", T2021),
    _Spec(r"本年处理决定(?:数量|件数)", "column", 2, "decisions", T2021),
    _Spec(r"本年收费金额(?:\(单位:?万元\))?", "column", 2, "amount", T2021, unit="万元"),
    _Spec(r"本年新制作数量", "column", 2, "new_made", T2019),
    _Spec(r"本年新公开数量", "column", 2, "new_published", T2019),
    _Spec(r"对外公开总数量", "column", 2, "total_published", T2019),
    _Spec(r"上一年项目数量", "column", 2, "prev_year_items", T2019),
    _Spec(r"本年增/?减", "column", 2, "change", T2019),
    _Spec(r"处理决定数量", "column", 2, "decisions", T2019),
    _Spec(r"采购项目数量", "column", 2, "projects", T2019),
    _Spec(r"采购总金额(?:\(单位:?(?P<unit>万元|元)\))?", "column", 2, "total_amount", T2019),
    # ---- 表四 ----
    _Spec(r"(?:四[、.]?|4[、.])(?:政府信息公开|因政府信息公开(?:工作|申请)?)?被?(?:申请)?行政法?复议[、,和及或与]?(?:被?提起)?"
          r"行政诉讼(?:的)?情况", "heading", 4, "t4_heading"),
    _Spec(r"未经复议直接起诉", "row", 4, "litigation_direct"),
    _Spec(r"复议后起诉", "row", 4, "litigation_after_reconsideration"),
    _Spec(r"行政法?复议", "row", 4, "reconsideration"),
    _Spec(r"行政诉讼", "column", 4, None),
    _Spec(r"结果维持", "column", 4, "upheld"),
    _Spec(r"结果纠正", "column", 4, "corrected"),
    _Spec(r"其他结果", "column", 4, "other"),
    _Spec(r"尚未审结", "column", 4, "pending"),
    # ---- where the tables end ----
    _Spec(r"(?:五[、.]?|5[、.])?(?:政府信息公开(?:工作)?)?存在的?(?:主要)?问题(?:及|和)改进(?:情况|措施)?", "end", 0, "section_5"),
    _Spec(r"[六6][、.]其他需要报告的事项", "end", 0, "section_6"),
]

# Longer (more specific) patterns first: at one position the alternation takes the first that matches.
_ORDERED = sorted(enumerate(_SPECS), key=lambda item: -len(item[1].pattern))


def _first_chars(pattern: str) -> str:
    """Characters a pattern can start with, read off its text: leading optional groups are skipped (their
    own first characters added), then the first literal or character class is taken."""
    chars = ""
    rest = pattern
    while rest.startswith("("):
        depth, end = 0, 0
        for end, ch in enumerate(rest):
            if ch == "\\":
                continue
            depth += ch == "(" and (end == 0 or rest[end - 1] != "\\")
            depth -= ch == ")" and rest[end - 1] != "\\"
            if depth == 0:
                break
        group, rest = rest[:end + 1], rest[end + 1:]
        inner = re.sub(r"^\((?:\?:|\?P<\w+>)?", "", group)[:-1]
        for alternative in inner.split("|"):
            chars += _first_chars(alternative)
        if not rest.startswith("?"):
            return chars
        rest = rest[1:]
    if rest.startswith("["):
        return chars + rest[1:rest.index("]")]
    if rest.startswith("\\"):
        return chars + {"\\(": "(", "\\d": "0123456789"}.get(rest[:2], rest[1])
    return chars + rest[:1]


def _alternation(indices: list[int]) -> re.Pattern:
    return re.compile("|".join(
        f"(?P<L{i}>{_SPECS[i].pattern.replace('(?P<num>', f'(?P<n{i}>').replace('(?P<unit>', f'(?P<u{i}>')})"
        for i in indices))


# One alternation per first character, so that scanning tries only the labels that can start where it is.
_FIRST = {i: set(_first_chars(spec.pattern)) for i, spec in enumerate(_SPECS)}
_BUCKETS = {ch: _alternation([i for i, _ in _ORDERED if ch in _FIRST[i]])
            for ch in sorted(set().union(*_FIRST.values()))}
# Where a label can start, found by the regex engine rather than one Python step per character (a 40 MB line
# of digits has no candidate at all). Every label that starts with a digit starts with a number such as
# "1." / "4、" (the sub-row and section numbers): a digit is a candidate only when one of those follows it.
_DIGIT_STARTS = {ch for ch in _BUCKETS if ch.isdigit()}
_CANDIDATE = re.compile("[" + re.escape("".join(sorted(set(_BUCKETS) - _DIGIT_STARTS))) + "]"
                        + ("|[" + "".join(sorted(_DIGIT_STARTS)) + "](?=[.、])" if _DIGIT_STARTS else ""))


# A report prints a few hundred table labels; a text with far more is many reports, or labels without a report.
# Readers stop there (and say so), which bounds the memory of the hits and the time of reading them.
MAX_LABEL_HITS = 20_000


def scan(compact_text: str, limit: int | None = None) -> list[LabelHit]:
    """Every label in a compact text, left to right, non-overlapping (the most specific wins); the first
    `limit` of them when a limit is given (the caller sees that it was reached)."""
    hits = []
    position = 0
    buckets = _BUCKETS
    next_candidate = _CANDIDATE.search
    while True:
        candidate = next_candidate(compact_text, position)
        if candidate is None:
            break
        position = candidate.start()
        m = buckets[compact_text[position]].match(compact_text, position)
        if m is None:
            position += 1
            continue
        index = next(int(name[1:]) for name, value in m.groupdict().items()
                     if name.startswith("L") and value is not None)
        spec = _SPECS[index]
        groups = m.groupdict()
        unit = groups.get(f"u{index}") or spec.unit
        numbered = bool(groups.get(f"n{index}"))
        hits.append(LabelHit(m.start(), m.end(), spec.kind, spec.table, spec.key, spec.templates,
                             spec.group, unit, numbered))
        if len(hits) == limit:
            break
        position = m.end()
    return hits


_OTHER_SUBROWS_BEFORE_MISC = ("other_no_correction", "other_unpaid_fee")


def _context_row(context: RowMatch | str | None) -> str | None:
    if isinstance(context, RowMatch):
        return context.row
    return context


def match_row(text: str, context: RowMatch | str | None = None) -> RowMatch | None:
    """The row a label cell names. A cell holding a group and a sub-row ("(三)不予公开 1.属于国家秘密")
    returns the sub-row; a pure group heading returns a RowMatch with row None and kind "group"."""
    squeezed = _squeeze(text)
    if not squeezed:
        return None
    hits = [h for h in scan(squeezed) if h.kind in ("row", "group", "row_or_group")]
    if re.fullmatch(r"(?:3[.、]|\(3\))?其他", squeezed) and _context_row(context) in _OTHER_SUBROWS_BEFORE_MISC:
        return RowMatch(3, "other_misc", T2021, "row", "other", numbered=squeezed != "其他")
    if not hits:
        return None
    rows = [h for h in hits if h.kind != "group"]
    hit = rows[-1] if rows else hits[-1]
    return RowMatch(hit.table, hit.key, hit.templates, hit.kind, hit.group, hit.numbered)


def match_column(text: str, table: int | None = None) -> ColumnMatch | None:
    """The column a header cell names. `table` (2, 3 or 4) disambiguates 其他 and 总计, which are headers of
    both 表三 and 表四; without it they are reported for 表三 with `tables` = {3, 4}."""
    squeezed = _squeeze(text)
    if not squeezed:
        return None
    if squeezed in ("其他", "总计", "合计"):
        key = {"其他": {3: "other_org", 4: "other"}, "总计": {3: "total", 4: "total"},
               "合计": {3: "total", 4: "total"}}[squeezed]
        chosen = table if table in key else 3
        return ColumnMatch(chosen, key[chosen], BOTH, None, frozenset(key))
    hits = [h for h in scan(squeezed) if h.kind == "column" and (table is None or h.table == table)]
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.end - h.start)
    return ColumnMatch(hit.table, hit.key, hit.templates, hit.unit, frozenset({hit.table}))


def detect_template(row_matches: Iterable[RowMatch | LabelHit | None],
                    column_matches: Iterable[ColumnMatch | LabelHit | None] = ()) -> str:
    """"2019" or "2021" from the labels a document printed, never from its year.

    表二's column headers decide (they differ completely between the templates: 本年制发件数 vs 本年新制作数量);
    without them, 表三's 其他处理 rows decide (three 2021 sub-rows vs the single 2019 row), then 表二's
    2019-only rows (其他对外管理服务事项, 政府集中采购). A hybrid (2021 表二 with the single 2019 其他处理 row)
    is "2021": its 表二 keys are 2021 keys, and 表三 keeps whichever 其他 rows were printed.
    Without any evidence the current template, 2021, is returned.
    """
    rows = [m for m in row_matches if m is not None]
    columns = [m for m in column_matches if m is not None]
    t2_votes = {"2019": 0, "2021": 0}
    for m in columns:
        if m.table == 2 and len(m.templates) == 1:
            t2_votes[next(iter(m.templates))] += 1
    if t2_votes["2019"] != t2_votes["2021"]:
        return max(t2_votes, key=t2_votes.get)
    row_keys = {getattr(m, "row", None) or getattr(m, "key", None) for m in rows}
    if row_keys & {"other_no_correction", "other_unpaid_fee", "other_misc"}:
        return "2021"
    if row_keys & {"other_external_services", "centralized_procurement"}:
        return "2019"
    if "other_processing" in row_keys:
        return "2019"
    return "2021"

