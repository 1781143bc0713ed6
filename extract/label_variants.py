"""Row labels printed a character or two away from the template, matched by position (every parser).

Real reports drop a character ("信访举报投诉申请" for 信访举报投诉类申请), swap one ("属于行政执法案件" for
…案卷) or lose a word ("行政查询事项" for 属于行政查询事项); ../labels.py's patterns then find no row and its
numbers are lost. A near-miss is accepted only when three things agree:
- position: the rows printed before and after it are the template's neighbours of exactly one row that is
  not printed anywhere else (`row_between`);
- wording: the printed label is within a couple of edits of that row's template wording (about one edit per
  six characters, one for short labels, and short 表二 labels never: 行政许可 and 行政处罚 are two edits apart);
- uniqueness: it is not within reach of any other label of the table, so it could not be another row.
The caller records every variant it accepts as an `info` issue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .keys import T2_LAYOUT, T3_ROWS
from .labels import BOTH, T2019, T2021, LabelHit, fold
from .model import Issue

# The template's wording of each row label, without its numbering: (table, row) -> (sub-row number, words)
TEMPLATE_WORDING: dict[tuple[int, str], tuple[int | None, str]] = {
    (3, "new_received"): (None, "本年新收政府信息公开申请数量"),
    (3, "carried_over"): (None, "上年结转政府信息公开申请数量"),
    (3, "granted"): (None, "予以公开"),
    (3, "partially_granted"): (None, "部分公开(区分处理的,只计这一情形,不计其他情形)"),
    (3, "denied_state_secret"): (1, "属于国家秘密"),
    (3, "denied_law_prohibited"): (2, "其他法律行政法规禁止公开"),
    (3, "denied_security_stability"): (3, '危及"三安全一稳定"'),
    (3, "denied_third_party"): (4, "保护第三方合法权益"),
    (3, "denied_internal_affairs"): (5, "属于三类内部事务信息"),
    (3, "denied_process_info"): (6, "属于四类过程性信息"),
    (3, "denied_enforcement_file"): (7, "属于行政执法案卷"),
    (3, "denied_admin_query"): (8, "属于行政查询事项"),
    (3, "unavailable_not_held"): (1, "本机关不掌握相关政府信息"),
    (3, "unavailable_needs_creation"): (2, "没有现成信息需要另行制作"),
    (3, "unavailable_unclear"): (3, "补正后申请内容仍不明确"),
    (3, "rejected_petition"): (1, "信访举报投诉类申请"),
    (3, "rejected_duplicate"): (2, "重复申请"),
    (3, "rejected_publication"): (3, "要求提供公开出版物"),
    (3, "rejected_excessive"): (4, "无正当理由大量反复申请"),
    (3, "rejected_confirmation"): (5, "要求行政机关确认或重新出具已获取信息"),
    (3, "other_no_correction"): (1, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (3, "other_unpaid_fee"): (2, "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    (3, "other_misc"): (3, "其他"),
    (3, "other_processing"): (None, "其他处理"),
    (3, "total_processed"): (None, "总计"),
    (3, "carried_forward"): (None, "结转下年度继续办理"),
    (2, "regulations"): (None, "规章"),
    (2, "normative_documents"): (None, "行政规范性文件"),
    (2, "administrative_licensing"): (None, "行政许可"),
    (2, "other_external_services"): (None, "其他对外管理服务事项"),
    (2, "administrative_penalty"): (None, "行政处罚"),
    (2, "administrative_coercion"): (None, "行政强制"),
    (2, "administrative_fees"): (None, "行政事业性收费"),
    (2, "centralized_procurement"): (None, "政府集中采购"),
}
# other printed words of the tables a near-miss must not be mistaken for (group headings, column names)
_OTHER_WORDING = {
    3: ("本年度办理结果", "不予公开", "无法提供", "不予处理", "申请人情况", "法人或其他组织", "自然人", "商业企业",
        "科研机构", "社会公益组织", "法律服务机构"),
    2: ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年新制作数量",
        "本年新公开数量", "对外公开总数量", "上一年项目数量", "处理决定数量", "采购项目数量", "采购总金额"),
}
ROW_ORDERS: dict[int, tuple[tuple[str, ...], ...]] = {
    3: (T3_ROWS["2021"], T3_ROWS["2019"]),
    2: tuple(tuple(row for row, _ in T2_LAYOUT[template]) for template in ("2021", "2019")),
}
MIN_WORDS = 5  # shorter labels are never matched by wording alone
MAX_REGION = 200  # compact characters searched for a missing row's label (its words and its cells)


@dataclass(frozen=True)
class Variant:
    table: int
    row: str
    printed: str  # the label as printed (compact, with its number)
    template: str  # the template's wording
    edits: int


def variant_issue(variant: Variant, **details: object) -> Issue:
    """The `info` issue that records a label read as a near-miss of the template's."""
    return Issue("label_variant", f"表{'二三'[variant.table - 2]} row {variant.row}: the label {variant.printed!r} "
                 f"was read as the template's {variant.template!r} ({variant.edits} character(s) differ; its "
                 "neighbours are the template's)", severity="info", key=None,
                 details={"row": variant.row, "printed": variant.printed, "template": variant.template, **details})


def edits_allowed(words: str) -> int:
    if len(words) < MIN_WORDS:
        return 0
    return 1 if len(words) <= 6 else max(2, len(words) // 6)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b, or limit + 1 as soon as it is certain to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def row_between(table: int, before: str | None, after: str | None, printed: set[str],
                orders: tuple[tuple[str, ...], ...] | None = None) -> str | None:
    """The one row of `table` that the template prints right after `before` and right before `after` (None:
    the table's first or last row), in either template's order (or in `orders`), provided it is not
    printed elsewhere."""
    found = set()
    for order in orders or ROW_ORDERS[table]:
        for i, row in enumerate(order):
            if (before is None and i == 0 or i > 0 and order[i - 1] == before) and \
                    (after is None and i == len(order) - 1 or i + 1 < len(order) and order[i + 1] == after):
                found.add(row)
    found -= printed
    return found.pop() if len(found) == 1 else None


_NUMBER_PREFIX = re.compile(r"^(?:\d{1,2}[.、]|\(\d{1,2}\)|[一二三四五六七八][、.]|\([一二三四五六七八]\))")


def words_of(label: str) -> str:
    """A label's words: compact, folded, without the numbering the template puts before it."""
    compact = re.sub(r"\s+", "", fold(label))
    while True:
        stripped = _NUMBER_PREFIX.sub("", compact)
        if stripped == compact:
            return compact
        compact = stripped


def near_miss(label: str, table: int, row: str, numbered: bool = False) -> Variant | None:
    """`label` read as `row` of `table`, when its words are near the template's and near no other label's.

    Edits allowed: about one per six characters of the template's wording (`edits_allowed`); up to two when
    the printed words are the template's with a word dropped at either end ("国家秘密" for 属于国家秘密); one
    for a short label (3-4 characters) that carries its own sub-row number (`numbered`, or printed in
    `label`: "2.重复的申请")."""
    number, template = TEMPLATE_WORDING[(table, row)]
    words = words_of(label)
    if not words:
        return None
    allowed = edits_allowed(template)
    printed_number = re.match(rf"(?:{number}[.、]|\({number}\))", re.sub(r"\s+", "", fold(label)))
    if (numbered or (number is not None and printed_number)) and len(template) >= 3:
        allowed = max(allowed, 1)
    if allowed and len(words) >= 4 and words in template and len(template) - len(words) <= 2:
        allowed = max(allowed, len(template) - len(words))
    if not allowed:
        return None
    edits = edit_distance(words, template, allowed)
    if edits == 0 or edits > allowed:
        return None
    others = [w for (t, r), (_, w) in TEMPLATE_WORDING.items() if t == table and r != row]
    for other in others + list(_OTHER_WORDING[table]):
        reach = max(allowed, edits_allowed(other))
        if edit_distance(words, other, reach) <= reach:
            return None  # it could be that label too
    return Variant(table, row, re.sub(r"\s+", "", fold(label)), template, edits)


# ------------------------------------------------------------------------------------- running text

_CELL_RUN = re.compile(r"(?:[-+]?\d[\d.,]*|[—\-/])+")
# a label starts with an ideograph or an opening quote or bracket, and ends with an ideograph or a closing one
_LABEL_EDGES = re.compile(r"[\u4e00-\u9fff(\"“][^|]*[\u4e00-\u9fff)\"”]|[\u4e00-\u9fff]")


def _label_spans(region: str, blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Stretches of a region that can hold a label: between runs of cells, both whole and cut by the
    `blocked` spans (other labels: a short one such as 其他 may sit inside a near-miss), trimmed to where
    a label can start and end (the "." of a sub-row number, table pipes and marks are left out)."""
    cells = [(m.start(), m.end()) for m in _CELL_RUN.finditer(region)]
    spans: set[tuple[int, int]] = set()
    for cuts in (cells, sorted(cells + blocked)):
        position = 0
        for start, end in cuts + [(len(region), len(region))]:
            if start > position:
                m = _LABEL_EDGES.search(region, position, start)
                if m is not None:
                    spans.add((m.start(), m.end()))
            position = max(position, end)
    return sorted(spans)


def _with_number(compact_text: str, start: int, number: int | None) -> int:
    """Where a label found at `start` begins when the sub-row number printed before it is its own
    ("…00000007.属于…": the last digit before the dot)."""
    if number is None:
        return start
    for prefix in (f"{number}.", f"{number}、", f"({number})"):
        if compact_text.startswith(prefix, start - len(prefix)):
            return start - len(prefix)
    return start


def _in_order(hits: list[LabelHit], indices: list[int], order: tuple[str, ...]) -> list[int]:
    """The longest run of row hits in the template's order (a row named in the narrative before the table,
    or a row's words inside another label's near-miss, "4.无正当理由大量重复申请", fall out)."""
    rank = {row: i for i, row in enumerate(order)}
    # the best chain ending on each row of the template: a chain is extended by its last row only, so
    # this stays linear in the hits however many times a row's words recur (a page of repeated rows)
    best_ending_on: dict[int, list[int]] = {}

    def longest_then_tightest(chain: list[int]) -> tuple[int, int]:
        return len(chain), chain[0]

    def better(chain: list[int], than: list[int] | None) -> bool:  # ties: the chain found first
        return than is None or longest_then_tightest(chain) > longest_then_tightest(than) or (
            longest_then_tightest(chain) == longest_then_tightest(than) and chain[-1] < than[-1])

    for i in indices:
        row_rank = rank[hits[i].key]
        before: list[int] | None = None
        for earlier_rank, chain in best_ending_on.items():
            if earlier_rank < row_rank and better(chain, before):
                before = chain
        chain = (before or []) + [i]
        if longest_then_tightest(chain) > longest_then_tightest(best_ending_on.get(row_rank, [-1])):
            best_ending_on[row_rank] = chain
    best: list[int] = []
    for chain in best_ending_on.values():
        if not best or better(chain, best):
            best = chain
    return best


def find_in_text(compact_text: str, hits: list[LabelHit]) -> tuple[list[LabelHit], list[tuple[LabelHit, Variant]]]:
    """`hits` (from labels.scan) with the rows of 表二 and 表三 whose label is a near-miss added, in order; and
    the hits added, each with its variant. A hit inside an added label (its words matched another row's
    pattern) is dropped."""
    added: list[tuple[LabelHit, Variant]] = []
    for table in (3, 2):
        for order in ROW_ORDERS[table]:
            rows = _in_order(hits, [i for i, h in enumerate(hits) if h.table == table and h.is_row
                                    and h.key in order], order)
            if not rows:
                continue
            printed = {hits[i].key for i in rows}
            outside = {i for i, h in enumerate(hits) if h.table == table and h.is_row} - set(rows)
            pairs = [(None, rows[0])] + list(zip(rows, rows[1:])) + [(rows[-1], None)]
            for before, after in pairs:
                row = row_between(table, hits[before].key if before is not None else None,
                                  hits[after].key if after is not None else None,
                                  printed | {h.key for h, _ in added if h.table == table}, (order,))
                if row is None:
                    continue
                found = _search(compact_text, hits, before, after, table, row, outside)
                if found is not None:
                    added.append(found)
    if not added:
        return hits, []
    kept = [h for h in hits if not any(a.start <= h.start and h.end <= a.end for a, _ in added)]
    return sorted(kept + [hit for hit, _ in added], key=lambda h: h.start), added


def _search(compact_text: str, hits: list[LabelHit], before: int | None, after: int | None, table: int,
            row: str, outside: set[int]) -> tuple[LabelHit, Variant] | None:
    """The near-miss label of `row` between the hits `before` and `after` (their indices in `hits`; None:
    the table's edge), where other labels (but not the row hits in `outside`) cut the text."""
    if before is not None:
        start = hits[before].end
        if after is not None:
            end = hits[after].start
        else:
            end = next((h.start for i, h in enumerate(hits) if i > before and i not in outside
                        and not (h.table == table and h.kind in ("column", "marker"))), len(compact_text))
        end = min(end, start + MAX_REGION)
    else:
        end = hits[after].start
        start = max(0, end - MAX_REGION)
    if start >= end:
        return None
    blocked = [(max(h.start, start) - start, min(h.end, end) - start) for i, h in enumerate(hits)
               if i not in outside and h.end > start and h.start < end]
    number, template = TEMPLATE_WORDING[(table, row)]
    best: tuple[int, int, Variant] | None = None
    region = compact_text[start:end]
    for lo, hi in _label_spans(region, blocked):
        variant = near_miss(region[lo:hi], table, row, numbered=_with_number(compact_text, start + lo, number)
                            < start + lo)
        if variant is not None and (best is None or variant.edits < best[2].edits):
            best = (start + lo, start + hi, variant)
    if best is None:
        return None
    words_start, hi, variant = best
    lo = _with_number(compact_text, words_start, number)
    hit = LabelHit(lo, hi, "row", table, row, templates_of(row), group=group_of(table, row),
                   numbered=lo < words_start)
    return hit, Variant(table, row, compact_text[lo:hi], template, variant.edits)


_TEMPLATES = {"other_no_correction": T2021, "other_unpaid_fee": T2021, "other_misc": T2021,
              "other_processing": T2019, "other_external_services": T2019, "centralized_procurement": T2019}
_GROUPS = (("denied_", "denied"), ("unavailable_", "unavailable"), ("rejected_", "rejected"), ("other_", "other"),
           ("granted", "outcome"), ("partially_granted", "outcome"))


def templates_of(row: str) -> frozenset[str]:
    return _TEMPLATES.get(row, BOTH)


def group_of(table: int, row: str) -> str | None:
    """The 表三 group a row belongs to (as labels.LabelHit.group)."""
    if table != 3:
        return None
    return next((group for prefix, group in _GROUPS if row.startswith(prefix)), None)
