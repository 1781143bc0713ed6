"""Discovery of documents waiting in the inbox: a local folder, or an S3 prefix (`s3://bucket/prefix`).

Only the inbox's own files are documents: sub-folders (such as `data/samples/gold/`) and hidden files are
not looked into. Every run lists the whole inbox; landing is content-addressed, so a document seen before
lands on the same key and is not duplicated.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .storage import s3_client_kwargs


@dataclass(frozen=True)
class InboxItem:
    location: str  # a file path, or s3://bucket/key
    name: str  # the original file name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix


def _s3_client(settings: Settings):
    import boto3  # seconds to import: only when the inbox is in S3

    return boto3.client("s3", **s3_client_kwargs(settings))


def discover(settings: Settings) -> list[InboxItem]:
    if settings.inbox_is_s3:
        return _discover_s3(settings)
    folder = Path(settings.inbox)
    if not folder.is_dir():
        raise FileNotFoundError(f"the inbox {folder} is not a folder (PIPELINE_INBOX)")
    return [InboxItem(str(path), path.name) for path in sorted(folder.iterdir())
            if path.is_file() and not path.name.startswith(".")]


def _discover_s3(settings: Settings) -> list[InboxItem]:
    bucket, prefix = split_s3_uri(settings.inbox)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    client = _s3_client(settings)
    items = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix):]
            if name and not name.startswith("."):
                items.append(InboxItem(f"s3://{bucket}/{obj['Key']}", name))
    return sorted(items, key=lambda item: item.location)


def read_item(settings: Settings, item: InboxItem) -> bytes:
    if item.location.startswith("s3://"):
        bucket, key = split_s3_uri(item.location)
        return _s3_client(settings).get_object(Bucket=bucket, Key=key)["Body"].read()
    return Path(item.location).read_bytes()
