"""Object storage for raw documents and extraction results: one interface, two backends.

- `LocalObjectStore`: a folder (default `var/object-store`). An object is published by writing a temp file
  in the same folder tree and renaming it into place (atomic on POSIX), after its metadata; a reader never
  sees a half-written object.
- `S3ObjectStore`: a bucket and prefix through boto3 (AWS, or MinIO with an endpoint URL). A put is
  atomic in S3. S3 user metadata must be ASCII, so values are percent-encoded on the way in and decoded on
  the way out (original names are usually Chinese).

Layout (keys are relative to the store's root or prefix):
    raw/<sha256[:2]>/<sha256>            the document as it arrived; metadata original_name, arrived_at
    quarantine/<sha256[:2]>/<sha256>     a copy of a raw document that could not be read; metadata reason
    extracted/<version>/<sha256[:2]>/<sha256>.json
                                         the extraction result of the raw document by that extractor version
                                         (`extraction_version()`): a document is extracted once per version
    inbox/ledger.json                    what landing already read from the inbox (`InboxLedger`)
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import queue
import re
import tempfile
import threading
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol
from urllib.parse import quote, unquote

from .config import Settings

log = logging.getLogger(__name__)

RAW_PREFIX = "raw/"
QUARANTINE_PREFIX = "quarantine/"
EXTRACTED_PREFIX = "extracted/"
INBOX_LEDGER_KEY = "inbox/ledger.json"


class ObjectStoreUnavailableError(RuntimeError):
    """The object store could not be reached, or kept failing, after the bounded retries."""


@dataclass(frozen=True)
class PreparedPut:
    """What is left of a put once its caller's part is done (`ObjectStore.prepare_put`): `publish` makes the
    object visible, `discard` drops it instead."""

    publish: Callable[[], None]
    discard: Callable[[], None]


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> None: ...
    def prepare_put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> PreparedPut: ...
    def get(self, key: str) -> bytes: ...
    def head(self, key: str) -> dict[str, str] | None:
        """The object's metadata, or None when there is no such (published) object."""
    def list(self, prefix: str = "") -> Iterator[str]: ...
    def uri(self, key: str) -> str: ...


def raw_key(sha256: str) -> str:
    return f"{RAW_PREFIX}{sha256[:2]}/{sha256}"


def quarantine_key(sha256: str) -> str:
    return f"{QUARANTINE_PREFIX}{sha256[:2]}/{sha256}"


@functools.cache
def extraction_version() -> str:
    """The version that names stored extraction results: the extractor's declared EXTRACTOR_VERSION and a
    hash of the extraction package's source, so that any change to the parsers re-extracts every document
    (a constant alone is too easily left unbumped)."""
    import extract
    from extract.result import EXTRACTOR_VERSION

    digest = hashlib.sha256()
    add_files_to_digest(digest, Path(extract.__file__).resolve().parent, "*.py")
    return f"{EXTRACTOR_VERSION}-{digest.hexdigest()[:12]}"


def add_files_to_digest(digest, folder: Path, pattern: str = "*", skip: tuple[str, ...] = ()) -> None:
    """Feed `digest` every file under `folder` matching `pattern` (but those under its top-level folders named
    in `skip`), in path order: its path relative to `folder`, then its bytes. What a fingerprint of code or
    of a project is made of, so that any file changed, added, removed or renamed changes it."""
    for path in sorted(folder.rglob(pattern)):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] not in skip:
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")


def extracted_key(sha256: str, version: str | None = None) -> str:
    return f"{EXTRACTED_PREFIX}{version or extraction_version()}/{sha256[:2]}/{sha256}.json"


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's category Cc, all of it


def _check_key(key: str) -> str:
    """Keys are relative, '/'-separated, without empty, '.' or '..' parts, backslashes or control
    characters (NUL included): no key can name anything outside the store's root or prefix."""
    parts = key.split("/")
    if (not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key
            or CONTROL_CHARACTERS.search(key)):
        raise ValueError(f"invalid object key {key!r}")
    return key


# control characters (NUL, newlines, escapes), invisible format characters (the bidi overrides such as U+202E,
# which make "exe.txt" read as "txt.exe"; zero-width spaces), line/paragraph separators, lone surrogates
NEUTRALISED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def shown_name(name: str) -> str:
    """A name as it may be shown (logs, summaries, reports): every character that could forge a line or
    reorder what a reader sees replaced by '_'."""
    return "".join("_" if unicodedata.category(ch) in NEUTRALISED_CATEGORIES else ch for ch in name)


def safe_name(name: str, limit: int = 255) -> str:
    """A document's original file name as the pipeline records it (metadata, warehouse, logs): its last
    path component only, control, bidi and other invisible characters replaced by '_' (`shown_name`), at
    most `limit` characters. Names never become keys (keys are content hashes); this keeps them from
    forging log lines, reading as paths or displaying reversed."""
    base = re.split(r"[/\\]", name)[-1] if name else ""
    cleaned = shown_name(base).strip()
    if cleaned in ("", ".", ".."):
        cleaned = "unnamed"
    return cleaned[:limit]


class LocalObjectStore:
    """Objects as files under `root`; metadata as JSON under `root/.meta/`."""

    META_DIR = ".meta"
    TMP_DIR = ".tmp"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        # the folders under the root this object found to be no symlinks, and those it made: resolving a path, or
        # making its folder, costs a system call per folder of it, for each object read or written
        self._root_resolved = self.root.resolve()
        self._folders_no_links: set[Path] = set()
        self._folders_made: set[Path] = set()

    def _data_path(self, key: str) -> Path:
        path = self.root / _check_key(key)
        if not self._no_links_under_root(path) and not path.resolve().is_relative_to(self._root_resolved):
            raise ValueError(f"object key {key!r} resolves outside the store {self.root}")  # e.g. a symlinked folder
        return path

    def _no_links_under_root(self, path: Path) -> bool:
        """Whether neither `path` nor a folder between it and the root is a symlink."""
        if path.is_symlink():
            return False
        unchecked, folder = [], path.parent
        while folder != self.root and folder not in self._folders_no_links:
            if folder.is_symlink():
                return False
            unchecked.append(folder)
            folder = folder.parent
        self._folders_no_links.update(unchecked)
        return True

    def _meta_path(self, key: str) -> Path:
        return self.root / self.META_DIR / (_check_key(key) + ".json")

    def _write_temp(self, path: Path, data: bytes) -> Path:
        tmp_dir = self.root / self.TMP_DIR
        for folder in (tmp_dir, path.parent):
            if folder not in self._folders_made:
                folder.mkdir(parents=True, exist_ok=True)
                self._folders_made.add(folder)
        fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix=uuid.uuid4().hex)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp)

    def prepare_put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> PreparedPut:
        """A put in two parts: the object's temp files are written now; `publish` syncs each to disk and renames
        it into place, metadata first (once the data file exists, its metadata is complete and both are on
        disk); `discard` removes what was not published."""
        targets = [(self._meta_path(key), json.dumps(metadata or {}, ensure_ascii=False).encode()),
                   (self._data_path(key), data)]
        written: list[tuple[Path, Path]] = []
        try:
            for path, body in targets:
                written.append((self._write_temp(path, body), path))
        except BaseException:
            for tmp, _ in written:
                tmp.unlink(missing_ok=True)
            raise

        def publish() -> None:
            for tmp, path in written:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, path)

        def discard() -> None:
            for tmp, _ in written:
                tmp.unlink(missing_ok=True)

        return PreparedPut(publish, discard)

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> None:
        prepared = self.prepare_put(key, data, metadata)
        try:
            prepared.publish()
        except BaseException:
            prepared.discard()
            raise

    def get(self, key: str) -> bytes:
        path = self._data_path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def head(self, key: str) -> dict[str, str] | None:
        if not self._data_path(key).is_file():
            return None
        meta = self._meta_path(key)
        return json.loads(meta.read_text()) if meta.is_file() else {}

    def list(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if rel.split("/")[0] in (self.META_DIR, self.TMP_DIR) or not path.is_file():
                continue
            if rel.startswith(prefix):
                yield rel

    def uri(self, key: str) -> str:
        return str(self._data_path(key))


class S3ObjectStore:
    """Objects in `bucket` under `prefix` (no leading or trailing slash)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, **client_kwargs: Any):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        client_kwargs.setdefault("config", s3_client_config())
        self.client = client or boto3.client("s3", **client_kwargs)

    @contextmanager
    def _failures_named(self, action: str, key: str) -> Iterator[None]:
        """Network failures and server errors (already retried by botocore) become one clear error naming
        the store and the key; answers such as 404 pass through to the caller."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except BotoCoreError as exc:
            raise self._unavailable(action, key, exc) from exc
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            code = exc.response.get("Error", {}).get("Code", "")
            if status >= 500 or code in ("SlowDown", "Throttling", "RequestTimeout"):
                raise self._unavailable(action, key, exc) from exc
            raise

    def _unavailable(self, action: str, key: str, exc: Exception) -> ObjectStoreUnavailableError:
        attempts = getattr(self.client.meta.config, "retries", None) or {}
        endpoint = self.client.meta.endpoint_url
        where = f"s3://{self.bucket}/{self.prefix + '/' if self.prefix else ''}{key}"
        return ObjectStoreUnavailableError(
            f"object store {endpoint} unavailable: could not {action} {where} after "
            f"{attempts.get('total_max_attempts', '?')} attempts "
            f"({type(exc).__name__}: {exc})")

    def _full(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    METADATA_LIMIT = 2000  # S3 allows 2 KB of user metadata per object, names and values together

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> None:
        full = self._full(key)
        with self._failures_named("write", key):
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data, Metadata=self._encode(metadata or {}))

    def prepare_put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> PreparedPut:
        """A put whose upload is `publish` (S3 has no half-written objects to prepare or discard)."""
        self._full(key)
        return PreparedPut(lambda: self.put(key, data, metadata), lambda: None)

    @classmethod
    def _encode(cls, metadata: dict[str, str]) -> dict[str, str]:
        """Percent-encode the values; shorten the longest ones (marked with …) until they fit the limit.
        Long names and reasons are kept whole in the warehouse and the extraction result."""
        values = {k: str(v) for k, v in metadata.items()}
        while True:
            encoded = {k: quote(v, safe="") for k, v in values.items()}
            if sum(len(k) + len(v) for k, v in encoded.items()) <= cls.METADATA_LIMIT:
                return encoded
            longest = max(values, key=lambda k: len(encoded[k]))
            values[longest] = values[longest][: max(1, int(len(values[longest]) * 0.8)) - 1] + "…"

    def get(self, key: str) -> bytes:
        full = self._full(key)
        try:
            with self._failures_named("read", key):
                return self.client.get_object(Bucket=self.bucket, Key=full)["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise KeyError(key) from exc

    def head(self, key: str) -> dict[str, str] | None:
        from botocore.exceptions import ClientError

        full = self._full(key)
        try:
            with self._failures_named("look up", key):
                response = self.client.head_object(Bucket=self.bucket, Key=full)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return {k: unquote(v) for k, v in response.get("Metadata", {}).items()}

    def list(self, prefix: str = "") -> Iterator[str]:
        base = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = iter(paginator.paginate(Bucket=self.bucket, Prefix=base + prefix))
        while True:
            with self._failures_named("list", prefix):
                page = next(pages, None)
            if page is None:
                return
            for obj in page.get("Contents", []):
                yield obj["Key"][len(base):]

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"


def s3_client_config(connect_timeout: float = 5.0, read_timeout: float = 30.0, max_attempts: int = 4):
    """Timeouts and bounded retries with exponential backoff (botocore "standard" mode: connection errors,
    timeouts, 5xx and throttling are retried, at most `max_attempts` calls in all)."""
    from botocore.config import Config

    return Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                  retries={"total_max_attempts": max_attempts, "mode": "standard"})


def s3_client_kwargs(settings: Settings) -> dict[str, Any]:
    """boto3 client arguments: endpoint and region from the settings; credentials from the Airflow
    connection `S3_AIRFLOW_CONN_ID` when set (login = access key id, password = secret, extra may hold
    endpoint_url / region_name), otherwise boto3's own chain (AWS_ACCESS_KEY_ID etc. in the environment)."""
    kwargs: dict[str, Any] = {"region_name": settings.s3_region, "config": s3_client_config(
        settings.s3_connect_timeout_seconds, settings.s3_read_timeout_seconds, settings.s3_max_attempts)}
    if settings.s3_endpoint_url:
        kwargs["endpoint_url"] = settings.s3_endpoint_url
    if settings.aws_conn_id:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(settings.aws_conn_id)
        extra = conn.extra_dejson or {}
        if conn.login:
            kwargs["aws_access_key_id"] = conn.login
            kwargs["aws_secret_access_key"] = conn.password
        if extra.get("endpoint_url"):
            kwargs["endpoint_url"] = extra["endpoint_url"]
        if extra.get("region_name"):
            kwargs["region_name"] = extra["region_name"]
    return kwargs


def make_store(settings: Settings) -> ObjectStore:
    if settings.uses_s3:
        return S3ObjectStore(settings.s3_bucket, settings.s3_prefix, **s3_client_kwargs(settings))
    return LocalObjectStore(settings.object_store_path)


class WriteBehind:
    """An object store (`with WriteBehind(store) as store:`) whose puts return once the caller's part is done
    (`prepare_put`: on disk, the temp files written) while one background thread publishes them in the order
    put (on disk, the sync and the rename, which wait on the disk; on S3, the upload). Landing and extraction
    go on to the next document meanwhile (each local object is two files to sync, 1-2 ms each on this project's
    machines: of the order of the per-document work around the parse itself).

    A read (`get`, `head`) of an object not yet published waits for it, and `list` for every put. Leaving the
    `with` waits for every put; the first that failed is raised there (or at the next put or read), and nothing
    put after it is published. Nothing outside this object sees an object before it is published, so whatever
    records that objects exist (the inbox ledger, the summaries a batch returns) comes after the `with`."""

    WAITING_AT_MOST = 16  # puts not yet published: on S3, the memory the bodies waiting to upload hold

    def __init__(self, store: ObjectStore):
        self.store = store
        self._queue: queue.Queue[tuple[str, PreparedPut] | None] = queue.Queue(self.WAITING_AT_MOST)
        self._unpublished: dict[str, int] = {}
        self._published = threading.Condition()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._publish_in_order, name="write-behind", daemon=True)
        self._thread.start()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc is None:
            self.close()
            return
        try:  # the puts made before the failure are still published; the failure is the one to raise
            self.close()
        except Exception as also:
            log.error("while leaving after %r, a put failed too: %r", exc, also)

    def _publish_in_order(self) -> None:
        while (item := self._queue.get()) is not None:
            key, prepared = item
            try:
                if self._failure is None:
                    prepared.publish()
                else:
                    prepared.discard()
            except BaseException as exc:
                prepared.discard()
                self._failure = self._failure or exc
            with self._published:
                self._unpublished[key] -= 1
                if not self._unpublished[key]:
                    del self._unpublished[key]
                self._published.notify_all()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> None:
        self._raise_failure()
        if not self._thread.is_alive():
            raise RuntimeError("this WriteBehind is closed: put through its store")
        prepared = self.store.prepare_put(key, data, metadata)
        with self._published:
            self._unpublished[key] = self._unpublished.get(key, 0) + 1
        self._queue.put((key, prepared))

    def prepare_put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> PreparedPut:
        return self.store.prepare_put(key, data, metadata)

    def _wait_for(self, key: str | None) -> None:
        with self._published:
            self._published.wait_for(
                lambda: not (self._unpublished if key is None else key in self._unpublished))
        self._raise_failure()

    def get(self, key: str) -> bytes:
        self._wait_for(key)
        return self.store.get(key)

    def head(self, key: str) -> dict[str, str] | None:
        self._wait_for(key)
        return self.store.head(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        self._wait_for(None)
        return self.store.list(prefix)

    def uri(self, key: str) -> str:
        return self.store.uri(key)

    def close(self) -> None:
        """Wait for every put to be published; raise the first failure."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise_failure()


# HEAD requests to S3 in flight at once when many objects are looked up (`head_many`): each is one network round
# trip (10-50 ms to AWS), so a daily run over 10,000 stored results made one after the other waited minutes
HEADS_AT_ONCE = 16


def head_many(store: ObjectStore, keys: list[str]) -> list[dict[str, str] | None]:
    """`store.head` of each key, in the order given. On S3 HEADS_AT_ONCE requests at a time (boto3's client is
    thread-safe); a local store's are file reads, made one after the other."""
    backend = store.store if isinstance(store, WriteBehind) else store
    if len(keys) < 2 or not isinstance(backend, S3ObjectStore):
        return [store.head(key) for key in keys]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(HEADS_AT_ONCE, len(keys)), thread_name_prefix="head") as pool:
        return list(pool.map(store.head, keys))


@dataclass(frozen=True)
class LandedObject:
    """A raw document in the store, as the DAG passes it between tasks (JSON-ready via `asdict`)."""

    key: str
    sha256: str
    original_name: str
    arrived_at: str  # ISO 8601, UTC
    size_bytes: int
    newly_landed: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def land_raw(store: ObjectStore, data: bytes, original_name: str, arrived_at: str | None = None,
             original_name_bytes: bytes | None = None) -> LandedObject:
    """Store `data` under its content-addressed key. Idempotent: a document already in the store keeps the
    name and arrival time it first arrived with. A name that was not valid UTF-8 arrives decoded
    (`original_name`) with its bytes, which the metadata records as hex (`original_name_bytes_hex`)."""
    sha256 = hashlib.sha256(data).hexdigest()
    key = raw_key(sha256)
    original_name = safe_name(original_name)
    existing = store.head(key)
    if existing is not None:
        return LandedObject(key, sha256, existing.get("original_name", original_name),
                            existing.get("arrived_at", ""), len(data), newly_landed=False)
    arrived_at = arrived_at or utc_now_iso()
    metadata = {"original_name": original_name, "arrived_at": arrived_at, "sha256": sha256,
                "size_bytes": str(len(data))}
    if original_name_bytes is not None:
        metadata["original_name_bytes_hex"] = original_name_bytes.hex()
    store.put(key, data, metadata)
    return LandedObject(key, sha256, original_name, arrived_at, len(data), newly_landed=True)


def quarantine(store: ObjectStore, landed: LandedObject, data: bytes, reason: str) -> str:
    """Copy a raw document that could not be read under `quarantine/`, the reason in its metadata."""
    key = quarantine_key(landed.sha256)
    store.put(key, data, {"original_name": landed.original_name, "arrived_at": landed.arrived_at,
                          "raw_key": landed.key, "reason": reason})
    return key


def landed_from_store(store: ObjectStore) -> list[LandedObject]:
    """Every raw document in the store (what `python -m pipeline rebuild` starts from)."""
    landed = []
    for key in store.list(RAW_PREFIX):
        meta = store.head(key) or {}
        sha256 = key.rsplit("/", 1)[-1]
        landed.append(LandedObject(key, sha256, meta.get("original_name", sha256),
                                   meta.get("arrived_at", ""), int(meta.get("size_bytes", 0) or 0),
                                   newly_landed=False))
    return landed


class InboxLedger:
    """What landing already read from the inbox, kept in the object store (`inbox/ledger.json`) so that
    every worker sees it: for each inbox entry, its fingerprint (size and mtime of a local file, size and
    ETag of an S3 object) and the raw object it landed as. An entry whose fingerprint is unchanged is not
    read or hashed again; a changed or new one is read, landed and recorded."""

    def __init__(self, store: ObjectStore, inbox: str):
        self.store = store
        self.inbox = inbox
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            recorded = json.loads(store.get(INBOX_LEDGER_KEY))
        except KeyError:
            recorded = {}
        if recorded.get("inbox") == inbox:  # another inbox's ledger says nothing about this one
            self.entries = recorded.get("entries", {})
        self.changed = False

    def landed(self, entry: str, fingerprint: str) -> LandedObject | None:
        """The raw object an unchanged inbox entry landed as, or None when it must be read."""
        known = self.entries.get(entry)
        if not fingerprint or not known or known.get("fingerprint") != fingerprint:
            return None
        return LandedObject(known["key"], known["sha256"], known["original_name"], known["arrived_at"],
                            int(known["size_bytes"]), newly_landed=False)

    def record(self, entry: str, fingerprint: str, landed: LandedObject) -> None:
        if fingerprint:
            self.entries[entry] = {"fingerprint": fingerprint, "key": landed.key, "sha256": landed.sha256,
                                   "original_name": landed.original_name, "arrived_at": landed.arrived_at,
                                   "size_bytes": landed.size_bytes}
            self.changed = True

    def save(self, present: set[str]) -> None:
        """Write the ledger, forgetting entries no longer in the inbox."""
        gone = set(self.entries) - present
        for entry in gone:
            del self.entries[entry]
        if self.changed or gone:
            body = json.dumps({"inbox": self.inbox, "entries": self.entries}, ensure_ascii=False, sort_keys=True)
            self.store.put(INBOX_LEDGER_KEY, body.encode("utf-8"), {"entries": str(len(self.entries))})
