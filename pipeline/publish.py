"""The snapshot BI tools read: every mart and reference table of the warehouse (and the findings) as one
Parquet file each, plus a small DuckDB catalog of views over them, published under `PUBLISH_PATH` at the end
of every successful run.

Why not let BI tools read the warehouse: in DuckDB a reader holding the file open (even read-only) blocks the
next load, and the warehouse is written in DuckDB 2.0's storage format, which the DuckDB 1.x inside BI drivers
cannot read. Parquet files are read by any version; the catalog is written in an older storage format
(CATALOG_STORAGE_VERSION) and holds only views.

Layout (PUBLISH_PATH default var/publish):

    var/publish.snapshots/<snapshot id>/   one complete snapshot: <table>.parquet ..., catalog.duckdb,
                                           manifest.json (row counts, columns)
    var/publish -> publish.snapshots/<id>  a symlink, swapped to the new snapshot with one os.replace

A snapshot is written in full beside the published one, then the symlink is swapped: a reader opening
var/publish/fct_reports.parquet gets the previous file or the new one, never a half-written one, and a reader
holding files open never blocks the run (the run writes only new files; on Linux a file deleted while open
stays readable to whoever holds it). The catalog's views read `PUBLISH_PATH/<table>.parquet`, through the
symlink, so a connection kept open by a BI tool reads each run's data without reconnecting. The last
SNAPSHOTS_KEPT snapshots are kept; older ones are deleted.

The views name PUBLISH_PATH as the pipeline sees it (absolute): a BI tool on another machine or in a container
must see the snapshot at that same path, or read the Parquet files directly.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts", "reference")  # every table of these warehouse schemas is published
FINDINGS_SCHEMA = "findings"  # fct_findings, from the findings history (FINDINGS_DB_PATH)
FINDINGS_TABLE = "fct_findings"
CATALOG_NAME = "catalog.duckdb"
MANIFEST_NAME = "manifest.json"
# DuckDB 1.0 and later open a file written with this storage version (DuckDB 2.0 writes a newer one by default)
CATALOG_STORAGE_VERSION = "v1.0.0"
SNAPSHOTS_KEPT = 3
PARTIAL_SUFFIX = ".partial"
ABANDONED_PARTIAL_SECONDS = 3600  # a .partial folder older than this was left by a run that died
S3_PREFIX = "publish/"


@dataclass(frozen=True)
class PublishedTable:
    schema: str  # the schema of the catalog view, as in the warehouse (marts, reference, findings)
    name: str
    rows: int
    columns: tuple[str, ...]
    comment: str | None = None
    column_comments: dict[str, str] = field(default_factory=dict)
    column_types: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema, "name": self.name, "file": self.file_name, "rows": self.rows,
                "columns": list(self.columns)}


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    publish_path: Path  # the symlink readers open
    directory: Path  # the snapshot folder it points to
    tables: tuple[PublishedTable, ...]
    created_at: str

    def manifest(self) -> dict[str, Any]:
        return {"snapshot_id": self.snapshot_id, "created_at": self.created_at, "catalog": CATALOG_NAME,
                "catalog_storage_version": CATALOG_STORAGE_VERSION,
                "catalog_signature": catalog_signature(self.tables, self.publish_path),
                "tables": [table.to_dict() for table in self.tables]}

    def to_dict(self) -> dict[str, Any]:
        """What the step returns (small, JSON-ready)."""
        return {"snapshot_id": self.snapshot_id, "publish_path": str(self.publish_path),
                "tables": {table.name: table.rows for table in self.tables}}


def snapshots_root(publish_path: Path) -> Path:
    return publish_path.with_name(publish_path.name + ".snapshots")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _published_tables(con, schemas: tuple[str, ...], as_schema: str | None = None) -> list[PublishedTable]:
    """The base tables of `schemas` in the database of `con`, with their comments (dbt's persist_docs); their
    columns and row counts read in one query each (a query per table took 0.07 s of a run's 0.6 s snapshot)."""
    placeholders = ", ".join("?" for _ in schemas)
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        f"where database_name = current_database() and schema_name in ({placeholders}) order by 1, 2",
        list(schemas)).fetchall()
    if not tables:
        return []
    columns: dict[tuple[str, str], list[tuple[str, str | None, str]]] = {}
    for schema, name, column, comment, data_type in con.execute(
            "select schema_name, table_name, column_name, comment, data_type from duckdb_columns() "
            f"where database_name = current_database() and schema_name in ({placeholders}) "
            "order by schema_name, table_name, column_index", list(schemas)).fetchall():
        columns.setdefault((schema, name), []).append((column, comment, data_type))
    counted = " union all ".join(f"select {i}, count(*) from {_identifier(schema)}.{_identifier(name)}"
                                 for i, (schema, name, _) in enumerate(tables))
    rows = dict(con.execute(counted).fetchall())
    published = []
    for i, (schema, name, comment) in enumerate(tables):
        described = columns.get((schema, name), [])
        published.append(PublishedTable(as_schema or schema, name, rows[i], tuple(c for c, _, _ in described),
                                        comment, {c: text for c, text, _ in described if text},
                                        tuple(data_type for _, _, data_type in described)))
    return published


def _export(con, schema: str, table: PublishedTable, directory: Path) -> None:
    source = f"{_identifier(schema)}.{_identifier(table.name)}"
    # zstd at level 1: smaller files than DuckDB's default level 3 here (4.4 MB of marts at 1,000 reports, not
    # 4.5) and written in four fifths of the time
    con.execute(f"copy (select * from {source}) to {_sql_string(str(directory / table.file_name))} "
                "(format parquet, compression zstd, compression_level 1)")


# A table this long leaves enough cached blocks behind to be worth dropping (the largest marts; the small tables
# would each pay about 4 ms for it)
DROP_CACHED_BLOCKS_ROWS = 100_000


def _drop_cached_blocks(con, memory_limit: str | None) -> None:
    """Let go of the warehouse blocks DuckDB kept after an export: they are not read again, but they stay
    cached up to the memory limit and the next table's export is then squeezed (or, without a limit, the
    process keeps every table it exported). Lowering the limit evicts them; DuckDB has no other call for it."""
    con.execute("set memory_limit = '16MB'")
    con.execute(f"set memory_limit = {_sql_string(memory_limit)}" if memory_limit else "reset memory_limit")


def export_tables(warehouse_path: Path, directory: Path, findings_db_path: Path | None,
                  memory_limit: str | None = None) -> list[PublishedTable]:
    """Write every table of PUBLISHED_SCHEMAS (and the findings' fct_findings) as `<table>.parquet`, DuckDB
    taking at most `memory_limit` (a DuckDB size; its own default is 80% of the machine's memory)."""
    import duckdb

    # One thread: as fast here as two (4.5 s at 10,000 reports), and a Parquet writer keeping the rows in order
    # on two threads buffers up to the memory limit. At 10,000 reports the export raised the process by 500 MiB
    # on two threads; on one, dropping the cache after each large table, by 250 MiB
    config = {"threads": 1, **({"memory_limit": memory_limit} if memory_limit else {})}
    tables: list[PublishedTable] = []
    with duckdb.connect(str(warehouse_path), read_only=True, config=config) as con:
        for table in _published_tables(con, PUBLISHED_SCHEMAS):
            _export(con, table.schema, table, directory)
            if table.rows >= DROP_CACHED_BLOCKS_ROWS:
                _drop_cached_blocks(con, memory_limit)
            tables.append(table)
    if findings_db_path is not None and findings_db_path.exists():
        with duckdb.connect(str(findings_db_path), read_only=True, config=config) as con:
            for table in _published_tables(con, ("main",), as_schema=FINDINGS_SCHEMA):
                if table.name == FINDINGS_TABLE:
                    _export(con, "main", table, directory)
                    tables.append(table)
    names = [table.name for table in tables]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"two published tables share a file name: {duplicated} (schemas {PUBLISHED_SCHEMAS})")
    return tables


def write_catalog(path: Path, tables: list[PublishedTable] | tuple[PublishedTable, ...], view_root: Path) -> None:
    """A DuckDB file readable by DuckDB 1.0+ holding one view per table, `<schema>.<table>` as in the warehouse,
    over `view_root/<table>.parquet`, with the tables' and columns' comments. Written to `path` in full (the
    caller renames it into place). Only tables whose file exists under view_root get a view (DuckDB reads the
    file when it creates a view)."""
    import duckdb

    path.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_string(str(path))} as catalog (storage_version {_sql_string(CATALOG_STORAGE_VERSION)})")
        for schema in sorted({table.schema for table in tables}):
            con.execute(f"create schema if not exists catalog.{_identifier(schema)}")
        for table in tables:
            file = view_root / table.file_name
            if not file.exists():
                continue
            view = f"catalog.{_identifier(table.schema)}.{_identifier(table.name)}"
            con.execute(f"create view {view} as select * from read_parquet({_sql_string(str(file))})")
            if table.comment:
                con.execute(f"comment on view {view} is {_sql_string(table.comment)}")
            for column, text in table.column_comments.items():
                con.execute(f"comment on column {view}.{_identifier(column)} is {_sql_string(text)}")
        con.execute("detach catalog")


def catalog_signature(tables: tuple[PublishedTable, ...] | list[PublishedTable], view_root: Path) -> str:
    """What a catalog written by write_catalog follows from: the tables' schemas, names, columns (with their
    types) and comments, the folder its views read, the storage version and DuckDB's version. Two snapshots
    with the same signature have interchangeable catalogs (their views read the files through `view_root`)."""
    import hashlib
    from importlib.metadata import version

    shape = [CATALOG_STORAGE_VERSION, version("duckdb"), str(view_root),
             sorted([t.schema, t.name, list(t.columns), list(t.column_types), t.comment,
                     sorted(t.column_comments.items())] for t in tables)]
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()


def _reusable_catalog(publish_path: Path, signature: str, views: int) -> Path | None:
    """The published snapshot's catalog when it has this signature and is complete (one view per table: a
    run that died between the swap and its second catalog left one with fewer), so that a run whose tables
    kept their shape copies it instead of writing the catalog twice (about 0.2 s of a run after ten new
    documents); None when it must be written."""
    import duckdb

    if not publish_path.is_symlink():
        return None
    current = publish_path.resolve()
    try:
        manifest = json.loads((current / MANIFEST_NAME).read_text(encoding="utf-8"))
        if manifest.get("catalog_signature") != signature:
            return None
        with duckdb.connect(str(current / CATALOG_NAME), read_only=True) as con:
            found = con.execute("select count(*) from duckdb_views() where not internal").fetchone()[0]
    except (OSError, ValueError, duckdb.Error):  # no manifest or catalog, or a reader holds it for writing
        return None
    return current / CATALOG_NAME if found == views else None


def _swap_symlink(link: Path, target: Path) -> None:
    """Point `link` at `target` in one rename (readers see the old target or the new one)."""
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex}.link")
    os.symlink(os.path.relpath(target, link.parent), temporary)
    try:
        os.replace(temporary, link)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _adopt_plain_folder(publish_path: Path, root: Path) -> None:
    """PUBLISH_PATH is a real folder (made by hand, or by an older version): move it into the snapshots so a
    symlink can take its place."""
    if publish_path.is_dir() and not publish_path.is_symlink():
        destination = root / f"adopted-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
        log.warning("%s is a folder, not a published snapshot: moved to %s", publish_path, destination)
        os.replace(publish_path, destination)
    elif publish_path.exists() and not publish_path.is_symlink():
        raise FileExistsError(f"PUBLISH_PATH {publish_path} is a file: the snapshot cannot be published there")


def prune(root: Path, current: Path, kept: int = SNAPSHOTS_KEPT) -> list[Path]:
    """Delete all but the `kept` newest snapshots (never the current one), and .partial folders left by runs
    that died. Returns the folders deleted."""
    removed = []
    snapshots = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL_SUFFIX)),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in snapshots if p.resolve() != current.resolve()][max(0, kept - 1):]:
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    for partial in root.glob(f"*{PARTIAL_SUFFIX}"):
        if time.time() - partial.stat().st_mtime > ABANDONED_PARTIAL_SECONDS:
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial)
    return removed


def publish_snapshot(warehouse_path: str | Path, publish_path: str | Path,
                     findings_db_path: str | Path | None = None, memory_limit: str | None = None) -> Snapshot:
    """Export the warehouse's marts and reference tables (and the findings) to a new snapshot and publish it
    at `publish_path` (see the module docstring); DuckDB takes at most `memory_limit` meanwhile."""
    warehouse_path, publish_path = Path(warehouse_path), Path(publish_path).absolute()
    if not warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: nothing to publish")
    root = snapshots_root(publish_path)
    root.mkdir(parents=True, exist_ok=True)
    created = datetime.now(timezone.utc)
    snapshot_id = f"{created:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"
    building = root / (snapshot_id + PARTIAL_SUFFIX)
    building.mkdir()
    try:
        tables = tuple(export_tables(warehouse_path, building, Path(findings_db_path) if findings_db_path else None,
                                     memory_limit))
        snapshot = Snapshot(snapshot_id, publish_path, root / snapshot_id, tables,
                            created.replace(microsecond=0).isoformat())
        manifest = snapshot.manifest()
        (building / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                              encoding="utf-8")
        # the tables kept their shape: the published catalog's views, over PUBLISH_PATH, read the new files
        # once the symlink is swapped, as a catalog written again would
        reusable = _reusable_catalog(publish_path, manifest["catalog_signature"], len(tables))
        if reusable is not None:
            shutil.copyfile(reusable, building / CATALOG_NAME)
        else:
            # until the swap, the views can only be created over the files already published: the new snapshot
            # starts with a catalog of those (it reads the new files once published) and gets its own just after
            write_catalog(building / CATALOG_NAME, tables, publish_path)
        os.replace(building, snapshot.directory)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _adopt_plain_folder(publish_path, root)
    _swap_symlink(publish_path, snapshot.directory)
    if reusable is None:
        catalog_partial = snapshot.directory / (CATALOG_NAME + PARTIAL_SUFFIX)
        write_catalog(catalog_partial, tables, publish_path)
        os.replace(catalog_partial, snapshot.directory / CATALOG_NAME)
    removed = prune(root, snapshot.directory)
    log.info("published snapshot %s at %s: %s; %d older snapshot(s) removed", snapshot_id, publish_path,
             ", ".join(f"{t.name} {t.rows}" for t in tables), len(removed))
    return snapshot


def upload_snapshot(store, snapshot: Snapshot) -> list[str]:
    """Copy the snapshot's Parquet files and manifest under publish/ in the object store (S3). Each object is
    replaced atomically; the manifest goes last and names the snapshot the files belong to. The catalog
    stays local: its views name local paths."""
    keys = []
    for table in snapshot.tables:
        key = S3_PREFIX + table.file_name
        store.put(key, (snapshot.directory / table.file_name).read_bytes(),
                  {"snapshot_id": snapshot.snapshot_id, "rows": str(table.rows)})
        keys.append(key)
    manifest_key = S3_PREFIX + MANIFEST_NAME
    store.put(manifest_key, (snapshot.directory / MANIFEST_NAME).read_bytes(), {"snapshot_id": snapshot.snapshot_id})
    return keys + [manifest_key]
