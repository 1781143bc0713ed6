"""The object store unreachable: bounded retries with backoff, then one clear error naming the store and
the key. Against a real S3 API (moto's server over HTTP) that is stopped mid-run, and a closed port."""
from __future__ import annotations

import shutil
import socket
import time

import boto3
import pytest

from pipeline import steps, storage
from tests.support.pipeline_env import SAMPLES_DIR

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nothing listens there


def _count_attempts(client) -> list[str]:
    attempts: list[str] = []
    client.meta.events.register("before-send.s3", lambda request, **_: attempts.append(request.url))
    return attempts


@pytest.fixture
def own_moto(monkeypatch):
    """A moto server of this test's own, which the test may stop."""
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield server, f"http://{host}:{port}"
    try:
        server.stop()
    except Exception:  # already stopped by the test
        pass


def test_a_store_stopped_mid_run_fails_after_bounded_retries_naming_store_and_key(own_moto):
    server, endpoint = own_moto
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          config=storage.s3_client_config(connect_timeout=1, read_timeout=2, max_attempts=3))
    client.create_bucket(Bucket="reports")
    store = storage.S3ObjectStore("reports", "dev", client=client)
    landed = storage.land_raw(store, b"report one", "one.txt")
    assert store.get(landed.key) == b"report one"

    server.stop()
    attempts = _count_attempts(client)
    started = time.monotonic()
    with pytest.raises(storage.ObjectStoreUnavailableError) as failure:
        store.get(landed.key)
    elapsed = time.monotonic() - started

    assert len(attempts) == 3
    assert elapsed < 30
    message = str(failure.value)
    assert f"s3://reports/dev/{landed.key}" in message
    assert endpoint in message
    assert "after 3 attempts" in message


def test_writes_and_listings_to_a_closed_port_fail_clearly(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          config=storage.s3_client_config(connect_timeout=1, read_timeout=1, max_attempts=2))
    store = storage.S3ObjectStore("reports", "", client=client)
    attempts = _count_attempts(client)

    with pytest.raises(storage.ObjectStoreUnavailableError, match=r"could not write s3://reports/raw/aa/x"):
        store.put("raw/aa/x", b"x")
    assert len(attempts) == 2
    with pytest.raises(storage.ObjectStoreUnavailableError, match=r"could not list s3://reports/raw/"):
        list(store.list("raw/"))


def test_the_landing_task_fails_with_the_store_and_key_when_s3_is_down(pipeline_env, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES_DIR / "qianxinan-gxj-2023.txt", inbox / "qianxinan-gxj-2023.txt")
    monkeypatch.setenv("PIPELINE_INBOX", str(inbox))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("S3_BUCKET", "reports")
    monkeypatch.setenv("S3_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("S3_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("S3_CONNECT_TIMEOUT_SECONDS", "1")

    # landing reads the inbox ledger (inbox/ledger.json) before it writes the first raw object
    with pytest.raises(storage.ObjectStoreUnavailableError,
                       match=r"http://127\.0\.0\.1:\d+ unavailable: could not read s3://reports/inbox/ledger\.json "
                             r"after 2 attempts"):
        steps.land_raw_files(steps.discover_documents())


def test_timeouts_and_attempts_come_from_the_environment(monkeypatch):
    from pipeline.config import load_settings

    monkeypatch.setenv("S3_CONNECT_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("S3_READ_TIMEOUT_SECONDS", "12")
    monkeypatch.setenv("S3_MAX_ATTEMPTS", "6")
    monkeypatch.setenv("S3_BUCKET", "reports")
    config = storage.s3_client_kwargs(load_settings())["config"]

    assert (config.connect_timeout, config.read_timeout) == (2.5, 12)
    assert config.retries == {"total_max_attempts": 6, "mode": "standard"}
