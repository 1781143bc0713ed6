"""A rerun pays only for what is new: inbox files the ledger knows are not read again, a document is
extracted once per extractor version (unless re-extraction is forced), and a result the warehouse already
holds is not read again; loads go a chunk at a time and give the warehouse one load would."""
from __future__ import annotations

import json
import os
import re
import shutil
from contextlib import closing

import duckdb
import pytest

from pipeline import one_process, steps, storage
from extract.check_catalogue import CHECKS
from pipeline.config import load_settings
from tests.support.paths import DEV_CASES_DIR
from tests.support.pipeline_env import SAMPLES_DIR

SAMPLES = ("qianxinan-gxj-2023.txt", "jinchang-gxj-2023.txt", "wuzhong-gxj-2020.txt")  # zhangshu comes later


@pytest.fixture
def inbox(tmp_path, monkeypatch, pipeline_env):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in SAMPLES:
        shutil.copy(SAMPLES_DIR / name, folder / name)
    monkeypatch.setenv("PIPELINE_INBOX", str(folder))
    monkeypatch.setenv("EXTRACT_BATCH_SIZE", "2")
    monkeypatch.setenv("REVIEW_DECISIONS_PATH", str(tmp_path / "reviews" / "decisions.csv"))
    return folder


def _run_to_landing():
    batches = steps.land_raw_files(steps.discover_documents())
    summaries = [steps.extract_documents(batch) for batch in batches]
    return batches, summaries, steps.load_landing(summaries)


def _warehouse(documents="*"):
    with closing(duckdb.connect(str(load_settings().warehouse_path), read_only=True)) as con:
        return (con.execute(f"select {documents} from landing.documents order by document_hash").fetchall(),
                con.execute("select * from landing.cells order by document_hash, cell_key").fetchall())


def _refuse(what):
    def refused(*args, **kwargs):
        raise AssertionError(f"{what} was called on a rerun with nothing new")
    return refused


def test_a_rerun_with_nothing_new_reads_no_inbox_file_extracts_nothing_and_reads_no_result(inbox, monkeypatch):
    _, _, first = _run_to_landing()
    before = _warehouse()
    monkeypatch.setattr(steps, "read_item", _refuse("read_item"))
    monkeypatch.setattr(steps, "extract_bytes", _refuse("extract_bytes"))

    batches, summaries, second = _run_to_landing()

    assert first["loaded"] == 3 and first["read"] == 3
    assert (second["loaded"], second["read"], second["unchanged"]) == (0, 0, 3)
    assert sorted(o["original_name"] for b in batches for o in b) == sorted(SAMPLES)
    assert all(s["reused"] for batch in summaries for s in batch)
    assert {s["status"] for batch in summaries for s in batch} == {"ok"}
    assert _warehouse() == before  # loaded_at included


def test_only_a_new_or_changed_inbox_file_is_read(inbox, monkeypatch):
    _run_to_landing()
    read = []
    real_read = steps.read_item
    monkeypatch.setattr(steps, "read_item", lambda settings, item: read.append(item.name) or real_read(settings, item))
    shutil.copy(SAMPLES_DIR / "wuzhong-gxj-2020.txt", inbox / "new-copy.txt")
    changed = inbox / "jinchang-gxj-2023.txt"
    changed.write_bytes(changed.read_bytes() + b"\n")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1_000_000_000))

    batches, summaries, loaded = _run_to_landing()

    assert sorted(read) == ["jinchang-gxj-2023.txt", "new-copy.txt"]
    extracted = {s["original_name"] for batch in summaries for s in batch if not s["reused"]}
    assert extracted == {"jinchang-gxj-2023.txt"}  # the copy's content was landed and extracted before
    assert loaded["loaded"] == 1
    assert len(_warehouse()[0]) == 4


def test_the_ledger_forgets_files_that_left_the_inbox(inbox):
    _run_to_landing()
    (inbox / "wuzhong-gxj-2020.txt").unlink()
    steps.land_raw_files(steps.discover_documents())

    store = storage.make_store(load_settings())
    entries = json.loads(store.get(storage.INBOX_LEDGER_KEY))["entries"]
    assert sorted(os.path.basename(e) for e in entries) == ["jinchang-gxj-2023.txt", "qianxinan-gxj-2023.txt"]


def test_forcing_reextraction_extracts_every_document_again_and_changes_no_row(inbox, monkeypatch):
    _run_to_landing()
    before = _warehouse()
    monkeypatch.setenv("PIPELINE_FORCE_REEXTRACT", "true")

    _, summaries, loaded = _run_to_landing()

    assert [s["reused"] for batch in summaries for s in batch] == [False, False, False]
    assert (loaded["read"], loaded["loaded"]) == (3, 0)
    assert _warehouse() == before


def test_a_new_extractor_version_extracts_again_under_its_own_key(inbox, monkeypatch):
    _, first, _ = _run_to_landing()
    monkeypatch.setattr(storage, "extraction_version", lambda: "9.9.9-test")

    _, summaries, loaded = _run_to_landing()

    keys = [s["result_key"] for batch in summaries for s in batch]
    assert not any(s["reused"] for batch in summaries for s in batch)
    assert all(k.startswith("extracted/9.9.9-test/") for k in keys)
    store = storage.make_store(load_settings())
    assert all(store.head(s["result_key"]) for batch in first for s in batch)  # the old version's results stay
    # the rows differ only by where they were read from: every document is reloaded from its new result
    assert loaded["loaded"] == 3
    assert {row[0] for row in _warehouse()[0]} == {s["sha256"] for batch in summaries for s in batch}


def test_the_extraction_version_names_the_declared_version_and_the_parser_code():
    from extract.result import EXTRACTOR_VERSION

    version = storage.extraction_version()
    assert version.startswith(EXTRACTOR_VERSION + "-") and len(version) == len(EXTRACTOR_VERSION) + 13


def test_a_load_in_chunks_of_one_gives_the_warehouse_of_one_load(inbox, monkeypatch, tmp_path):
    _, summaries, _ = _run_to_landing()
    whole = _warehouse("* exclude (loaded_at)")
    monkeypatch.setattr(steps, "LOAD_CHUNK_DOCUMENTS", 1)
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "chunked.duckdb"))

    loaded = steps.load_landing(summaries)

    assert loaded["loaded"] == 3
    assert _warehouse("* exclude (loaded_at)") == whole


def test_an_s3_inbox_object_with_the_same_etag_is_not_read_again(s3_bucket, moto_endpoint, monkeypatch,
                                                                pipeline_env):
    client, bucket = s3_bucket
    for name in SAMPLES[:2]:
        client.put_object(Bucket=bucket, Key=f"inbox/{name}", Body=(SAMPLES_DIR / name).read_bytes())
    monkeypatch.setenv("PIPELINE_INBOX", f"s3://{bucket}/inbox")
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)
    steps.land_raw_files(steps.discover_documents())
    read = []
    real_read = steps.read_item
    monkeypatch.setattr(steps, "read_item", lambda settings, item: read.append(item.name) or real_read(settings, item))
    client.put_object(Bucket=bucket, Key=f"inbox/{SAMPLES[0]}",
                      Body=(SAMPLES_DIR / SAMPLES[0]).read_bytes() + b"\n")  # same size + 1, a new ETag

    batches = steps.land_raw_files(steps.discover_documents())

    assert read == [SAMPLES[0]]
    assert sorted(o["original_name"] for b in batches for o in b) == sorted(SAMPLES[:2])


@pytest.mark.integration
def test_dbt_runs_again_only_when_the_landing_tables_or_the_project_changed(inbox, monkeypatch, tmp_path):
    _run_to_landing()
    # dbt had no parse of the project: it parsed it while the documents were loaded, and the build starts from it
    parse_log = load_settings().log_path / "dbt-parse.log"
    assert "Starting full parse" in parse_log.read_text(encoding="utf-8")
    first = steps.build_warehouse({})
    assert "Unable to do partial parsing" not in (load_settings().log_path / "dbt.log").read_text(encoding="utf-8")
    comments_of_a_full_build = _comments(load_settings().warehouse_path)
    parse_log.unlink()
    _run_to_landing()  # nothing new
    assert not parse_log.exists()  # dbt has its parse: none alongside this load
    second = steps.build_warehouse({})
    shutil.copy(SAMPLES_DIR / "zhangshu-gxj-2023.txt", inbox / "zhangshu-gxj-2023.txt")
    _run_to_landing()
    third = steps.build_warehouse({})

    assert (first["skipped"], second["skipped"], third["skipped"]) == (False, True, False)
    # the YAML descriptions are the comments of the tables a data-only build made again, as of a full build's
    # (dbt_project/macros/persist_docs.sql)
    comments = _comments(load_settings().warehouse_path)
    assert comments == comments_of_a_full_build
    assert comments[("marts", "fct_review_litigation", None)].startswith("表四 long")
    assert "行政复议" in comments[("marts", "fct_review_litigation", "proceeding_label_zh")]
    assert len([key for key in comments if key[0] == "marts" and key[2] is not None]) > 100
    assert (first["seeds_loaded"], third["seeds_loaded"]) == (True, False)
    with closing(duckdb.connect(str(load_settings().warehouse_path), read_only=True)) as con:
        assert con.execute("select count(*) from marts.fct_reports").fetchone() == (4,)
        assert con.execute("select count(*) from reference.check_catalogue").fetchone()[0] > 0
    # new data only: the 14 tables (not the 10 views) and the data tests on sources, staging models and marts,
    # no seed loaded or tested again (41 data tests less the 11 on seeds alone and the 13 on intermediate
    # models; a test joining a mart to a seed still runs), never the unit tests (make test's)
    assert _dbt_nodes_built() == {"model": 14, "test": 17}
    build_log = (load_settings().log_path / "dbt.log").read_text(encoding="utf-8").split("$ dbt build")[1]
    for ran in ("OK created sql table model intermediate.int_report_cells ",
                "PASS column_rules_fct_check_results_",  # its references include the seed check_catalogue
                "PASS column_rules_stg_cells_",
                "PASS source_column_rules_landing_cells_",
                "PASS assert_printed_counts_are_whole_numbers "):
        assert ran in build_log
    for skipped in ("column_rules_check_catalogue_", "view model staging.stg_cells",
                    "column_rules_int_report_cells_", "assert_every_catalogued_check_is_computed"):
        assert skipped not in build_log
    project = tmp_path / "dbt_project"
    shutil.copytree(load_settings().dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "models" / "marts" / "fct_reports.sql").write_text(
        (project / "models" / "marts" / "fct_reports.sql").read_text(encoding="utf-8") + "\n-- a changed model\n",
        encoding="utf-8")
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))
    changed = steps.build_warehouse({})
    assert (changed["skipped"], changed["seeds_loaded"]) == (False, True)
    assert _dbt_nodes_built() == {"model": 24, "test": 41, "seed": 10}


def _comments(warehouse) -> dict[tuple[str, str, str | None], str]:
    """The comment of every table and column of the models' schemas: (schema, table, column or None) → text."""
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        rows = con.execute("select schema_name, table_name, null, comment from duckdb_tables() "
                           "where comment is not null and comment <> '' union all "
                           "select schema_name, table_name, column_name, comment from duckdb_columns() "
                           "where comment is not null and comment <> ''").fetchall()
    return {(schema, table, column): text for schema, table, column, text in rows
            if schema in ("staging", "intermediate", "marts", "reference")}


def _document_cells(warehouse) -> list[tuple]:
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return con.execute("select * from intermediate.int_document_cells order by all").fetchall()


def _document_cells_computed_again(tmp_path) -> list[tuple]:
    """int_document_cells as a full refresh computes it from the warehouse's landing tables (on a copy)."""
    from tests.support.warehouse import run_dbt

    copy = tmp_path / "full-refresh" / "warehouse.duckdb"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(load_settings().warehouse_path, copy)
    refreshed = run_dbt(copy, "run", "--select", "int_document_cells", "--full-refresh")
    assert refreshed.returncode == 0, refreshed.stdout[-2000:]
    return _document_cells(copy)


@pytest.mark.integration
def test_an_incremental_build_gives_the_document_cells_a_full_refresh_gives(inbox, monkeypatch, tmp_path):
    corrections = tmp_path / "reviews" / "corrections.csv"
    corrections.parent.mkdir(exist_ok=True)
    monkeypatch.setenv("REVIEW_CORRECTIONS_PATH", str(corrections))
    _run_to_landing()
    steps.build_warehouse({})
    warehouse = load_settings().warehouse_path
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        corrected, cell_key = con.execute("select document_hash, min(cell_key) from landing.cells "
                                          "group by 1 order by 1 limit 1").fetchone()
    shutil.copy(SAMPLES_DIR / "zhangshu-gxj-2023.txt", inbox / "zhangshu-gxj-2023.txt")  # a new document
    corrections.write_text(f"document_hash,key,value\n{corrected},{cell_key},12345\n", encoding="utf-8")
    _run_to_landing()
    steps.load_corrections({})
    steps.build_warehouse({})

    assert _dbt_nodes_built()["model"] == 14  # a data-only build: int_document_cells incremental
    assert "OK created sql incremental model intermediate.int_document_cells" in (
        load_settings().log_path / "dbt.log").read_text(encoding="utf-8")
    after_new = _document_cells(warehouse)
    assert (corrected, cell_key, 12345.0, "corrected") in {row[:2] + (row[5], row[6]) for row in after_new}
    assert len({row[0] for row in after_new}) == 4
    assert after_new == _document_cells_computed_again(tmp_path)

    corrections.write_text("document_hash,key,value\n", encoding="utf-8")  # the correction withdrawn
    steps.load_corrections({})
    steps.build_warehouse({})
    withdrawn = _document_cells(warehouse)
    assert not any(row[6] == "corrected" for row in withdrawn)
    assert withdrawn == _document_cells_computed_again(tmp_path)


@pytest.mark.integration
def test_a_run_in_one_process_starts_dbt_when_a_new_document_lands_and_builds_in_it(inbox):
    settings = load_settings()
    with one_process.steps_in_one_process(settings) as run:
        batches = steps.land_raw_files(steps.discover_documents())
        assert run.dbt.started  # by the first new document landed, before anything is extracted
        loaded = steps.load_landing([steps.extract_documents(batch) for batch in batches])
        built = steps.build_warehouse(loaded)
        process = run.dbt.process
        remembered = run.checked_warehouse_key
        # what validate_checks will need before it reads a row, set up while dbt built
        prepared = run.prepared_checkpoint.result(timeout=300)
    assert (built["skipped"], built["seeds_loaded"]) == (False, True)
    assert process.returncode == 0  # the build ran in it: nothing was left to stop
    # the steps after the build took the checked warehouse's key from the run: the one read from the warehouse
    assert remembered is not None and remembered == steps.checked_warehouse_key(settings)
    assert prepared.is_for(settings.gx_context_path, settings.data_docs_path)
    assert prepared.checkpoint.name == "check_results" and \
        sorted(suite.name for suite in prepared.context.suites.all()) == sorted(check.code for check in CHECKS)
    log_text = (settings.log_path / "dbt.log").read_text(encoding="utf-8")
    # the process parsed the project and loaded the seeds (a new warehouse: a full build) while the documents
    # were landed, extracted and loaded; the build and the docs ran on that parse, without the seeds, and no
    # second parse ran alongside the load
    assert log_text.startswith("$ dbt parse (while the run's earlier steps work)\n")
    parse, seeds, build = log_text.split("$ dbt build")
    assert "Starting full parse" in parse and "parse" not in (seeds + build).lower().replace("--no-compile", "")
    assert seeds.startswith(" --select resource_type:seed path:seeds --indirect-selection=cautious")
    assert "$ seeds loaded early: yes\n" in seeds and "Completed successfully" in seeds
    assert build.startswith(" --exclude-resource-type=unit_test --full-refresh --exclude resource_type:seed")
    assert log_text.index("$ dbt build --exclude") < log_text.index("$ dbt docs generate")
    # the docs are made from the manifest.json the build writes
    assert "--no-write-json" not in build.splitlines()[0]
    # the seeds and the 11 tests on them alone ran early; the build kept the tests joining a model to a seed
    assert _dbt_nodes_built() == {"model": 24, "test": 30}
    assert not (settings.log_path / "dbt-parse.log").exists()
    with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
        assert con.execute("select count(*) from marts.fct_reports").fetchone() == (3,)
        assert con.execute("select count(*) from reference.check_catalogue").fetchone() == (len(CHECKS),)

    with one_process.steps_in_one_process(settings) as run:  # nothing new: no dbt process is started, dbt does not run
        _run_to_landing()
        again = steps.build_warehouse({})
        assert not run.dbt.started
        assert run.checked_warehouse_key == remembered  # the marts kept are those checked
        steps.load_corrections({})
        assert run.checked_warehouse_key is None  # landing rows written: the next step reads the warehouse again
    assert again["skipped"]

    shutil.copy(SAMPLES_DIR / "zhangshu-gxj-2023.txt", inbox / "zhangshu-gxj-2023.txt")
    with one_process.steps_in_one_process(settings) as run:  # a new document, the same project: data only
        _run_to_landing()
        assert run.dbt.started and run.dbt.seeds_for is None
        added = steps.build_warehouse({})
    assert (added["skipped"], added["seeds_loaded"]) == (False, False)
    log_text = (settings.log_path / "dbt.log").read_text(encoding="utf-8")
    assert "seeds loaded early" not in log_text and log_text.count("$ dbt build") == 1
    assert _dbt_nodes_built() == {"model": 14, "test": 17}
    # nothing reads the JSON artefacts of a build whose docs are not made again: they are not written
    assert log_text.split("$ dbt build")[1].splitlines()[0].endswith(" --no-write-json")


@pytest.mark.integration
def test_a_dbt_process_started_early_and_never_needed_is_stopped_with_the_run(inbox):
    settings = load_settings()
    with one_process.steps_in_one_process(settings) as run:
        steps.land_raw_files(steps.discover_documents())
        process = run.dbt.process
        assert process is not None and process.poll() is None  # waiting for commands that never come
    assert process.returncode is not None
    assert one_process.current(settings) is None
    # outside such a run nothing starts early: an Airflow task's process ends with its task
    shutil.copy(SAMPLES_DIR / "zhangshu-gxj-2023.txt", inbox / "zhangshu-gxj-2023.txt")
    _run_to_landing()
    assert one_process._RUNS == {}


def test_results_landed_alongside_extraction_give_the_warehouse_the_load_step_gives(inbox, monkeypatch, tmp_path):
    shutil.copy(SAMPLES_DIR / "zhangshu-gxj-2023.txt", inbox / "zhangshu-gxj-2023.txt")
    monkeypatch.setattr(one_process, "LOAD_CHUNK_DOCUMENTS", 3)  # 4 documents in batches of 2: one chunk of 3
    alone = _run_to_landing()[2]
    whole = _warehouse("* exclude (loaded_at, arrived_at)")  # arrival: when each var's landing saw the file
    monkeypatch.setenv("PIPELINE_VAR_PATH", str(tmp_path / "var-in-one-process"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "var-in-one-process" / "warehouse.duckdb"))
    monkeypatch.setenv("OBJECT_STORE_PATH", str(tmp_path / "var-in-one-process" / "object-store"))
    settings = load_settings()

    with one_process.steps_in_one_process(settings) as run:
        batches = steps.land_raw_files(steps.discover_documents())
        summaries = [steps.extract_documents(batch) for batch in batches]
        loader = run.load.process
        assert loader is not None and [len(run.load.waiting)] == [1]  # 3 sent alongside, the 4th left to the step
        loaded = steps.load_landing(summaries)

    assert loader.returncode == 0
    assert _warehouse("* exclude (loaded_at, arrived_at)") == whole
    assert {k: loaded[k] for k in ("given", "loaded", "unchanged", "read", "documents_in_warehouse")} == \
        {k: alone[k] for k in ("given", "loaded", "unchanged", "read", "documents_in_warehouse")} == \
        {"given": 4, "loaded": 4, "unchanged": 0, "read": 4, "documents_in_warehouse": 4}


def _dbt_nodes_built() -> dict[str, int]:
    """The kinds of dbt nodes the last `dbt build` of the last build step ran (after the seeds', when a dbt
    process started early loaded them), counted from its log (dbt prints one line per node:
    `OK created sql table model marts.fct_reports`, `PASS unique_...`, `OK loaded seed file ...`; a unit test's
    line names `model::test`)."""
    log_text = (load_settings().log_path / "dbt.log").read_text(encoding="utf-8")
    build = log_text.split("$ dbt build")[-1].split("$ dbt docs")[0]
    kinds = {"model": len(re.findall(r"\bOK created sql \w+ model ", build)),
             "test": len(re.findall(r"\bPASS (?!\S+::)\S+ ", build)),
             "seed": len(re.findall(r"\bOK loaded seed file ", build)),
             "unit_test": len(re.findall(r"\bPASS \S+::\S+ ", build))}
    return {kind: count for kind, count in kinds.items() if count}


FLAGGED = "pingtan-gov-2022.txt"  # a real report whose text and tables disagree: it has findings


@pytest.fixture
def flagged_inbox(inbox):
    shutil.copy(DEV_CASES_DIR / "pingtan-gov-2022" / "source.txt", inbox / FLAGGED)
    return inbox


def _checks_stage():
    return steps.validate_checks(steps.build_warehouse({})), steps.record_findings({"run_name": "incremental"})


def _data_docs_files():
    root = load_settings().data_docs_path
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def _findings_now(*without):
    from pipeline import findings

    with closing(findings.open_findings_db(load_settings().findings_db_path, None)) as con:
        return [{k: v for k, v in f.items() if k not in without} for f in findings.all_findings(con)]


@pytest.mark.integration
def test_checks_run_again_only_when_the_warehouse_changed_and_decisions_are_always_reloaded(flagged_inbox):
    from pipeline import findings

    _run_to_landing()
    first_validation, first_findings = _checks_stage()
    docs_before, findings_before = _data_docs_files(), _findings_now("last_seen")
    assert findings_before, "the samples give findings to decide on"

    _run_to_landing()  # nothing new
    second_validation, second_findings = _checks_stage()

    assert (first_validation["skipped"], second_validation["skipped"]) == (False, True)
    assert {k: v for k, v in second_validation.items() if k != "skipped"} == \
        {k: v for k, v in first_validation.items() if k != "skipped"}
    assert _data_docs_files() == docs_before  # no page rewritten
    assert (first_findings["merged"], second_findings["merged"]) == (True, False)
    assert {k: second_findings[k] for k in ("new", "reopened", "resolved", "open", "total")} == \
        {"new": 0, "reopened": 0, "resolved": 0, "open": first_findings["open"], "total": first_findings["total"]}
    assert _findings_now("last_seen") == findings_before

    dismissed = findings_before[0]["fingerprint"]
    findings.write_decision(load_settings().review_decisions_path,
                            findings.Decision(dismissed, "dismissed", "a known misprint", "tester", "2026-12-02"))
    third_validation, third_findings = _checks_stage()

    assert third_validation["skipped"] is True and third_findings["merged"] is False
    assert third_findings["decisions"] == 1
    decided = {f["fingerprint"]: (f["decision"], f["decision_note"], f["needs_alert"]) for f in _findings_now()}
    assert decided[dismissed] == ("dismissed", "a known misprint", False)
    assert all(d[0] is None for fp, d in decided.items() if fp != dismissed)

    shutil.copy(SAMPLES_DIR / "zhangshu-gxj-2023.txt", flagged_inbox / "zhangshu-gxj-2023.txt")
    _run_to_landing()
    fourth_validation, fourth_findings = _checks_stage()

    assert fourth_validation["skipped"] is False and fourth_findings["merged"] is True
    assert sum(c["evaluated"] + c["not_evaluated"] for c in fourth_validation["counts"].values()) > \
        sum(c["evaluated"] + c["not_evaluated"] for c in first_validation["counts"].values())
    assert _data_docs_files() != docs_before
    assert {f["fingerprint"]: f["decision"] for f in _findings_now()}[dismissed] == "dismissed"


@pytest.mark.integration
def test_findings_resolve_and_reopen_as_the_check_results_change_after_a_skipped_merge(flagged_inbox):
    """After a skipped merge the history's states stay right: a report leaving the warehouse resolves its
    findings, and coming back reopens them."""
    _run_to_landing()
    _checks_stage()
    assert _checks_stage()[1]["merged"] is False
    with closing(duckdb.connect(str(load_settings().warehouse_path), read_only=True)) as con:
        [flagged_hash] = con.execute("select document_hash from landing.documents where original_name = ?",
                                     [FLAGGED]).fetchone()
    flagged = {f["fingerprint"] for f in _findings_now() if f["document_hash"] == flagged_hash}
    assert flagged, "the flagged report has findings"

    with closing(duckdb.connect(str(load_settings().warehouse_path))) as con:
        con.execute("delete from landing.cells where document_hash = ?", [flagged_hash])
        con.execute("delete from landing.documents where document_hash = ?", [flagged_hash])
    validation, resolved = _checks_stage()

    assert validation["skipped"] is False and resolved["merged"] is True
    assert (resolved["resolved"], resolved["open"]) == (len(flagged), 0)
    assert {f["fingerprint"]: f["status"] for f in _findings_now() if f["fingerprint"] in flagged} == \
        dict.fromkeys(flagged, "resolved")

    _, _, loaded = _run_to_landing()  # the stored result is loaded again: the warehouse no longer holds it
    validation, reopened = _checks_stage()

    assert loaded["loaded"] == 1
    assert validation["skipped"] is False and reopened["merged"] is True
    assert (reopened["reopened"], reopened["open"]) == (len(flagged), len(flagged))
    assert {f["fingerprint"]: (f["status"], f["times_reopened"]) for f in _findings_now()
            if f["fingerprint"] in flagged} == dict.fromkeys(flagged, ("open", 1))


def _publications():
    return (steps.publish_quality_report(steps.notify_maintainers({"run_name": "incremental"})),
            steps.publish_snapshot({}))


def _published_files():
    settings = load_settings()
    files = [settings.quality_report_path, *settings.publish_path.resolve().rglob("*")]
    return {str(p): p.stat().st_mtime_ns for p in files if p.is_file()}


def _published_findings():
    with closing(duckdb.connect()) as con:
        return dict(con.execute("select fingerprint, decision_note from read_parquet(?)",
                                [str(load_settings().publish_path / "fct_findings.parquet")]).fetchall())


@pytest.mark.integration
def test_the_quality_report_and_the_snapshot_are_published_again_only_when_their_inputs_changed(flagged_inbox):
    from pipeline import findings

    _run_to_landing()
    _checks_stage()
    first_report, first_snapshot = _publications()
    files_before = _published_files()
    published = _published_findings()
    assert published and set(published.values()) == {None}, "the flagged report has findings, none decided"

    _run_to_landing()  # nothing new: every input as it was, last_seen aside
    assert _checks_stage()[1]["merged"] is False
    second_report, second_snapshot = _publications()

    assert (first_report["skipped"], first_snapshot["skipped"]) == (False, False)
    assert (second_report["skipped"], second_snapshot["skipped"]) == (True, True)
    assert {**second_report, "skipped": False} == first_report
    assert {**second_snapshot, "skipped": False} == first_snapshot
    assert _published_files() == files_before  # not one file rewritten

    dismissed = sorted(published)[0]
    findings.write_decision(load_settings().review_decisions_path,
                            findings.Decision(dismissed, "dismissed", "a known misprint", "tester", "2026-12-02"))
    _checks_stage()  # the decisions are reloaded: the findings' state changed
    third_report, third_snapshot = _publications()

    assert (third_report["skipped"], third_snapshot["skipped"]) == (False, False)
    assert third_snapshot["snapshot_id"] != first_snapshot["snapshot_id"]
    assert _published_findings()[dismissed] == "a known misprint"
    report = load_settings().quality_report_path.read_text(encoding="utf-8")
    assert f'<tr id="finding-{dismissed}" class="dismissed">' in report and "dismissed: a known misprint" in report

    # a published file changed by hand (or lost) is written again, though every input is the same
    load_settings().quality_report_path.write_text("edited", encoding="utf-8")
    (load_settings().publish_path / "fct_findings.parquet").unlink()
    fourth_report, fourth_snapshot = _publications()

    assert (fourth_report["skipped"], fourth_snapshot["skipped"]) == (False, False)
    assert "dismissed: a known misprint" in load_settings().quality_report_path.read_text(encoding="utf-8")
    assert _published_findings()[dismissed] == "a known misprint"
    assert [r["skipped"] for r in _publications()] == [True, True]
