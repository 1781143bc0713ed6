"""Time of the findings steps' database work at a realistic size: record_findings and mark_alerted on a history
of tens of thousands of findings.

    python -m tests.support.bench_findings                      # 20,000 findings
    python -m tests.support.bench_findings --findings 5000 --module /tmp/old_findings.py   # another version

No dbt: the warehouse holds only a table shaped like marts.fct_check_results (the columns record_findings
reads), with `--findings` failing rows and as many passing ones. Three runs, each timed:
  first     every finding new, then all of them alerted (mark_alerted)
  changed   10% of the findings gone (resolved), 10% new ones, 5% with other numbers; the new ones alerted
  same      the same check results merged again without a warehouse key (the full merge, nothing changes)
`--module` loads another findings.py (e.g. `git show main:pipeline/findings.py > /tmp/old_findings.py`) to
compare versions on the same data.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import duckdb

CHECKS = ("identity_1", "identity_2", "identity_3", "identity_4", "identity_5", "counts_6", "stock_7",
          "narrative_8", "deadline_9")
SCOPES = ("natural_person", "commercial_org", "research_org", "social_org", "legal_org", "other_org", "total")


def _findings_module(path: str | None) -> ModuleType:
    if path is None:
        from pipeline import findings
        return findings
    spec = importlib.util.spec_from_file_location("findings_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def write_check_results(warehouse: Path, findings: int, shift: int = 0, changed_every: int = 0) -> None:
    """`findings` failing rows numbered from `shift` (agency i // 63, year, check, scope from i), and as many
    passing rows; with `changed_every`, every such row has other numbers."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("""
            create or replace table marts.fct_check_results as
            with numbered as (select i, (i % 2 = 0) as failing from range(?, ? + 2 * ?) as t(i))
            select
                case when i % 997 = 0 then null else '某市第' || (i // 126) || '局' end as agency,
                2019 + (i // 63) % 5 as year,
                ? [1 + (i // 7) % 9] as check_code,
                'identities' as check_family,
                case when i % 3 = 0 then 'failure' else 'warning' end as severity,
                'column' as scope_kind,
                ? [1 + i % 7] as scope,
                case when not failing then 'pass' when i % 10 = 2 then 'incomplete' else 'fail' end as result,
                (i % 50)::double + case when ? > 0 and i % ? = 0 then 1000 else 0 end as lhs,
                (i % 50 + 1)::double as rhs,
                null::varchar as detail,
                null::varchar as missing_cells,
                sha256(('doc' || (i // 126))::varchar) as document_hash,
                null::varchar as compared_document_hash,
                'raw/' || (i // 126) || '.pdf' as object_key,
                'report-' || (i // 126) || '.pdf' as original_name,
                (i % 400)::integer as line,
                (i % 12)::integer as page,
                true as is_representative
            from numbered
        """, [shift, shift, findings, list(CHECKS), list(SCOPES), changed_every, max(changed_every, 1)])


def _timed(what: str, action) -> float:
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"{what:<40} {elapsed:8.2f} s  {result if isinstance(result, dict) else ''}", flush=True)
    return elapsed


def run(findings_count: int, module_path: str | None) -> None:
    findings = _findings_module(module_path)
    with tempfile.TemporaryDirectory() as folder:
        warehouse, history = Path(folder) / "warehouse.duckdb", Path(folder) / "findings.duckdb"
        now = datetime(2026, 12, 2, 8, 0, 0)

        def record(when: datetime):
            with duckdb.connect(str(history)) as con:
                con.execute(f"attach '{warehouse}' as {findings.WAREHOUSE_ALIAS} (read_only)")
                findings.ensure_schema(con)
                counts = findings.record_findings(con, {}, now=when)
                return {k: counts[k] for k in ("new", "reopened", "resolved", "open")}

        def alert(when: datetime):
            with duckdb.connect(str(history)) as con:
                findings.ensure_schema(con)
                to_alert = [row[0] for row in con.execute("select fingerprint from fct_findings where needs_alert")
                            .fetchall()]
                findings.mark_alerted(con, to_alert, now=when)
                return {"alerted": len(to_alert)}

        write_check_results(warehouse, findings_count)
        total = _timed("first: record_findings", lambda: record(now))
        total += _timed("first: mark_alerted", lambda: alert(now))
        # a tenth gone, a tenth new (the range moves by 20% of its rows: half of them fail), 5% other numbers
        write_check_results(warehouse, findings_count, shift=findings_count // 5, changed_every=40)
        total += _timed("changed: record_findings", lambda: record(now + timedelta(days=1)))
        total += _timed("changed: mark_alerted", lambda: alert(now + timedelta(days=1)))
        total += _timed("same again: record_findings", lambda: record(now + timedelta(days=2)))
        total += _timed("same again: mark_alerted", lambda: alert(now + timedelta(days=2)))
        print(f"{'total':<40} {total:8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--module", help="another findings.py to time on the same data")
    arguments = parser.parse_args()
    run(arguments.findings, arguments.module)


if __name__ == "__main__":
    main()
