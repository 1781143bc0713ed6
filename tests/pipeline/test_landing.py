"""The landing load (pipeline/landing.py): the bulk load writes exactly what one insert per row wrote, keeps
delete-then-insert by document hash in one transaction, reloads only what changed, and its tables follow the
fields of the extraction result."""
from __future__ import annotations

import dataclasses
import json
from contextlib import closing
from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest

from extract import ExtractionResult, extract_bytes
from extract.keys import split_key
from extract.narrative import Narrative, StatedNumber
from pipeline import landing
from pipeline.landing import ExtractedDocument
from tests.support.paths import SAMPLES_DIR
from tests.support.warehouse import failed_document, gold_documents, landed

REFERENCE_DOCUMENT_COLUMNS = (
    "document_hash", "object_key", "original_name", "arrived_at", "size_bytes", "format", "status", "agency",
    "year", "template", "issues_json", "quarantine_key", "body_text", "extractor_version", "loaded_at",
    "narrative_json", "published_on", "ocr", "result_key",
)


def _row_by_row(con, documents, loaded_at):
    """The former implementation: one insert per document and per cell (the reference contents)."""
    landing.ensure_schema(con)
    for doc in documents:
        result = doc.result
        con.execute("delete from landing.cells where document_hash = ?", [doc.sha256])
        con.execute("delete from landing.documents where document_hash = ?", [doc.sha256])
        con.execute(
            f"insert into landing.documents ({', '.join(REFERENCE_DOCUMENT_COLUMNS)}) "
            f"values ({', '.join('?' for _ in REFERENCE_DOCUMENT_COLUMNS)})",
            [result.sha256, doc.object_key, doc.original_name or result.file,
             doc.arrived_at.astimezone(timezone.utc).replace(tzinfo=None) if doc.arrived_at and doc.arrived_at.tzinfo
             else doc.arrived_at,
             result.size_bytes, result.format, result.status, result.agency, result.year, result.template,
             json.dumps([i.to_dict() for i in result.issues], ensure_ascii=False), doc.quarantine_key,
             result.text, result.extractor_version, loaded_at,
             json.dumps(result.narrative.to_dict(), ensure_ascii=False), result.narrative.published_on,
             result.ocr,
             doc.result_key])
        for cell_key, value in result.cells.items():
            table_no, row_key, col_key = split_key(cell_key)
            prov = result.provenance.get(cell_key, {})
            con.execute("insert into landing.cells values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc.sha256, cell_key, table_no, row_key, col_key, value, prov.get("unit"),
                         prov.get("line"), prov.get("page"), json.dumps(prov, ensure_ascii=False),
                         prov.get("certain", True)])


def _contents(con):
    documents = con.execute("select * exclude (loaded_at) from landing.documents order by document_hash").fetchall()
    cells = con.execute("select * from landing.cells order by document_hash, cell_key").fetchall()
    return documents, cells


def _with_result(doc: ExtractedDocument, **changes) -> ExtractedDocument:
    return dataclasses.replace(doc, result=dataclasses.replace(doc.result, **changes))


def _varied_documents() -> list[ExtractedDocument]:
    """Golds plus what real results carry: provenance with pages, units and uncertain cells, a narrative with a
    date, a failed document with no cells, blank (None) cells, integer and fractional values, an arrival with a
    time zone, a document read by OCR, and one real extraction."""
    documents = landed(gold_documents()[:6] + [failed_document()])
    first, second = documents[0], documents[1]
    first_key = next(iter(first.result.cells))
    stated = StatedNumber("applications_received", ("t3.new_received.total",), 75, "收到申请75件", 3)
    first = _with_result(
        first, cells={**first.result.cells, first_key: None},
        provenance={key: {"line": i + 1, "page": 2, "unit": "件", "raw": "3",
                          **({"certain": False, "uncertain_because": "ambiguous_split", "candidates": [3, 31]}
                             if i % 50 == 1 else {})}
                    for i, key in enumerate(first.result.cells)},
        narrative=Narrative((stated,), date(2024, 1, 20), "signature"))
    second = _with_result(second, cells={key: (float(v) + 0.5 if isinstance(v, (int, float)) else v)
                                         for key, v in second.result.cells.items()},
                          narrative=Narrative(published_on=date(2024, 2, 1), published_on_source="page_metadata"),
                          ocr=True)
    second.arrived_at = datetime(2024, 2, 3, 12, 5, 6, tzinfo=timezone(timedelta(hours=8)))
    crawled_again = (SAMPLES_DIR / "wuzhong-gxj-2020.txt").read_bytes() + b"\n"  # not the gold's bytes
    real = ExtractedDocument(extract_bytes(crawled_again, "wuzhong.txt"), "raw/real", "吴忠.txt", datetime(2024, 1, 1))
    return [first, second, *documents[2:], real]


def test_the_bulk_load_writes_exactly_the_rows_of_the_row_by_row_load():
    documents = _varied_documents()
    with closing(duckdb.connect(":memory:")) as reference, closing(duckdb.connect(":memory:")) as bulk:
        _row_by_row(reference, documents, datetime(2026, 1, 1))
        assert landing.load_documents(bulk, documents) == len(documents)

        expected, got = _contents(reference), _contents(bulk)
    assert len(got[1]) == sum(len(d.result.cells) for d in documents) > 1000
    assert got == expected
    assert 0 < sum(1 for cell in got[1] if cell[-1] is False) < len(got[1])  # `certain`: absent means true
    arrived = {row[0]: row[3] for row in got[0]}
    assert arrived[documents[1].sha256] == datetime(2024, 2, 3, 4, 5, 6)  # landed in UTC


def test_reloading_replaces_a_document_and_leaves_the_others(tmp_path):
    documents = _varied_documents()
    with closing(duckdb.connect(str(tmp_path / "w.duckdb"))) as con:
        landing.load_documents(con, documents)
        changed = _with_result(documents[2], status="needs_review",
                               cells=dict(list(documents[2].result.cells.items())[:3]))
        landing.load_documents(con, [changed])

        counts = dict(con.execute("select document_hash, count(*) from landing.cells group by 1").fetchall())
        status = con.execute("select status from landing.documents where document_hash = ?",
                             [changed.sha256]).fetchone()[0]
        total = con.execute("select count(*) from landing.documents").fetchone()[0]
    assert counts[changed.sha256] == 3
    assert counts[documents[3].sha256] == len(documents[3].result.cells)
    assert status == "needs_review"
    assert total == len(documents)


def test_a_document_given_twice_in_one_load_ends_as_its_last_version():
    [document] = landed(gold_documents()[:1])
    later = _with_result(document, agency="另一个机关")
    with closing(duckdb.connect(":memory:")) as con:
        landing.load_documents(con, [document, later])
        rows = con.execute("select agency from landing.documents").fetchall()
        cells = con.execute("select count(*) from landing.cells").fetchone()[0]
    assert rows == [("另一个机关",)]
    assert cells == len(document.result.cells)


def test_a_load_that_fails_midway_leaves_the_previous_rows():
    documents = landed(gold_documents()[:3])
    with closing(duckdb.connect(":memory:")) as con:
        landing.load_documents(con, documents)
        before = _contents(con)
        broken = _with_result(documents[0], status=None)  # status is not null: the documents insert fails
        with pytest.raises(duckdb.ConstraintException):
            landing.load_documents(con, [_with_result(documents[1], agency="changed"), broken])
        assert _contents(con) == before


def test_only_documents_whose_rows_differ_are_reloaded(tmp_path):
    documents = _varied_documents()
    path = tmp_path / "warehouse.duckdb"
    landing.load_results(path, documents)
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        loaded_at = dict(con.execute("select document_hash, loaded_at from landing.documents").fetchall())

    third_key = next(iter(documents[2].result.cells))
    one_cell = _with_result(documents[2], cells={**documents[2].result.cells, third_key: 999})
    one_field = _with_result(documents[3], agency="改名后的机关")
    first_key = next(iter(documents[0].result.cells))
    one_provenance = _with_result(documents[0], provenance={**documents[0].result.provenance,
                                                            first_key: {"line": 99}})
    fewer_cells = _with_result(documents[4], cells=dict(list(documents[4].result.cells.items())[1:]))
    again = [one_provenance, documents[1], one_cell, one_field, fewer_cells, *documents[5:]]
    counts = landing.load_results(path, again)

    changed = {d.sha256 for d in (one_provenance, one_cell, one_field, fewer_cells)}
    assert counts == {"given": len(again), "loaded": 4, "unchanged": len(again) - 4,
                      "documents_in_warehouse": len(documents)}
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        after = dict(con.execute("select document_hash, loaded_at from landing.documents").fetchall())
        reference = duckdb.connect(":memory:")
        _row_by_row(reference, again, datetime(2026, 1, 1))
        assert _contents(con) == _contents(reference)
    assert {h for h in after if after[h] != loaded_at[h]} == changed


# ---------------------------------------------------------------------------------------------- shape


def test_every_field_of_the_extraction_result_is_landed_or_left_out_for_a_stated_reason():
    landed_fields = {c.lands for c in landing.DOCUMENT_COLUMNS + landing.CELL_COLUMNS if c.lands}
    fields = {f.name for f in dataclasses.fields(ExtractionResult)}
    assert landed_fields | set(landing.NOT_LANDED) == fields
    assert not landed_fields & set(landing.NOT_LANDED)


def test_the_landing_tables_are_the_declared_columns():
    with closing(duckdb.connect(":memory:")) as con:
        landing.ensure_schema(con)
        for table, columns in (("documents", landing.DOCUMENT_COLUMNS), ("cells", landing.CELL_COLUMNS)):
            described = con.execute(f"describe landing.{table}").fetchall()
            assert [(name, sql_type.lower()) for name, sql_type, *_ in described] == \
                [(c.name, c.sql_type) for c in columns]
    assert tuple(c.name for c in landing.DOCUMENT_COLUMNS) == REFERENCE_DOCUMENT_COLUMNS


def test_a_warehouse_landed_before_a_column_existed_gets_it_on_the_next_load(tmp_path):
    path = tmp_path / "old.duckdb"
    first_columns = [c for c in landing.DOCUMENT_COLUMNS
                     if c.name not in ("narrative_json", "published_on", "ocr", "result_key")]
    with closing(duckdb.connect(str(path))) as con:
        con.execute("create schema landing")
        con.execute("create table landing.documents (" + ", ".join(
            f"{c.name} {c.sql_type} {c.constraint}" for c in first_columns) + ")")
    documents = _varied_documents()[:1]
    landing.load_results(path, documents)
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        columns = [name for name, *_ in con.execute("describe landing.documents").fetchall()]
        published_on = con.execute("select published_on from landing.documents").fetchone()[0]
    assert columns == list(REFERENCE_DOCUMENT_COLUMNS)
    assert published_on == date(2024, 1, 20)


# ---------------------------------------------------------------------------------------------- stored JSON


def test_the_stored_result_is_the_extraction_json_followed_by_the_landing_fields():
    result = extract_bytes((SAMPLES_DIR / "wuzhong-gxj-2020.txt").read_bytes(), "wuzhong.txt")
    document = ExtractedDocument(result, "raw/9e/9e51", "吴忠.txt",
                                 datetime.fromisoformat("2026-01-31T08:00:00+00:00"), None)
    stored = json.loads(document.to_json())
    assert list(stored) == list(result.to_dict()) + ["object_key", "original_name", "arrived_at", "quarantine_key"]
    assert stored["arrived_at"] == "2026-01-31T08:00:00+00:00"
    assert ExtractedDocument.from_json(document.to_json().encode("utf-8")) == document


def test_a_stored_result_with_a_field_no_result_has_is_refused():
    stored = json.loads(ExtractedDocument(ExtractionResult.failed("x.pdf", "ab", "corrupt", "bad")).to_json())
    with pytest.raises(ValueError, match="not_a_field"):
        ExtractedDocument.from_dict({**stored, "not_a_field": 1})
