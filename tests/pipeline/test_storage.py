"""Object storage, both backends: a local folder, and S3 through boto3 against moto's server over HTTP."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from pipeline import storage

pytestmark = pytest.mark.integration


@pytest.fixture(params=["local folder", "S3 on moto"])
def store(request, tmp_path):
    if request.param == "local folder":
        return storage.LocalObjectStore(tmp_path / "object-store")
    client, bucket = request.getfixturevalue("s3_bucket")
    return storage.S3ObjectStore(bucket, "pipeline/dev", client=client)


REPORT = "黔西南州工业和信息化局2023年政府信息公开工作年度报告\n".encode("utf-8")


def test_an_object_comes_back_with_its_bytes_and_chinese_metadata(store):
    store.put("raw/ab/abc", REPORT, {"original_name": "黔西南州 2023 年报.txt",
                                     "arrived_at": "2024-01-31T08:00:00+00:00"})

    assert store.get("raw/ab/abc") == REPORT
    assert store.head("raw/ab/abc") == {"original_name": "黔西南州 2023 年报.txt",
                                        "arrived_at": "2024-01-31T08:00:00+00:00"}


def test_a_missing_object_has_no_metadata_and_cannot_be_read(store):
    assert store.head("raw/00/missing") is None
    with pytest.raises(KeyError):
        store.get("raw/00/missing")


def test_listing_a_prefix_names_only_published_objects_under_it(store):
    store.put("raw/aa/one", b"1")
    store.put("raw/bb/two", b"2")
    store.put("quarantine/aa/one", b"1", {"reason": "empty"})

    assert sorted(store.list("raw/")) == ["raw/aa/one", "raw/bb/two"]
    assert list(store.list("quarantine/")) == ["quarantine/aa/one"]


def test_keys_that_escape_the_store_are_refused(store):
    for bad in ("../etc/passwd", "/abs", "raw//x", ""):
        with pytest.raises(ValueError):
            store.put(bad, b"x")


def test_landing_uses_the_content_hash_and_keeps_the_first_arrival(store):
    sha = hashlib.sha256(REPORT).hexdigest()

    first = storage.land_raw(store, REPORT, "qianxinan.txt", arrived_at="2024-02-01T00:00:00+00:00")
    again = storage.land_raw(store, REPORT, "renamed-copy.txt", arrived_at="2024-03-01T00:00:00+00:00")

    assert first.key == f"raw/{sha[:2]}/{sha}"
    assert first.newly_landed and not again.newly_landed
    assert (again.key, again.original_name, again.arrived_at) == (first.key, "qianxinan.txt",
                                                                  "2024-02-01T00:00:00+00:00")
    assert store.head(first.key)["size_bytes"] == str(len(REPORT))
    assert [o.key for o in storage.landed_from_store(store)] == [first.key]


def test_a_quarantined_document_keeps_its_bytes_and_the_reason(store):
    landed = storage.land_raw(store, b"\x00\x01garbage", "garbage.bin")

    key = storage.quarantine(store, landed, b"\x00\x01garbage", "not_a_report: 没有统计表")

    assert key == f"quarantine/{landed.sha256[:2]}/{landed.sha256}"
    assert store.get(key) == b"\x00\x01garbage"
    meta = store.head(key)
    assert meta["reason"] == "not_a_report: 没有统计表"
    assert meta["raw_key"] == landed.key
    assert meta["original_name"] == "garbage.bin"


def test_s3_objects_live_under_the_configured_prefix(s3_bucket):
    client, bucket = s3_bucket
    store = storage.S3ObjectStore(bucket, "/team/reports/", client=client)

    store.put("raw/ab/abc", b"x")

    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["team/reports/raw/ab/abc"]
    assert store.uri("raw/ab/abc") == f"s3://{bucket}/team/reports/raw/ab/abc"


def test_a_local_write_that_dies_before_publishing_leaves_no_object(tmp_path, monkeypatch):
    store = storage.LocalObjectStore(tmp_path / "object-store")
    store.put("raw/aa/complete", b"old complete bytes")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.put("raw/aa/complete", b"new bytes that never finished")
    with pytest.raises(OSError):
        store.put("raw/bb/half", b"half")
    monkeypatch.undo()

    assert store.get("raw/aa/complete") == b"old complete bytes"
    assert store.head("raw/bb/half") is None
    assert list(store.list("")) == ["raw/aa/complete"]
    assert list((tmp_path / "object-store" / ".tmp").iterdir()) == []


def test_puts_written_behind_return_before_their_sync_and_are_published_in_order(tmp_path, monkeypatch):
    store = storage.LocalObjectStore(tmp_path / "object-store")
    disk_free, renamed = threading.Event(), []
    real_fsync, real_replace = os.fsync, os.replace

    def slow_fsync(fd):
        assert disk_free.wait(timeout=20)
        real_fsync(fd)

    def replace(src, dst):
        renamed.append(Path(dst).relative_to(store.root).as_posix())
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    monkeypatch.setattr(os, "replace", replace)
    with storage.WriteBehind(store) as behind:
        behind.put("raw/aa/first", b"first", {"n": "1"})
        behind.put("extracted/v/bb/second.json", b"second", {"n": "2"})
        assert store.head("raw/aa/first") is None and list(store.list()) == []  # both puts returned unsynced
        disk_free.set()
        assert behind.get("extracted/v/bb/second.json") == b"second"  # a read waits for its object
    assert renamed == [".meta/raw/aa/first.json", "raw/aa/first",
                       ".meta/extracted/v/bb/second.json.json", "extracted/v/bb/second.json"]
    assert store.head("raw/aa/first") == {"n": "1"} and store.get("raw/aa/first") == b"first"
    assert list((tmp_path / "object-store" / ".tmp").iterdir()) == []


def test_a_put_written_behind_that_fails_is_raised_and_nothing_put_after_it_is_published(tmp_path, monkeypatch):
    store = storage.LocalObjectStore(tmp_path / "object-store")
    real_replace = os.replace

    def replace(src, dst):
        if "broken" in str(dst):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        with storage.WriteBehind(store) as behind:
            behind.put("raw/aa/fine", b"1")
            behind.put("raw/bb/broken", b"2")
            behind.put("raw/cc/after", b"3")
    assert list(store.list()) == ["raw/aa/fine"]
    assert list((tmp_path / "object-store" / ".tmp").iterdir()) == []


def test_leaving_on_an_error_still_publishes_what_was_put_and_raises_that_error(store):
    with pytest.raises(ValueError, match="the parser broke"):
        with storage.WriteBehind(store) as behind:
            behind.put("raw/aa/done", REPORT, {"original_name": "年报.txt"})
            assert behind.head("raw/aa/done") == {"original_name": "年报.txt"}
            raise ValueError("the parser broke")
    assert store.get("raw/aa/done") == REPORT
    assert list(store.list("raw/")) == ["raw/aa/done"]


def test_make_store_picks_s3_when_a_bucket_is_configured(s3_bucket, moto_endpoint, monkeypatch, tmp_path):
    from pipeline.config import load_settings

    _, bucket = s3_bucket
    monkeypatch.setenv("OBJECT_STORE_PATH", str(tmp_path / "local"))
    monkeypatch.delenv("S3_BUCKET", raising=False)
    assert isinstance(storage.make_store(load_settings()), storage.LocalObjectStore)

    monkeypatch.setenv("S3_BUCKET", bucket)
    monkeypatch.setenv("S3_PREFIX", "p")
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)
    store = storage.make_store(load_settings())
    store.put("raw/cc/c", b"via settings")
    assert isinstance(store, storage.S3ObjectStore)
    assert store.get("raw/cc/c") == b"via settings"


def test_s3_credentials_and_endpoint_can_come_from_an_airflow_connection(s3_bucket, moto_endpoint, monkeypatch):
    import json

    from pipeline.config import load_settings

    _, bucket = s3_bucket
    monkeypatch.setenv("AIRFLOW_CONN_REPORTS_S3", json.dumps({
        "conn_type": "aws", "login": "conn-key-id", "password": "conn-secret",
        "extra": {"endpoint_url": moto_endpoint, "region_name": "us-east-1"}}))
    monkeypatch.setenv("S3_AIRFLOW_CONN_ID", "reports_s3")
    monkeypatch.setenv("S3_BUCKET", bucket)
    monkeypatch.delenv("S3_ENDPOINT_URL", raising=False)

    store = storage.make_store(load_settings())
    store.put("raw/dd/d", b"via an Airflow connection")

    credentials = store.client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == ("conn-key-id", "conn-secret")
    assert store.client.meta.endpoint_url == moto_endpoint
    assert store.get("raw/dd/d") == b"via an Airflow connection"


def test_s3_metadata_too_long_for_its_2kb_limit_is_shortened_not_refused(s3_bucket):
    client, bucket = s3_bucket
    store = storage.S3ObjectStore(bucket, "", client=client)
    long_name = "黔西南州工业和信息化局" * 30 + ".txt"  # 334 characters, 3 KB percent-encoded

    store.put("quarantine/aa/long", b"x", {"original_name": long_name, "reason": "empty: the file is empty"})

    meta = store.head("quarantine/aa/long")
    assert meta["reason"] == "empty: the file is empty"
    assert meta["original_name"].endswith("…")
    assert long_name.startswith(meta["original_name"][:-1])
    assert len(meta["original_name"]) > 100


def test_many_lookups_come_back_in_order_and_on_s3_run_side_by_side(store, monkeypatch):
    keys = [f"extracted/v1/{i:02x}/{i:064x}.json" for i in range(40)]
    with storage.WriteBehind(store) as behind:
        for i, key in enumerate(keys):
            if i % 3:  # every third never stored
                behind.put(key, b"{}", {"status": "ok" if i % 2 else "failed", "raw_key": f"raw/{i:02x}"})
        threads_used = set()
        backend_head = store.head

        def head_noting_the_thread(key):
            threads_used.add(threading.current_thread().name)
            return backend_head(key)

        monkeypatch.setattr(store, "head", head_noting_the_thread)
        found = storage.head_many(behind, keys)  # through the write-behind: each waits for its own put

    assert found == [None if i % 3 == 0 else {"status": "ok" if i % 2 else "failed", "raw_key": f"raw/{i:02x}"}
                     for i in range(40)]
    if isinstance(store, storage.S3ObjectStore):  # network round trips: several in flight at once
        assert len(threads_used) > 1 and all(name.startswith("head") for name in threads_used)
    else:  # file reads: one after the other, in the caller's thread
        assert threads_used == {threading.current_thread().name}
