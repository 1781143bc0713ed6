"""The maintainers' corrections file: every line read with its line number, checked against the landed documents
and the spec's keys, landed as a whole (pipeline/corrections.py); bad lines are skipped and reported, never
fatal."""
from __future__ import annotations

import hashlib
import shutil
from contextlib import closing

import duckdb
import pytest

from pipeline import corrections, steps
from pipeline.config import load_settings
from pipeline.corrections import CorrectionLine, read_corrections, validate
from pipeline.summary import review_lines, summary
from tests.support.paths import DEV_CASES_DIR

HEADER = "document_hash,key,value,note,decided_by,decided_at\n"
DOC_2021, DOC_2019, FAILED = "a" * 64, "b" * 64, "c" * 64
DOCUMENTS = {DOC_2021: ("needs_review", "2021"), DOC_2019: ("ok", "2019"), FAILED: ("failed", None)}


def _lines(tmp_path, body: str, documents=DOCUMENTS) -> list[CorrectionLine]:
    path = tmp_path / "corrections.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return validate(read_corrections(path), documents)


def test_a_missing_file_or_one_with_only_its_header_corrects_nothing(tmp_path):
    assert read_corrections(tmp_path / "absent.csv") == []
    assert _lines(tmp_path, "") == []


def test_a_valid_line_keeps_its_number_value_and_who_decided(tmp_path):
    [line] = _lines(tmp_path, f'{DOC_2021.upper()},t3.granted.total,395,"read on page 3, row 4",li.wei,2026-02-03\n')
    assert line == CorrectionLine(2, DOC_2021, "t3.granted.total", 395, "395", "read on page 3, row 4", "li.wei",
                                  "2026-02-03", None)


def test_an_empty_value_is_a_printed_blank_and_an_amount_may_have_decimals(tmp_path):
    blank, amount = _lines(tmp_path, f"{DOC_2021},t3.granted.total,,printed blank,,\n"
                                     f"{DOC_2021},t2.administrative_fees.amount,9116.36,,,\n")
    assert (blank.value, blank.problem) == (None, None)
    assert (amount.value, amount.problem) == (9116.36, None)


def test_every_kind_of_bad_line_is_skipped_with_its_line_number_and_why(tmp_path):
    lines = _lines(tmp_path, "\n".join([
        f"{'f' * 64},t3.granted.total,1,,,",              # 2 unknown document
        f"{DOC_2021},t3.granted.everyone,1,,,",           # 3 unknown key
        f"{DOC_2021},t3.granted.total,three,,,",          # 4 not a number
        f"{DOC_2021},t3.granted.total,1.5,,,",            # 5 not a count
        f"{DOC_2021},t3.granted.total,-1,,,",             # 6 a negative count
        f"{DOC_2021},t3.other_processing.total,1,,,",     # 7 a 2019 row in a 2021 report
        f"{FAILED},t3.granted.total,1,,,",                # 8 a document that could not be extracted
        ",t3.granted.total,1,,,",                         # 9 no document
        "",                                               # an empty line is no line
        f"{DOC_2019},t2.administrative_licensing.change,-3,,,",  # 11 2019's change may be negative
    ]) + "\n")
    problems = {line.line_number: line.problem for line in lines}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert problems[2] == f"unknown document {'f' * 64} (no such document_hash in marts.fct_reports)"
    assert problems[3].startswith("unknown key 't3.granted.everyone'")
    assert problems[4] == "value 'three' is not a number (leave it empty for a cell printed blank)"
    assert problems[5] == "value '1.5' is not a count: t3.granted.total holds a whole number, not negative"
    assert problems[6].startswith("value '-1' is not a count")
    assert problems[7] == "the 2021 template has no cell t3.other_processing.total"
    assert problems[8].startswith(f"document {FAILED} could not be extracted")
    assert problems[9] == "no document_hash"
    assert problems[11] is None


def test_a_later_line_for_the_same_cell_wins_and_the_earlier_one_says_so(tmp_path):
    first, second = _lines(tmp_path, f"{DOC_2021},t3.granted.total,3,,,\n{DOC_2021},t3.granted.total,4,,,\n")
    assert first.problem == "replaced by line 3 (a later line for the same cell wins)"
    assert (second.value, second.problem) == (4, None)


def test_a_header_without_the_needed_columns_applies_no_line(tmp_path):
    path = tmp_path / "corrections.csv"
    path.write_text(f"hash,key,value\n{DOC_2021},t3.granted.total,3\n", encoding="utf-8")
    [line] = read_corrections(path)
    assert line.line_number == 1 and line.problem.startswith("the header lacks the column(s) document_hash")


def test_loading_replaces_the_landed_lines_and_the_summary_lists_the_skipped_ones(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with closing(duckdb.connect(str(warehouse))) as con:
        from pipeline.landing import ensure_schema

        ensure_schema(con)
        con.execute("insert into landing.documents (document_hash, status, template) values (?, 'ok', '2021')",
                    [DOC_2021])
    path = tmp_path / "corrections.csv"
    path.write_text(HEADER + f"{DOC_2021},t3.granted.total,3,,,\n{DOC_2021},t3.granted.total,x,,,\n",
                    encoding="utf-8")

    outcome = corrections.load_corrections(warehouse, path)
    again = corrections.load_corrections(warehouse, path)

    assert outcome == again == {"corrections_applied": 1, "corrections_skipped": 1, "skipped_lines": [
        {"line": 3, "problem": "value 'x' is not a number (leave it empty for a cell printed blank)"}]}
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        assert con.execute("select line_number, cell_key, value, problem is null from landing.corrections "
                           "order by 1").fetchall() == [(2, "t3.granted.total", 3.0, True),
                                                        (3, "t3.granted.total", None, False)]
        assert review_lines(con) == [
            "corrections: 1 applied, 1 skipped",
            "  line 3: value 'x' is not a number (leave it empty for a cell printed blank); skipped"]
    path.write_text(HEADER, encoding="utf-8")
    assert corrections.load_corrections(warehouse, path)["corrections_applied"] == 0  # withdrawn: gone


@pytest.mark.integration
def test_a_run_with_bad_correction_lines_completes_and_reports_each_of_them(tmp_path, monkeypatch, pipeline_env):
    source = DEV_CASES_DIR / "pingtan-shs-2023" / "source.txt"  # needs_review: 规范性文件 digits glued
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(source, inbox / "shs-2023.txt")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    corrections_file = tmp_path / "corrections.csv"
    corrections_file.write_text(HEADER + "\n".join([
        f"{sha},t2.normative_documents.issued,2,read on the page,li.wei,2026-02-03",
        f"{sha[:12]},t2.normative_documents.repealed,12,a shortened hash,li.wei,2026-02-03",
        f"{sha},t2.normative_documents.in_force,twenty,,li.wei,2026-02-03",
    ]) + "\n", encoding="utf-8")
    monkeypatch.setenv("PIPELINE_INBOX", str(inbox))
    monkeypatch.setenv("REVIEW_CORRECTIONS_PATH", str(corrections_file))
    monkeypatch.setenv("REVIEW_DECISIONS_PATH", str(tmp_path / "decisions.csv"))
    settings = load_settings()

    outputs = steps.run_steps(steps.STEPS, None, settings)

    assert list(outputs) == [step.name for step in steps.STEPS]  # every step ran: the bad lines stopped nothing
    assert outputs["load_corrections"]["corrections_skipped"] == 2
    lines = summary(settings).splitlines()
    assert "values to review: 2 uncertain cell(s) in 1 representative report(s) (value_status uncertain; the " \
           "quality report's review queue)" in lines
    at = lines.index("corrections: 1 applied, 2 skipped")
    assert lines[at + 1].startswith(f"  line 3: unknown document {sha[:12]} ")
    assert lines[at + 2] == "  line 4: value 'twenty' is not a number (leave it empty for a cell printed blank); " \
                            "skipped"
    report = settings.quality_report_path.read_text(encoding="utf-8")
    assert 'id="correction-problems"' in report and "value &#x27;twenty&#x27; is not a number" in report
    queue = report[report.index('id="review-queue-cells"'):report.index('id="corrections"')]
    assert queue.count("<tr data-cell=") == 2  # repealed and in_force; issued was corrected
    assert f"{sha},t2.normative_documents.in_force,?," in queue
    with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
        assert con.execute("""select measure, value_status from marts.fct_proactive_disclosure
                              where category = 'normative_documents' order by measure""").fetchall() == [
            ("in_force", "uncertain"), ("issued", "corrected"), ("repealed", "uncertain")]
