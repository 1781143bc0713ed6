"""Agency and report year from the title of a report (pure text functions).

The year is the statistics year the report covers (a 2023 report is published in January 2024), so it is
read from the title, or failing that from the statistics period ("统计期限自2023年1月1日起至2023年12月31日止"),
never from a publication date.
"""
from __future__ import annotations

import re

_DIGITS = str.maketrans("０１２３４５６７８９（）", "0123456789()")
_CJK = r"\u4e00-\u9fa5"
_AGENCY = rf"[{_CJK}()·]"
_REPORT = r"(?:政府信息公开|政务公开)[{cjk}]{{0,8}}?(?:年度)?(?:工作)?(?:情况)?(?:的)?\s*(?:年度)?\s*报告".format(cjk=_CJK)

# 金昌市工业和信息化局 关于2023年政府信息公开年度工作情况的报告 / 黔西南州…局2023年政府信息公开工作年度报告
_AGENCY_YEAR_RE = re.compile(
    rf"(?P<agency>{_AGENCY}{{2,60}}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d{{2}})\s*年度?\s*" + _REPORT)
# 2023年度北京市财政局政府信息公开工作年度报告
_YEAR_AGENCY_RE = re.compile(
    rf"(?P<year>(?:19|20)\d{{2}})\s*年度?\s*(?P<agency>{_AGENCY}{{3,60}}?)\s*" + _REPORT)
# 上海市交通委员会政府信息公开工作年度报告（2022年度）
_AGENCY_REPORT_YEAR_RE = re.compile(
    rf"(?P<agency>{_AGENCY}{{3,60}}?)\s*" + _REPORT + r"\s*\(\s*(?P<year>(?:19|20)\d{2})\s*年?度?\s*\)")
_YEAR_ONLY_RE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开)")
_AGENCY_ONLY_RE = re.compile(rf"^(?P<agency>{_AGENCY}{{3,60}}?)\s*" + _REPORT)
_AGENCY_LINE_RE = re.compile(
    rf"^[#\s]*(?P<agency>[{_CJK}()]{{3,40}}(?:局|委|办|府|院|会|厅|部|署|所|中心|管委会|街道|镇|乡|室|处|队|馆|站))\s*$")
_PERIOD_RE = re.compile(
    r"统计(?:期限|时限|时间|区间|周期)?(?:为|是|自|从|:)?\s*(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_LABEL_PREFIX_RE = re.compile(r"^(?:标题|题目|title)\s*[:：]\s*", re.IGNORECASE)
_NOT_AGENCY = re.compile(rf"^(?:政府信息公开|政务公开|年度|工作)")


def detect_agency_year(text: str) -> tuple[str | None, int | None]:
    """Find the agency and the statistics year in the first lines of a report.

    Titles vary: "黔西南州工业和信息化局2023年政府信息公开工作年度报告", "金昌市工业和信息化局 关于2023年政府信息公开
    年度工作情况的报告", "2023年度北京市财政局政府信息公开工作年度报告", "…年度报告（2022年度）", a title broken
    over two lines, or the agency on one line and "2020 年政府信息公开工作年度报告" on the next.
    """
    head = text[:4000].translate(_DIGITS)
    lines = [_LABEL_PREFIX_RE.sub("", re.sub(r"^[#*\s]+", "", ln)).strip(" *\t") for ln in head.splitlines()]
    lines = [ln for ln in lines if ln]
    for i, line in enumerate(lines[:40]):
        found = _title(line)
        if not found and i + 1 < len(lines) and not _title(lines[i + 1]):
            found = _title(line + lines[i + 1])  # a title broken over two lines
        if found:
            return found
        m = _YEAR_ONLY_RE.search(line)
        if m:
            return _agency_nearby(lines, i), int(m.group("year"))
    period = _PERIOD_RE.search(text[:20000].translate(_DIGITS))
    if period:
        agency = None
        for line in lines[:10]:
            m = _AGENCY_ONLY_RE.match(line)
            if m and not _NOT_AGENCY.match(m.group("agency")):
                agency = _clean_agency(m.group("agency"))
                break
        return agency, int(period.group("year"))
    return None, None


def _title(candidate: str) -> tuple[str, int] | None:
    for pattern in (_AGENCY_YEAR_RE, _YEAR_AGENCY_RE, _AGENCY_REPORT_YEAR_RE):
        m = pattern.search(candidate)
        if m:
            agency = _clean_agency(m.group("agency"))
            if len(agency) >= 3 and not _NOT_AGENCY.match(agency):
                return agency, int(m.group("year"))
    return None


def _agency_nearby(lines: list[str], i: int) -> str | None:
    """The agency printed on its own line just before (or just after) a title that has none."""
    for other in list(reversed(lines[max(0, i - 3):i])) + lines[i + 1:i + 3]:
        am = _AGENCY_LINE_RE.match(other)
        if am:
            return am.group("agency")
    return None


def _clean_agency(agency: str) -> str:
    # "某某县人民政府办公室关于印发某某县2021年…的通知": the report's agency is the one after 关于印发
    for marker in ("关于印发", "关于公布", "关于发布", "关于"):
        if marker in agency:
            tail = agency.rsplit(marker, 1)[1]
            agency = tail if len(tail) >= 2 else agency.split(marker, 1)[0]
            break
    agency = re.sub(r"^(?:印发|发布)", "", agency)
    return agency.strip("() ·")
