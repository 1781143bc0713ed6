"""WAREHOUSE_MEMORY_LIMIT bounds the memory DuckDB takes in dbt's process (DuckDB's own default is 80% of the
machine's memory); past it DuckDB spills to disk. The pipeline's own process (findings, quality report, snapshot
export) gives DuckDB half of it, and the snapshot export lets go of what it cached after each large table."""
from __future__ import annotations

import pytest

import duckdb

from pipeline import findings, publish, steps
from pipeline.config import SettingsError, half_memory_size, load_settings


def test_the_limit_is_a_size_or_the_settings_say_which_one_is_wrong(pipeline_env, monkeypatch):
    assert load_settings().warehouse_memory_limit == "512MB"
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "2 GiB")
    assert load_settings().warehouse_memory_limit == "2GiB"
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "lots")
    with pytest.raises(SettingsError, match=r"^WAREHOUSE_MEMORY_LIMIT must be a size such as 512MB"):
        load_settings()


def test_the_run_process_gives_duckdb_half_the_limit(pipeline_env, monkeypatch):
    assert [half_memory_size(size) for size in ("512MB", "1.5GiB", "3GB")] == ["256MB", "0.75GiB", "1.5GB"]
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "600MB")
    settings = load_settings()
    assert settings.in_process_memory_limit == "300MB"

    with findings.open_findings_db(settings.findings_db_path, None, settings.in_process_memory_limit) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("286.1 MiB",)


def test_dropping_the_cached_blocks_of_an_export_evicts_them_and_keeps_the_limit(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table numbers as select range as n, md5(range::varchar) as label from range(3000000)")
    with duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": "300MB"}) as con:
        con.execute(f"copy (select * from numbers) to '{tmp_path / 'numbers.parquet'}' (format parquet)")
        cached = con.execute("select sum(memory_usage_bytes) from duckdb_memory()").fetchone()[0]
        publish._drop_cached_blocks(con, "300MB")
        left = con.execute("select sum(memory_usage_bytes) from duckdb_memory()").fetchone()[0]
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert cached > 40 * 2**20 and left <= 16 * 2**20
    assert limit == "286.1 MiB"


@pytest.mark.integration
def test_dbt_runs_with_the_limit_of_the_settings(pipeline_env, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "300MB")
    settings = load_settings()
    pipeline_env.mkdir(parents=True, exist_ok=True)
    log_file = pipeline_env / "dbt.log"

    steps._run_dbt(settings, log_file,
                   ["show", "--inline", "select current_setting('memory_limit') as memory_limit"])

    assert "286.1 MiB" in log_file.read_text(encoding="utf-8")  # DuckDB's way of writing 300MB
