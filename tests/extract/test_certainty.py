"""Certainty per cell: the cells a parser could not settle carry `certain: false` in their provenance (with
the candidate readings it saw), derived in core.py from the issues the parsers emit; every other cell has no
`certain` key (absent means certain)."""
from __future__ import annotations

from extract import extract_bytes, extract_file
from extract.core import doubted_cells
from extract.model import Issue
from extract.keys import T3_COLUMNS
from tests.extract.test_grid import GOLD, errors, parse
from tests.support.grid_reports import t2_spec_2021, t3_spec, t4_spec
from tests.support.paths import DEV_CASES_DIR, SAMPLES_DIR

NORMATIVE = ("t2.normative_documents.issued", "t2.normative_documents.repealed",
             "t2.normative_documents.in_force")


def _doubted(result) -> dict[str, dict]:
    return {k: p for k, p in result.provenance.items() if "certain" in p}


def test_a_glued_digit_run_with_several_readings_leaves_its_cells_uncertain_with_the_candidates():
    # pingtan-scj-2023 crawled: 规范性文件 printed "13013", read 13|0|13 provisionally (also 1|30|13, ...)
    result = extract_file(DEV_CASES_DIR / "pingtan-scj-2023" / "source.txt")
    doubted = _doubted(result)
    assert result.status == "needs_review"
    # two 其他处理 rows print nothing after their label (read as blank, but a lost value would look the same)
    assert set(doubted) == set(NORMATIVE) | {"t3.other_unpaid_fee.natural_person", "t3.other_misc.natural_person"}
    assert {doubted[k]["uncertain_because"] for k in doubted if k not in NORMATIVE} == {"cells_not_printed"}
    issued = doubted["t2.normative_documents.issued"]
    assert issued["certain"] is False and issued["uncertain_because"] == "ambiguous_split"
    assert issued["candidates"][0] == result.cells["t2.normative_documents.issued"] == 13
    assert 1 in issued["candidates"]
    assert doubted["t2.normative_documents.repealed"]["candidates"][:2] == [0, 30]
    assert issued["line"] == 10  # where it was read stays in the provenance


def test_the_html_rendering_of_the_same_report_is_certain_everywhere():
    result = extract_file(DEV_CASES_DIR / "pingtan-scj-2023" / "source.html")
    assert result.status == "ok"
    assert _doubted(result) == {}
    assert "certain" not in result.to_json()


def test_every_sample_read_as_ok_has_no_uncertain_cell():
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        result = extract_file(path)
        assert result.status == "ok" and _doubted(result) == {}, path.name


def test_a_cell_every_listed_reading_agrees_on_stays_certain():
    keys = ["t2.regulations.issued", "t2.regulations.repealed", "t2.regulations.in_force"]
    cells = dict.fromkeys(keys, 1)
    issue = Issue("ambiguous_split", "...", key=keys[0],
                  details={"keys": keys, "alternatives": [[1, 2, 3], [12, 2, 3], [1, 2, 33]], "n_alternatives": 3})
    assert doubted_cells([issue], cells) == {
        "t2.regulations.issued": {"certain": False, "uncertain_because": "ambiguous_split", "candidates": [1, 12]},
        "t2.regulations.in_force": {"certain": False, "uncertain_because": "ambiguous_split", "candidates": [3, 33]},
    }
    truncated = Issue("ambiguous_split", "...", key=keys[0],
                      details={"keys": keys, "alternatives": [[1, 2, 3], [12, 2, 3]], "n_alternatives": 40})
    assert set(doubted_cells([truncated], cells)) == set(keys)  # the unlisted readings may differ anywhere


def test_info_issues_and_keys_that_were_not_printed_put_nothing_in_doubt():
    cells = {"t3.granted.total": 1}
    issues = [Issue("merged_value_cell", "...", severity="info", key="t3.granted.total"),
              Issue("row_unreadable", "...", key="t3.carried_forward.total")]
    assert doubted_cells(issues, cells) == {}


def test_a_row_name_puts_every_printed_cell_of_that_row_in_doubt():
    cells = {"t3.granted.total": 1, "t3.granted.natural_person": 1, "t3.new_received.total": 1}
    doubted = doubted_cells([Issue("row_repeated", "...", key="granted", details={"keys": ["t3.granted"]})], cells)
    assert set(doubted) == {"t3.granted.total", "t3.granted.natural_person"}
    assert "candidates" not in doubted["t3.granted.total"]


def test_a_text_row_printed_twice_with_different_cells_leaves_the_kept_row_uncertain():
    text = (SAMPLES_DIR / "wuzhong-gxj-2020.txt").read_text(encoding="utf-8")
    row = "一、本年新收政府信息公开申请数量\t\t1\t0\t0\t0\t0\t0\t1\t"
    assert row in text
    repeated = text.replace(row, row + "\n" + row.replace("\t1\t0", "\t2\t0").replace("0\t1\t", "0\t2\t"))
    result = extract_bytes(repeated.encode("utf-8"), "wuzhong-repeated.txt")
    assert "row_repeated" in [i.code for i in result.issues]
    assert set(_doubted(result)) == {f"t3.new_received.{c}" for c in T3_COLUMNS}
    assert result.cells["t3.new_received.total"] == 1  # the first printing is kept, provisionally


def test_grid_cells_read_under_their_headers_from_a_short_row_are_uncertain():
    t3 = t3_spec(GOLD)
    t3[3] = t3[3][:-1]  # 一、本年新收: the last of seven cells is not printed
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert sorted(errors(parsed)) == ["cells_missing", "columns_misaligned"]
    doubted = doubted_cells(parsed.issues, {k: c.value for k, c in parsed.cells.items()})
    assert set(doubted) == {f"t3.new_received.{c}" for c in T3_COLUMNS[:-1]}
    assert {d["uncertain_because"] for d in doubted.values()} == {"columns_misaligned"}


def test_a_grid_cell_printed_twice_with_different_numbers_is_uncertain():
    t3 = t3_spec(GOLD)
    repeated = t3[:3] + [t3[3][:3] + ["70", "3", "0", "0", "0", "0", "73"]]
    parsed = parse(t2_spec_2021(GOLD), t3, repeated, t4_spec(GOLD))
    doubted = doubted_cells(parsed.issues, {k: c.value for k, c in parsed.cells.items()})
    assert {"t3.new_received.natural_person", "t3.new_received.total"} <= set(doubted)
    assert "t3.new_received.commercial_enterprise" not in doubted  # printed 3 both times
