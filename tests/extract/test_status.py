"""Status honesty that holds for every format: what core.py adds on top of the parsers."""
from __future__ import annotations

from extract import extract_bytes
from tests.support.paths import SAMPLES_DIR


def _wuzhong_with_table4_line(replacement: str) -> bytes:
    lines = (SAMPLES_DIR / "wuzhong-gxj-2020.txt").read_text(encoding="utf-8").split("\n")
    numbers_line = lines.index("\t".join(["0"] * 15))  # 表四's one data row, right under its headers
    lines[numbers_line] = replacement
    return "\n".join(lines).encode("utf-8")


def test_a_printed_table_4_whose_cells_are_all_blank_is_flagged_not_silently_absent():
    result = extract_bytes(_wuzhong_with_table4_line("\t" * 14), "wuzhong-blank-t4.txt")
    if any(key.startswith("t4.") for key in result.cells):
        # read as 15 blanks: that is exact, and every one of them must be null
        assert [v for k, v in result.cells.items() if k.startswith("t4.")] == [None] * 15
    else:
        assert result.status == "needs_review"
        assert "table_unread" in [issue.code for issue in result.issues]


def test_the_same_report_with_its_table_4_printed_reads_all_fifteen_cells_and_stays_ok():
    result = extract_bytes(_wuzhong_with_table4_line("\t".join(["0"] * 15)), "wuzhong.txt")
    assert result.status == "ok"
    assert [v for k, v in result.cells.items() if k.startswith("t4.")] == [0] * 15
    assert "table_unread" not in [issue.code for issue in result.issues]
