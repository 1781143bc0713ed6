"""The bulk staging load (pipeline/staging.py) writes exactly what one insert per row wrote, and keeps
delete-then-insert by document hash in one transaction."""
from __future__ import annotations

import hashlib
import json
from contextlib import closing
from datetime import datetime

import duckdb
import pytest

from extract.keys import split_key
from pipeline import staging
from tests.support.warehouse import failed_document, gold_documents


def _row_by_row(con, documents, loaded_at):
    """The former implementation: one insert per document and per cell (the reference contents)."""
    staging.ensure_schema(con)
    for doc in documents:
        con.execute("delete from landing.cells where document_hash = ?", [doc["sha256"]])
        con.execute("delete from landing.documents where document_hash = ?", [doc["sha256"]])
        con.execute(
            f"insert into landing.documents ({', '.join(staging.DOCUMENT_COLUMNS)}) "
            f"values ({', '.join('?' for _ in staging.DOCUMENT_COLUMNS)})",
            [doc["sha256"], doc.get("object_key"), doc.get("original_name") or doc.get("file"),
             doc.get("arrived_at"), doc.get("size_bytes"), doc.get("format"), doc["status"], doc.get("agency"),
             doc.get("year"), doc.get("template"), json.dumps(doc.get("issues", []), ensure_ascii=False),
             doc.get("quarantine_key"), doc.get("text"), doc.get("extractor_version"), loaded_at,
             json.dumps(doc["narrative"], ensure_ascii=False) if doc.get("narrative") else None,
             (doc.get("narrative") or {}).get("published_on"), bool(doc.get("ocr"))])
        for cell_key, value in doc.get("cells", {}).items():
            table_no, row_key, col_key = split_key(cell_key)
            prov = doc.get("provenance", {}).get(cell_key, {})
            con.execute("insert into landing.cells values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc["sha256"], cell_key, table_no, row_key, col_key, value, prov.get("unit"),
                         prov.get("line"), prov.get("page"), json.dumps(prov, ensure_ascii=False)])


def _contents(con):
    documents = con.execute("select * exclude (loaded_at) from landing.documents order by document_hash").fetchall()
    cells = con.execute("select * from landing.cells order by document_hash, cell_key").fetchall()
    return documents, cells


def _varied_documents():
    """Golds plus what real results carry: provenance with pages and units, a narrative with a date, a
    failed document with no cells, blank (None) cells, integer and fractional values, an ISO-text arrival,
    a document read by OCR."""
    documents = gold_documents()[:6] + [failed_document()]
    first = dict(documents[0])
    first["provenance"] = {key: {"line": i + 1, "page": 2, "unit": "件", "label": "收到申请数"}
                           for i, key in enumerate(first["cells"])}
    first["cells"] = {**first["cells"], next(iter(first["cells"])): None}
    first["narrative"] = {"published_on": "2024-01-20", "summary": "主动公开"}
    second = dict(documents[1])
    second["cells"] = {key: (float(v) + 0.5 if isinstance(v, (int, float)) else v)
                       for key, v in second["cells"].items()}
    second["arrived_at"] = "2024-02-03T04:05:06"
    second["ocr"] = True
    second["narrative"] = {"published_on": "2024-02-01"}
    return [first, second, *documents[2:]]


def test_the_bulk_load_writes_exactly_the_rows_of_the_row_by_row_load(tmp_path):
    documents = _varied_documents()
    with closing(duckdb.connect(":memory:")) as reference, closing(duckdb.connect(":memory:")) as bulk:
        _row_by_row(reference, documents, datetime(2026, 1, 1))
        assert staging.load_documents(bulk, documents) == len(documents)

        expected, got = _contents(reference), _contents(bulk)
    assert len(got[1]) == sum(len(d["cells"]) for d in documents) > 1000
    assert got == expected


def test_reloading_replaces_a_document_and_leaves_the_others(tmp_path):
    documents = _varied_documents()
    with closing(duckdb.connect(str(tmp_path / "w.duckdb"))) as con:
        staging.load_documents(con, documents)
        changed = dict(documents[2], status="needs_review", cells=dict(list(documents[2]["cells"].items())[:3]))
        staging.load_documents(con, [changed])

        counts = dict(con.execute("select document_hash, count(*) from landing.cells group by 1").fetchall())
        status = con.execute("select status from landing.documents where document_hash = ?",
                             [changed["sha256"]]).fetchone()[0]
        total = con.execute("select count(*) from landing.documents").fetchone()[0]
    assert counts[changed["sha256"]] == 3
    assert counts[documents[3]["sha256"]] == len(documents[3]["cells"])
    assert status == "needs_review"
    assert total == len(documents)


def test_a_document_given_twice_in_one_load_ends_as_its_last_version(tmp_path):
    document = gold_documents()[0]
    later = dict(document, agency="另一个机关")
    with closing(duckdb.connect(":memory:")) as con:
        staging.load_documents(con, [document, later])
        rows = con.execute("select agency from landing.documents").fetchall()
        cells = con.execute("select count(*) from landing.cells").fetchone()[0]
    assert rows == [("另一个机关",)]
    assert cells == len(document["cells"])


def test_a_load_that_fails_midway_leaves_the_previous_rows(tmp_path):
    documents = gold_documents()[:3]
    with closing(duckdb.connect(":memory:")) as con:
        staging.load_documents(con, documents)
        before = _contents(con)
        broken = dict(documents[0], status=None)  # status is not null: the documents insert fails
        with pytest.raises(duckdb.ConstraintException):
            staging.load_documents(con, [dict(documents[1], agency="changed"), broken])
        assert _contents(con) == before


def test_only_documents_whose_rows_differ_are_reloaded(tmp_path):
    from pipeline.load import load_results

    documents = _varied_documents()
    path = tmp_path / "warehouse.duckdb"
    load_results(path, documents)
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        loaded_at = dict(con.execute("select document_hash, loaded_at from landing.documents").fetchall())

    one_cell = dict(documents[2], cells={**documents[2]["cells"], next(iter(documents[2]["cells"])): 999})
    one_field = dict(documents[3], agency="改名后的机关")
    one_provenance = dict(documents[0], provenance={**documents[0]["provenance"],
                                                    next(iter(documents[0]["cells"])): {"line": 99}})
    fewer_cells = dict(documents[4], cells=dict(list(documents[4]["cells"].items())[1:]))
    again = [one_provenance, documents[1], one_cell, one_field, fewer_cells, *documents[5:]]
    counts = load_results(path, again)

    changed = {d["sha256"] for d in (one_provenance, one_cell, one_field, fewer_cells)}
    assert counts == {"given": len(again), "loaded": 4, "unchanged": len(again) - 4,
                      "documents_in_warehouse": len(documents)}
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        after = dict(con.execute("select document_hash, loaded_at from landing.documents").fetchall())
        reference = duckdb.connect(":memory:")
        _row_by_row(reference, again, datetime(2026, 1, 1))
        assert _contents(con) == _contents(reference)
    assert {h for h in after if after[h] != loaded_at[h]} == changed
