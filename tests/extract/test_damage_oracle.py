"""The gold oracle over damaged real reports (tests/support/damage.py): whatever the damage, a result with
status `ok` holds exactly the gold cells of the undamaged report. A deterministic sample of a few hundred
cases runs here (every format and kind of damage in it); `make fuzz` runs every case (1,000+)."""
from __future__ import annotations

import pytest

from extract import extract_bytes
from tests.support import damage

@pytest.fixture(scope="module")
def sample():
    return damage.sample_cases(damage.SAMPLE_PER_FORMAT, seed=0)


def test_the_sample_spans_every_format_and_kind_of_damage(sample):
    kinds = {(c.source.fmt, c.kind) for c in sample}
    assert kinds >= {("txt", "delete_row"), ("txt", "cut_table"), ("txt", "reencode"), ("txt", "reencode_delete_row"),
                     ("html", "delete_row"), ("html", "cut_table"), ("html", "reencode"),
                     ("pdf", "drop_page"), ("pdf", "unreadable_page"), ("pdf", "flip_stream"), ("pdf", "cut_stream"),
                     ("pdf", "truncate"), ("docx", "delete_row"), ("docx", "duplicate_member"),
                     ("docx", "truncate"), ("docx", "flip_member")}
    assert len(sample) >= 250


def test_an_ok_result_of_a_damaged_report_equals_the_gold(sample):
    verdicts = [damage.run(case) for case in sample]
    wrong = [f"{v.outcome}: {v.case.name}: {v.detail}" for v in verdicts
             if v.outcome in ("silent_loss", "parser_error")]
    assert wrong == [], "\n".join(wrong)
    outcomes = {v.outcome for v in verdicts}
    assert {"ok_exact", "flagged", "failed"} <= outcomes  # the oracle saw each kind of answer


def test_the_oracle_catches_a_silent_loss():
    gold = next(g for g in damage.gold_documents() if g.name == "samples/beiguan-gxj-2023.txt")
    case = damage.Damaged(gold, "nothing", "none", gold.data)
    result = extract_bytes(gold.data, "beiguan.txt")
    assert damage.judge(case, result).outcome == "ok_exact"
    del result.cells["t3.new_received.total"]
    verdict = damage.judge(case, result)
    assert verdict.outcome == "silent_loss" and "t3.new_received.total: 0-><absent>" in verdict.detail
    result.cells.pop("t2.regulations.issued")  # the 规章 row alone may be absent
    assert "t2.regulations" not in damage.judge(case, result).detail
