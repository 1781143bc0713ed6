"""extract/narrative.py: the numbers a report's prose states and the date printed at its end."""
from __future__ import annotations

from datetime import date

import pytest

from tests.support.paths import DEV_CASES_DIR
from extract.narrative import narrative, publication_date, stated_numbers

DEV_CORPUS = DEV_CASES_DIR


def _stated(text: str) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(s.name, s.value, s.cell_keys) for s in stated_numbers(text)]


@pytest.mark.parametrize("sentence, expected", [
    pytest.param("2023年，全年共收到政府信息公开申请12件，办结12件。",
                 [("applications_received", 12, ("t3.new_received.total",))], id="received-with-quantifier"),
    pytest.param("2024年我局共收到政府网站上政府信息公开申请件2件，办结依申请2件。",
                 [("applications_received", 2, ("t3.new_received.total",))], id="received-with-a-stray-件"),
    pytest.param("本年度受理政府信息公开申请２１件。",
                 [("applications_received", 21, ("t3.new_received.total",))], id="full-width-digits"),
    pytest.param("其中予以公开5件，部分公开2件。",
                 [("applications_granted", 5, ("t3.granted.total",)),
                  ("applications_partially_granted", 2, ("t3.partially_granted.total",))], id="outcomes"),
    pytest.param("全年发生政府信息公开行政复议3件、行政诉讼1件。",
                 [("reconsideration", 3, ("t4.reconsideration.total",)),
                  ("litigation", 1, ("t4.litigation_direct.total", "t4.litigation_after_reconsideration.total"))],
                 id="review-and-litigation"),
    pytest.param("本年度未发生政府信息公开行政复议、行政诉讼。",
                 [("litigation", 0, ("t4.litigation_direct.total", "t4.litigation_after_reconsideration.total")),
                  ("reconsideration", 0, ("t4.reconsideration.total",))], id="none-happened-states-zero"),
    pytest.param("本年度未收到政府信息公开申请。", [("applications_received", 0, ("t3.new_received.total",))],
                 id="no-application-states-zero"),
    pytest.param("目前未收到该申请人提交的补正，结转下年度办理。", [], id="applicant-not-an-application"),
    pytest.param("全年主动公开政府信息184条，召开会议4次。", [], id="proactive-disclosure-is-not-a-table-3-number"),
    pytest.param("一、本年新收政府信息公开申请数量\t5\t0\t0\t0\t0\t0\t5", [], id="a-table-row-states-nothing"),
])
def test_sentences_state_the_numbers_of_their_cells(sentence, expected):
    assert sorted(_stated(sentence)) == sorted(expected)


def test_stated_numbers_carry_the_phrase_and_line():
    text = "标题\n\n（二）依申请公开方面。全年共收到政府信息公开申请7件。"
    [stated] = stated_numbers(text)
    assert (stated.phrase, stated.line) == ("收到政府信息公开申请7件", 3)


def test_the_dev_corpus_report_that_states_75_applications():
    text = (DEV_CORPUS / "pingtan-gov-2022" / "source.txt").read_text(encoding="utf-8")
    assert ("applications_received", 75, ("t3.new_received.total",)) in _stated(text)


@pytest.mark.parametrize("tail, expected, source", [
    pytest.param("……\n金昌市工业和信息化局\n2024年1月5日\n\n办公室\n2024年1月5日印\n", date(2024, 1, 5), "signature",
                 id="signature-and-print-date"),
    pytest.param("……\n某某局\n2024 年 2 月 1 日", date(2024, 2, 1), "signature", id="spaced"),
    pytest.param("发布时间: 2023-02-20 09:30\n正文……本报告统计期限自2022年1月1日起至2022年12月31日止。" + "文" * 500,
                 date(2023, 2, 20), "page_metadata", id="page-metadata-when-no-signature"),
    pytest.param("正文，没有日期。", None, None, id="none"),
])
def test_publication_date(tail, expected, source):
    assert publication_date(tail) == (expected, source)


def test_the_narrative_field_is_json_ready():
    result = narrative("全年共收到政府信息公开申请3件。\n某局\n2025年1月20日").to_dict()
    assert result == {
        "stated_numbers": [{"name": "applications_received", "cell_keys": ["t3.new_received.total"], "value": 3,
                            "phrase": "收到政府信息公开申请3件", "line": 1}],
        "published_on": "2025-01-20",
        "published_on_source": "signature",
    }
