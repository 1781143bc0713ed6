"""Discovery of documents waiting in the inbox: a local folder, or an S3 prefix (`s3://bucket/prefix`).

Only the inbox's own regular files are documents. Everything else is skipped and said so (`Discovery.skipped`,
listed in the run summary): hidden files, sub-folders (such as `data/samples/gold/`), FIFOs, sockets and
devices, and symlinks that lead out of the inbox (or nowhere); a symlink to a file inside the inbox is
followed. A file name that is not valid UTF-8 (a GBK name from a Windows zip) is a document like any other:
it travels as a decoded, printable name with its original bytes beside it (`InboxItem.raw_name_hex`).

Each item carries a fingerprint (size and mtime of a local file, size and ETag of an S3 object) so that
landing can skip what it already read (`storage.InboxLedger`).
"""
from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings
from .storage import s3_client_kwargs, safe_name, shown_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxItem:
    location: str  # a file path, or s3://bucket/key (printable: a non-UTF-8 name appears decoded)
    name: str  # the original file name, decoded and safe to show
    fingerprint: str = ""  # "<size>:<mtime_ns>" locally, "<size>:<etag>" on S3; "" when unknown
    raw_name_hex: str = ""  # the name's bytes when they are not valid UTF-8 (the file is opened by them)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ledger_entry(self) -> str:
        return self.location + (f"#{self.raw_name_hex}" if self.raw_name_hex else "")


@dataclass
class Discovery:
    items: list[InboxItem] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"name": shown name, "reason": why}

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append({"name": shown_name(name), "reason": reason})


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix


def _s3_client(settings: Settings):
    import boto3  # seconds to import: only when the inbox is in S3

    return boto3.client("s3", **s3_client_kwargs(settings))


def decode_name(raw: bytes) -> str:
    """A file name's bytes as text: UTF-8 when valid, else GB18030 (the superset of the GBK that Chinese
    Windows writes into zip files), else UTF-8 with replacement characters; then made safe to show."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return safe_name(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    return safe_name(raw.decode("utf-8", errors="replace"))


def discover_inbox(settings: Settings) -> Discovery:
    if settings.inbox_is_s3:
        return _discover_s3(settings)
    folder = Path(settings.inbox)
    if not folder.is_dir():
        raise FileNotFoundError(f"the inbox {folder} is not a folder (PIPELINE_INBOX)")
    root = folder.resolve()
    found = Discovery()
    for path in sorted(folder.iterdir()):
        raw = os.fsencode(path.name)
        try:
            raw.decode("utf-8")
            name, raw_hex = path.name, ""
        except UnicodeDecodeError:
            name, raw_hex = decode_name(raw), raw.hex()
        if name.startswith("."):
            found.skip(name, "hidden file")
            continue
        try:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = path.resolve()
                if not target.is_relative_to(root):
                    found.skip(name, "symlink leading out of the inbox")
                    continue
                info = target.stat()
        except OSError as exc:  # a broken symlink, or a file gone since the listing
            found.skip(name, f"cannot be read ({exc.strerror or exc})")
            continue
        if stat.S_ISDIR(info.st_mode):
            found.skip(name, "folder")
        elif not stat.S_ISREG(info.st_mode):
            found.skip(name, "not a regular file (FIFO, socket or device)")
        else:
            location = str(folder / name) if raw_hex else str(path)
            found.items.append(InboxItem(location, name, f"{info.st_size}:{info.st_mtime_ns}", raw_hex))
    for skipped in found.skipped:
        log.info("inbox: skipped %s (%s)", skipped["name"], skipped["reason"])
    return found


def _discover_s3(settings: Settings) -> Discovery:
    bucket, prefix = split_s3_uri(settings.inbox)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    client = _s3_client(settings)
    found = Discovery()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for common in page.get("CommonPrefixes", []):
            found.skip(common["Prefix"][len(prefix):], "folder")
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix):]
            if not name:
                continue
            if name.startswith("."):
                found.skip(name, "hidden file")
                continue
            fingerprint = f"{obj.get('Size', '')}:{obj.get('ETag', '').strip(chr(34))}" if obj.get("ETag") else ""
            found.items.append(InboxItem(f"s3://{bucket}/{obj['Key']}", safe_name(name), fingerprint))
    found.items.sort(key=lambda item: item.location)
    return found


def read_item(settings: Settings, item: InboxItem) -> bytes:
    if item.location.startswith("s3://"):
        bucket, key = split_s3_uri(item.location)
        return _s3_client(settings).get_object(Bucket=bucket, Key=key)["Body"].read()
    path = Path(item.location)
    if item.raw_name_hex:
        path = Path(os.fsdecode(os.fsencode(path.parent) + b"/" + bytes.fromhex(item.raw_name_hex)))
    return path.read_bytes()


def write_skipped(settings: Settings, skipped: list[dict[str, str]]) -> Path:
    """The skipped inbox entries of the latest discovery, which the run summary lists."""
    path = settings.var_path / "inbox-skipped.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(skipped, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_skipped(settings: Settings) -> list[dict[str, str]]:
    path = settings.var_path / "inbox-skipped.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
