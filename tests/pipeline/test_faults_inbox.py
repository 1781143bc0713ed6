"""Inboxes as they really are, on real files on disk: a GBK file name from a Windows zip, symlinks leading
out of the inbox, bidi and control characters in names, folders, FIFOs and dotfiles; and one pipeline command
at a time."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import closing

import duckdb
import pytest

from pipeline import steps, storage
from pipeline.__main__ import EXIT_ANOTHER_RUN, main, one_run_at_a_time
from pipeline.config import load_settings
from pipeline.summary import summary
from tests.support.paths import ROOT
from tests.support.pipeline_env import SAMPLES_DIR

SAMPLE = "qianxinan-gxj-2023.txt"
GBK_NAME = "黔西南州工信局2023年报.txt"


@pytest.fixture
def inbox(tmp_path, monkeypatch, pipeline_env):
    folder = tmp_path / "inbox"
    folder.mkdir()
    monkeypatch.setenv("PIPELINE_INBOX", str(folder))
    return folder


def _landed_names():
    with closing(duckdb.connect(str(load_settings().warehouse_path), read_only=True)) as con:
        return [name for (name,) in con.execute("select original_name from landing.documents order by 1").fetchall()]


def _run_to_landing():
    items = steps.discover_documents()
    json.dumps(items, ensure_ascii=False).encode("utf-8")  # what XCom must carry: printable, encodable text
    batches = steps.land_raw_files(items)
    summaries = [steps.extract_documents(batch) for batch in batches]
    return batches, summaries, steps.load_landing(summaries)


def test_a_gbk_file_name_lands_decoded_with_its_original_bytes_recorded(inbox):
    raw_name = GBK_NAME.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw_name.decode("utf-8")
    with open(os.fsencode(inbox) + b"/" + raw_name, "wb") as fh:
        fh.write((SAMPLES_DIR / SAMPLE).read_bytes())

    batches, summaries, loaded = _run_to_landing()

    (landed,) = batches[0]
    assert landed["original_name"] == GBK_NAME
    store = storage.make_store(load_settings())
    assert bytes.fromhex(store.head(landed["key"])["original_name_bytes_hex"]) == raw_name
    assert summaries[0][0]["status"] == "ok"
    assert _landed_names() == [GBK_NAME]


def test_a_name_that_is_no_known_encoding_lands_with_replacement_characters(inbox):
    raw_name = b"report-\xff\xfe\x80.txt"
    with open(os.fsencode(inbox) + b"/" + raw_name, "wb") as fh:
        fh.write((SAMPLES_DIR / SAMPLE).read_bytes())

    batches, _, _ = _run_to_landing()

    assert batches[0][0]["original_name"] == "report-\ufffd\ufffd\ufffd.txt"
    assert bytes.fromhex(storage.make_store(load_settings()).head(batches[0][0]["key"])["original_name_bytes_hex"]) \
        == raw_name


def test_symlinks_out_of_the_inbox_are_skipped_and_listed_and_one_inside_is_followed(inbox, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes((SAMPLES_DIR / "jinchang-gxj-2023.txt").read_bytes())
    (inbox / "leak.txt").symlink_to(secret)
    (inbox / "dangling.txt").symlink_to(inbox / "removed.txt")
    shutil.copy(SAMPLES_DIR / SAMPLE, inbox / SAMPLE)
    (inbox / "alias.txt").symlink_to(inbox / SAMPLE)

    batches, _, _ = _run_to_landing()

    assert [o["original_name"] for b in batches for o in b] == ["alias.txt"]  # the same content as SAMPLE
    lines = summary(load_settings()).splitlines()
    assert "inbox entries skipped: 2" in lines
    assert "  leak.txt: symlink leading out of the inbox" in lines
    assert any(line.startswith("  dangling.txt: cannot be read") for line in lines)
    store = storage.make_store(load_settings())
    assert not any(store.head(k)["original_name"] == "leak.txt" for k in store.list(storage.RAW_PREFIX))


def test_folders_fifos_and_dotfiles_are_listed_as_skipped_not_dropped(inbox):
    shutil.copy(SAMPLES_DIR / SAMPLE, inbox / SAMPLE)
    (inbox / "gold").mkdir()
    (inbox / ".DS_Store").write_bytes(b"\x00\x00")
    os.mkfifo(inbox / "pipe.txt")

    _run_to_landing()

    lines = summary(load_settings()).splitlines()
    start = lines.index("inbox entries skipped: 3")
    assert lines[start + 1:start + 4] == ["  .DS_Store: hidden file", "  gold: folder",
                                          "  pipe.txt: not a regular file (FIFO, socket or device)"]
    assert _landed_names() == [SAMPLE]


def test_bidi_and_control_characters_are_neutralised_in_every_place_a_name_is_shown(inbox, caplog):
    import logging

    caplog.set_level(logging.INFO)
    name = "invoice\u202etxt.exe\u200b.pdf"
    (inbox / name).write_bytes(b"%PDF-1.4 not really a pdf")
    (inbox / "\u202egold").mkdir()

    batches, summaries, _ = _run_to_landing()

    shown = "invoice_txt.exe_.pdf"
    assert batches[0][0]["original_name"] == summaries[0][0]["original_name"] == shown
    assert _landed_names() == [shown]
    text = summary(load_settings())
    assert "failed: " + shown in text and "  _gold: folder" in text
    for place in (text, caplog.text):
        assert "\u202e" not in place and "\u200b" not in place


def test_a_second_pipeline_command_is_refused_with_a_message_naming_the_first(pipeline_env, capsys):
    settings = load_settings()
    with one_run_at_a_time(settings, "run"):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        other = subprocess.run([sys.executable, "-m", "pipeline", "rebuild"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
        in_process = main(["reextract"])

    assert other.returncode == EXIT_ANOTHER_RUN == in_process
    assert f"another pipeline command is running (python -m pipeline run, pid {os.getpid()}" in other.stderr
    assert "this one did not start" in other.stderr and "Traceback" not in other.stderr
    assert "this one did not start" in capsys.readouterr().err
    assert not settings.warehouse_path.exists()  # neither touched anything


@pytest.mark.integration
def test_dbt_waits_for_a_process_holding_the_warehouse_as_the_load_does(pipeline_env, monkeypatch):
    from tests.pipeline.test_faults_warehouse_lock import _hold_read_lock
    from pipeline.landing import load_results

    monkeypatch.setenv("WAREHOUSE_LOCK_TIMEOUT_SECONDS", "120")
    settings = load_settings()
    load_results(settings.warehouse_path, [])  # the empty landing tables dbt builds on
    holder = _hold_read_lock(settings.warehouse_path, 8)
    try:
        built = steps.build_warehouse({"loaded": 0})
    finally:
        holder.wait(timeout=60)

    assert built["status"] == "ok"
    with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
        assert con.execute("select count(*) from marts.fct_check_results").fetchone() == (0,)
