"""The snapshot BI tools read (pipeline/publish.py): one Parquet file per mart and reference table and a DuckDB
catalog of views that DuckDB 1.x opens, swapped in atomically; a BI connection (duckdb-engine, as Superset
makes it) held open while a run writes the warehouse and publishes again blocks nothing."""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from pipeline import publish, steps, storage
from pipeline.config import load_settings
from pipeline.landing import load_results
from tests.support.check_cases import shared_warehouse
from tests.support.warehouse import failed_document, landed, query

ISSUE_FILES = ("fct_reports", "fct_application_outcomes", "fct_proactive_disclosure", "fct_review_litigation",
               "fct_identity_checks", "dim_agency")
REFERENCE_TABLES = ("t2_rows", "t2_columns", "t3_rows", "t3_columns", "t4_rows", "t4_columns", "check_catalogue")
# the storage version number DuckDB 0.10 to 1.x read and write (DuckDB 2.0 writes a newer one by default)
DUCKDB_1X_STORAGE_NUMBER = 64


def _warehouse_counts(warehouse: Path) -> dict[str, int]:
    tables = query(warehouse, "select schema_name, table_name from duckdb_tables() "
                              "where schema_name in ('marts', 'reference')")
    return {name: query(warehouse, f'select count(*) from "{schema}"."{name}"')[0][0] for schema, name in tables}


def _storage_number(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return struct.unpack("<Q", header[12:20])[0]


@pytest.fixture(scope="module")
def warehouse():
    return shared_warehouse()[0]


@pytest.fixture
def smaller_warehouse(warehouse, tmp_path):
    """The next run's warehouse: the same marts less one row of fct_reports."""
    copy = tmp_path / "next" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(warehouse, copy)
    with closing(duckdb.connect(str(copy))) as con:
        removed = con.execute("delete from marts.fct_reports "
                              "where document_hash = (select max(document_hash) from marts.fct_reports)").fetchone()[0]
    assert removed == 1
    return copy


def test_every_mart_and_reference_table_is_one_parquet_file_with_the_warehouse_rows(warehouse, tmp_path):
    publish_path = tmp_path / "publish"
    snapshot = publish.publish_snapshot(warehouse, publish_path)

    counts = _warehouse_counts(warehouse)
    assert set(ISSUE_FILES + REFERENCE_TABLES) <= set(counts)
    assert publish_path.is_symlink() and publish_path.resolve() == snapshot.directory
    published = {p.stem: p for p in publish_path.glob("*.parquet")}
    assert set(published) == set(counts)
    with closing(duckdb.connect()) as con:
        for name, path in published.items():
            assert con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0] == counts[name], name
        # counts are integers and the labels are the printed ones, as a chart shows them
        types = dict(con.execute("select column_name, column_type from (describe select * from read_parquet(?))",
                                 [str(published["fct_application_outcomes"])]).fetchall())
        assert types["application_count"] == "BIGINT"
        labels = con.execute("select distinct proceeding, proceeding_label_zh from read_parquet(?) order by 1",
                             [str(published["fct_review_litigation"])]).fetchall()
    assert ("reconsideration", "行政复议") in labels
    manifest = json.loads((publish_path / publish.MANIFEST_NAME).read_text(encoding="utf-8"))
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == counts
    assert snapshot.to_dict()["tables"] == counts


def test_the_catalog_is_written_in_the_storage_format_duckdb_1x_reads_and_keeps_the_column_comments(warehouse,
                                                                                                 tmp_path):
    publish_path = tmp_path / "publish"
    publish.publish_snapshot(warehouse, publish_path)
    catalog = publish_path / publish.CATALOG_NAME

    assert _storage_number(catalog) == DUCKDB_1X_STORAGE_NUMBER
    with closing(duckdb.connect(str(catalog), read_only=True)) as con:
        assert con.execute("select count(*) from marts.fct_reports").fetchone()[0] == \
            _warehouse_counts(warehouse)["fct_reports"]
        comment = con.execute("select comment from duckdb_columns() where schema_name = 'marts' and table_name = "
                              "'fct_review_litigation' and column_name = 'proceeding_label_zh'").fetchone()[0]
        views = {name for (name,) in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert "行政复议" in comment
    assert set(ISSUE_FILES) <= views


BI_READER = """
import sys
from sqlalchemy import create_engine, text

engine = create_engine("duckdb:///" + sys.argv[1], connect_args={"read_only": True})
with engine.connect() as connection:
    count = lambda: connection.execute(text("select count(*) from marts.fct_reports")).scalar_one()
    print("before", count(), flush=True)
    sys.stdin.readline()  # held open while the test runs the pipeline
    print("during", count(), flush=True)
with engine.connect() as connection:
    print("reconnected", connection.execute(text("select count(*) from marts.fct_reports")).scalar_one(), flush=True)
"""


def test_a_superset_connection_held_open_during_a_run_blocks_neither_the_load_nor_the_publication(
        warehouse, smaller_warehouse, pipeline_env, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_PATH", str(smaller_warehouse))
    settings = load_settings()
    assert settings.publish_path == pipeline_env / "publish"
    before = publish.publish_snapshot(warehouse, settings.publish_path)
    rows_before = before.to_dict()["tables"]["fct_reports"]
    rows_after = _warehouse_counts(smaller_warehouse)["fct_reports"]
    assert rows_after < rows_before

    reader = subprocess.Popen([sys.executable, "-c", BI_READER, str(settings.publish_path / publish.CATALOG_NAME)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().split() == ["before", str(rows_before)]
        # the run, with the reader connected: the load writes the warehouse (a reader of the warehouse itself
        # would make it wait and fail), then the step publishes the new snapshot
        counts = load_results(smaller_warehouse, landed([failed_document("late-scan.pdf")]), lock_timeout_seconds=1.5)
        assert counts["loaded"] == 1
        outcome = steps.publish_snapshot(None, settings)
        reader.stdin.write("go\n")
        reader.stdin.flush()
        during = reader.stdout.readline().split()
        reconnected = reader.stdout.readline().split()
    finally:
        reader.stdin.close()
        assert reader.wait(timeout=60) == 0
    assert outcome["tables"]["fct_reports"] == rows_after
    assert outcome["snapshot_id"] != before.snapshot_id
    # the open connection's views read through PUBLISH_PATH: it sees the new snapshot without reconnecting
    assert during == ["during", str(rows_after)]
    assert reconnected == ["reconnected", str(rows_after)]


def test_a_reader_sees_the_previous_snapshot_or_the_next_never_half_of_one(warehouse, smaller_warehouse, tmp_path):
    publish_path = tmp_path / "publish"
    publish.publish_snapshot(warehouse, publish_path)
    expected = {_warehouse_counts(warehouse)["fct_reports"], _warehouse_counts(smaller_warehouse)["fct_reports"]}
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_while_publishing():
        with closing(duckdb.connect()) as con:
            while not stop.is_set():
                try:
                    seen.append(con.execute("select count(*) from read_parquet(?)",
                                            [str(publish_path / "fct_reports.parquet")]).fetchone()[0])
                except BaseException as error:  # noqa: BLE001 - any failure to read is what the test looks for
                    errors.append(error)

    reader = threading.Thread(target=read_while_publishing)
    reader.start()
    try:
        for source in (smaller_warehouse, warehouse, smaller_warehouse, warehouse):
            publish.publish_snapshot(source, publish_path)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert errors == []
    assert len(seen) > 4 and set(seen) <= expected
    # the last SNAPSHOTS_KEPT snapshots stay (readers of an older one keep their open files), older ones go
    kept = [p for p in publish.snapshots_root(publish_path).iterdir()]
    assert len(kept) == publish.SNAPSHOTS_KEPT
    assert publish_path.resolve() in [p.resolve() for p in kept]


def _catalog_count(publish_path: Path, sql: str):
    with closing(duckdb.connect(str(publish_path / publish.CATALOG_NAME), read_only=True)) as con:
        return con.execute(sql).fetchall()


def test_a_snapshot_whose_tables_kept_their_shape_copies_the_published_catalog_and_reads_its_own_files(
        warehouse, smaller_warehouse, tmp_path, monkeypatch):
    publish_path = tmp_path / "publish"
    first = publish.publish_snapshot(warehouse, publish_path)
    written = []
    monkeypatch.setattr(publish, "write_catalog", lambda path, *a: written.append(path))

    second = publish.publish_snapshot(smaller_warehouse, publish_path)

    assert written == []  # the catalog was copied, not written (once before the swap, once after)
    assert second.directory != first.directory
    assert (second.directory / publish.CATALOG_NAME).read_bytes() == (first.directory / publish.CATALOG_NAME).read_bytes()
    # its views read PUBLISH_PATH, now the new snapshot: the smaller warehouse's rows
    assert _catalog_count(publish_path, "select count(*) from marts.fct_reports") == \
        [(_warehouse_counts(smaller_warehouse)["fct_reports"],)]


def test_a_snapshot_whose_tables_changed_shape_or_whose_published_catalog_lacks_a_view_writes_its_own(
        warehouse, smaller_warehouse, tmp_path):
    publish_path = tmp_path / "publish"
    publish.publish_snapshot(warehouse, publish_path)
    with closing(duckdb.connect(str(smaller_warehouse))) as con:
        con.execute("alter table marts.dim_agency add column region varchar default '华东'")
    publish.publish_snapshot(smaller_warehouse, publish_path)
    assert _catalog_count(publish_path, "select distinct region from marts.dim_agency") == [("华东",)]

    # as a run that died between its swap and its second catalog leaves it: one view short
    catalog = publish_path.resolve() / publish.CATALOG_NAME
    with closing(duckdb.connect(str(catalog))) as con:
        con.execute("drop view marts.fct_reports")
    publish.publish_snapshot(smaller_warehouse, publish_path)
    assert _catalog_count(publish_path, "select count(*) from marts.fct_reports") == \
        [(_warehouse_counts(smaller_warehouse)["fct_reports"],)]


def test_a_folder_at_publish_path_is_moved_aside_not_mixed_into_the_snapshot(warehouse, tmp_path):
    publish_path = tmp_path / "publish"
    publish_path.mkdir()
    (publish_path / "made-by-hand.txt").write_text("x", encoding="utf-8")

    publish.publish_snapshot(warehouse, publish_path)

    assert publish_path.is_symlink() and not (publish_path / "made-by-hand.txt").exists()
    adopted = [p for p in publish.snapshots_root(publish_path).iterdir() if p.name.startswith("adopted-")]
    assert [p.name for p in adopted[0].iterdir()] == ["made-by-hand.txt"]


def test_with_s3_the_files_also_go_under_the_publish_prefix(warehouse, pipeline_env, s3_bucket, moto_endpoint,
                                                           monkeypatch):
    client, bucket = s3_bucket
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("S3_BUCKET", bucket)
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)
    settings = load_settings()

    outcome = steps.publish_snapshot(None, settings)

    store = storage.make_store(settings)
    assert set(outcome["uploaded"]) == {f"publish/{name}.parquet" for name in outcome["tables"]} | {"publish/manifest.json"}
    manifest = json.loads(store.get("publish/manifest.json"))
    assert manifest["snapshot_id"] == outcome["snapshot_id"]
    assert store.get("publish/fct_reports.parquet") == (settings.publish_path / "fct_reports.parquet").read_bytes()
