"""Agency and report year from the title of a report (pure text functions)."""
from __future__ import annotations

import re

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_TITLE_RE = re.compile(
    r"(?P<agency>[\u4e00-\u9fa5（）()·]{2,60}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*"
    r"(?:政府信息公开|政务公开)[\u4e00-\u9fa5]{0,8}?(?:年度)?(?:工作)?(?:情况)?(?:的)?\s*(?:年度)?\s*报告"
)
_YEAR_ONLY_RE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开)")
_AGENCY_LINE_RE = re.compile(r"^[#\s]*(?P<agency>[\u4e00-\u9fa5（）()]{3,40}(?:局|委|办|府|院|会|厅|部|署|所|中心|管委会|街道|镇|乡))\s*$")


def detect_agency_year(text: str) -> tuple[str | None, int | None]:
    """Find the agency and the statistics year in the first lines of a report.

    Titles vary: "黔西南州工业和信息化局2023年政府信息公开工作年度报告", "金昌市工业和信息化局 关于2023年政府信息公开
    年度工作情况的报告", or the agency on one line and "2020 年政府信息公开工作年度报告" on the next.
    """
    head = text[:4000].translate(_DIGITS)
    lines = [re.sub(r"^[#\s]+", "", ln).strip() for ln in head.splitlines()]
    lines = [ln for ln in lines if ln]
    for i, line in enumerate(lines[:40]):
        joined = line if i + 1 >= len(lines) else line + lines[i + 1]
        for candidate in (line, joined):
            m = _TITLE_RE.search(candidate)
            if m and len(m.group("agency")) >= 3:
                return _clean_agency(m.group("agency")), int(m.group("year"))
        m = _YEAR_ONLY_RE.search(line)
        if m:
            agency = None
            for previous in reversed(lines[max(0, i - 3):i]):
                am = _AGENCY_LINE_RE.match(previous)
                if am:
                    agency = am.group("agency")
                    break
            return agency, int(m.group("year"))
    return None, None


def _clean_agency(agency: str) -> str:
    agency = re.sub(r"^(?:关于|印发)", "", agency)
    return agency.strip("（）() ·")
