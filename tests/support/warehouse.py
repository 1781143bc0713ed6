"""Build test warehouses from the hand-made gold files, without waiting for the parsers.

Each gold (data/samples/gold/*.json, tests/data/dev-corpus/cases/*/gold.json) becomes the extraction result
the pipeline would stage for its source file: sha256 of the source bytes, status ok, agency/year/template
from the gold or meta.json. A dev-corpus case with two renderings (source.txt and source.html) yields two
documents, as two crawls of the same report would; the later arrival is the one the fact marts keep.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from extract.keys import T3_COLUMNS
from pipeline.landing import ExtractedDocument

from tests.support.paths import DEV_CASES_DIR as DEV_CORPUS_DIR, ROOT, SAMPLES_DIR

DBT_PROJECT_DIR = ROOT / "dbt_project"
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
FIRST_ARRIVAL = datetime(2026, 1, 31, 8, 0, 0)
SOURCE_ORDER = ("source.txt", "source.pdf", "source.html")  # later in this order = later arrival


def _document(source: Path, gold_cells: dict[str, Any], agency: str, year: int, template: str,
              arrived_at: datetime) -> dict[str, Any]:
    data = source.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = source.suffix.lstrip(".")
    return {
        "file": source.name,
        "original_name": source.name,
        "object_key": f"raw/{sha256[:2]}/{sha256}.{fmt}",
        "arrived_at": arrived_at,
        "sha256": sha256,
        "size_bytes": len(data),
        "format": fmt,
        "status": "ok",
        "agency": agency,
        "year": year,
        "template": template,
        "cells": dict(gold_cells),
        "provenance": {},
        "issues": [],
        "text": "",
        "extractor_version": "gold",
    }


def gold_documents() -> list[dict[str, Any]]:
    """Every gold as an extraction result, in a fixed order with increasing arrival times."""
    documents = []
    for gold_path in sorted((SAMPLES_DIR / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        documents.append((SAMPLES_DIR / gold["document"], gold["cells"], gold["agency"], gold["year"],
                          gold["template"]))
    for case_dir in sorted(DEV_CORPUS_DIR.iterdir()):
        gold = json.loads((case_dir / "gold.json").read_text(encoding="utf-8"))
        meta = json.loads((case_dir / "meta.json").read_text(encoding="utf-8"))
        for name in SOURCE_ORDER:
            if (case_dir / name).exists():
                documents.append((case_dir / name, gold["cells"], meta["agency"], meta["year"], meta["template"]))
    return [_document(*doc, arrived_at=FIRST_ARRIVAL + timedelta(minutes=i)) for i, doc in enumerate(documents)]


def failed_document(name: str = "scanned-notice.pdf") -> dict[str, Any]:
    """A document whose extraction failed: it reaches fct_reports and nothing else."""
    data = f"{name}: no text layer".encode()
    sha256 = hashlib.sha256(data).hexdigest()
    return {
        "file": name, "original_name": name, "object_key": f"raw/{sha256[:2]}/{sha256}.pdf",
        "quarantine_key": f"quarantine/{sha256}.pdf", "arrived_at": FIRST_ARRIVAL, "sha256": sha256,
        "size_bytes": len(data), "format": "pdf", "status": "failed", "agency": None, "year": None,
        "template": None, "cells": {}, "provenance": {},
        "issues": [{"code": "no_text_layer", "message": "scanned pages", "severity": "error"}],
        "text": "", "extractor_version": "gold",
    }


def landed(documents: list[dict[str, Any]]) -> list[ExtractedDocument]:
    """The documents (stored-result dicts as above; keys starting with "_" are the tests' own) as the
    pipeline lands them."""
    return [ExtractedDocument.from_dict({k: v for k, v in doc.items() if not k.startswith("_")})
            for doc in documents]


def load_staging(warehouse_path: Path, documents: list[dict[str, Any]]) -> None:
    import duckdb

    from pipeline.landing import load_documents

    con = duckdb.connect(str(warehouse_path))
    try:
        load_documents(con, landed(documents))
    finally:
        con.close()


def run_dbt(warehouse_path: Path | None, *args: str, cwd: Path = ROOT,
            artifacts_dir: Path | None = None) -> subprocess.CompletedProcess:
    """`dbt <args> --project-dir dbt_project --profiles-dir dbt_project` as the DAG runs it, with
    WAREHOUSE_PATH = warehouse_path (unset when None). dbt's target/ and logs/ go to `artifacts_dir`
    (default: beside the warehouse) so tests leave the checkout clean."""
    env = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_PATH"}
    if warehouse_path is not None:
        env["WAREHOUSE_PATH"] = str(warehouse_path)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    artifacts_dir = artifacts_dir or warehouse_path.parent
    return subprocess.run(
        [str(DBT_EXECUTABLE), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(artifacts_dir / "dbt-target"),
         "--log-path", str(artifacts_dir / "dbt-logs")],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def query(warehouse_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def synthetic_document(agency: str, year: int, cells: dict[str, float | None], template: str = "2021",
                       arrived_at: datetime = FIRST_ARRIVAL) -> dict[str, Any]:
    """A made-up report of `agency` for `year` holding only `cells` (for checks across years)."""
    data = json.dumps({"agency": agency, "year": year, "cells": cells}, ensure_ascii=False,
                      sort_keys=True).encode()
    sha256 = hashlib.sha256(data).hexdigest()
    return {
        "file": f"synthetic-{year}.txt", "original_name": f"synthetic-{year}.txt",
        "object_key": f"raw/{sha256[:2]}/{sha256}.txt", "arrived_at": arrived_at, "sha256": sha256,
        "size_bytes": len(data), "format": "txt", "status": "ok", "agency": agency, "year": year,
        "template": template, "cells": dict(cells), "provenance": {}, "issues": [], "text": "",
        "extractor_version": "synthetic",
    }


def following_year_documents(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Made-up next-year reports for two real dev-corpus agencies, printing only 表三 carried_over:
    公安局 2022 carries over exactly what its real 2021 report carried forward (other_org printed blank);
    财政金融局 2021 claims 2 applications carried over where its real 2020 report carried forward 0."""
    by_case = {(d["agency"], d["year"]): d for d in documents}
    gaj_2021 = by_case[("平潭综合实验区公安局", 2021)]["cells"]
    gaj_2022 = {f"t3.carried_over.{col}": gaj_2021[f"t3.carried_forward.{col}"] for col in T3_COLUMNS}
    gaj_2022["t3.carried_over.other_org"] = None
    czj_2021 = {f"t3.carried_over.{col}": 0 for col in T3_COLUMNS}
    czj_2021["t3.carried_over.natural_person"] = czj_2021["t3.carried_over.total"] = 2
    return [synthetic_document("平潭综合实验区公安局", 2022, gaj_2022),
            synthetic_document("平潭综合实验区财政金融局", 2021, czj_2021)]
