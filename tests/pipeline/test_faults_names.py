"""Nothing escapes the store: hostile file names (path traversal, NUL and control characters) and hostile
keys, on both backends (a local folder, and S3 through moto's server)."""
from __future__ import annotations

import hashlib
import logging

import pytest

from pipeline import steps, storage

pytestmark = pytest.mark.integration

HOSTILE_NAMES = {
    "../../etc/x": "x",
    "..\\..\\windows\\x.pdf": "x.pdf",
    "a\x00b/../..\x1b[31m年报.txt": ".._[31m年报.txt",
    "report\n2024-01-01 INFO forged log line.txt": "report_2024-01-01 INFO forged log line.txt",
    "..": "unnamed",
    "/": "unnamed",
}


@pytest.fixture(params=["local folder", "S3 on moto"])
def store(request, tmp_path):
    if request.param == "local folder":
        return storage.LocalObjectStore(tmp_path / "sandbox" / "object-store")
    client, bucket = request.getfixturevalue("s3_bucket")
    return storage.S3ObjectStore(bucket, "pipeline/dev", client=client)


def _everything_under(store) -> list[str]:
    if isinstance(store, storage.LocalObjectStore):
        return sorted(p.relative_to(store.root.parent.parent).as_posix()
                      for p in store.root.parent.parent.rglob("*") if p.is_file())
    return sorted(o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket).get("Contents", []))


@pytest.mark.parametrize("hostile, recorded", HOSTILE_NAMES.items())
def test_a_hostile_name_lands_under_its_content_hash_with_a_clean_name(store, hostile, recorded):
    data = f"document called {hostile!r}".encode()
    sha = hashlib.sha256(data).hexdigest()

    landed = storage.land_raw(store, data, hostile)

    assert landed.key == f"raw/{sha[:2]}/{sha}"
    assert landed.original_name == recorded
    assert store.head(landed.key)["original_name"] == recorded
    inside = "sandbox/object-store/" if isinstance(store, storage.LocalObjectStore) else "pipeline/dev/"
    assert all(path.startswith(inside) for path in _everything_under(store))
    assert storage.landed_from_store(store)[0].original_name == recorded


@pytest.mark.parametrize("key", ["../x", "raw/../../x", "raw/ab/x\x00y", "raw/ab/\x1b", "raw\\..\\x", "/etc/x",
                                 "raw/./x", "raw/ab/x\n"])
def test_keys_with_traversal_or_control_characters_are_refused_everywhere(store, key):
    for action in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.head(key)):
        with pytest.raises(ValueError, match="invalid object key"):
            action()
    assert _everything_under(store) == []


def test_a_local_store_does_not_follow_a_symlink_out_of_its_root(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    store = storage.LocalObjectStore(tmp_path / "object-store")
    store.root.mkdir()
    (store.root / "raw").symlink_to(outside)

    with pytest.raises(ValueError, match="outside the store"):
        store.put("raw/ab/x", b"x")
    assert list(outside.iterdir()) == []


def test_an_inbox_file_with_control_characters_is_landed_logged_and_staged_cleanly(pipeline_env, tmp_path,
                                                                                   monkeypatch, caplog):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "forged\n2024 ERROR x\x1b[2J.txt"
    (inbox / name).write_bytes(b"not a report at all")
    monkeypatch.setenv("PIPELINE_INBOX", str(inbox))
    caplog.set_level(logging.INFO)

    (batch,) = steps.land_raw_files(steps.discover_documents())
    summaries = steps.extract_documents(batch)
    steps.load_landing([summaries])

    assert batch[0]["original_name"] == summaries[0]["original_name"] == "forged_2024 ERROR x_[2J.txt"
    assert "\n2024 ERROR" not in caplog.text and "\x1b" not in caplog.text
