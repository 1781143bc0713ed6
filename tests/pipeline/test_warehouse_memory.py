"""WAREHOUSE_MEMORY_LIMIT bounds the memory DuckDB takes in dbt's process (DuckDB's own default is 80% of the
machine's memory); past it DuckDB spills to disk."""
from __future__ import annotations

import pytest

from pipeline import steps
from pipeline.config import SettingsError, load_settings


def test_the_limit_is_a_size_or_the_settings_say_which_one_is_wrong(pipeline_env, monkeypatch):
    assert load_settings().warehouse_memory_limit == "512MB"
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "2 GiB")
    assert load_settings().warehouse_memory_limit == "2GiB"
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "lots")
    with pytest.raises(SettingsError, match=r"^WAREHOUSE_MEMORY_LIMIT must be a size such as 512MB"):
        load_settings()


@pytest.mark.integration
def test_dbt_runs_with_the_limit_of_the_settings(pipeline_env, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "300MB")
    settings = load_settings()
    pipeline_env.mkdir(parents=True, exist_ok=True)
    log_file = pipeline_env / "dbt.log"

    steps._run_dbt(settings, log_file,
                   ["show", "--inline", "select current_setting('memory_limit') as memory_limit"])

    assert "286.1 MiB" in log_file.read_text(encoding="utf-8")  # DuckDB's way of writing 300MB
