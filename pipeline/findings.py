"""Findings that survive reruns: what the checks flagged, with a stable fingerprint, history and decisions.

dbt rebuilds `marts.fct_check_results` on every run (every evaluation of every check: pass, fail,
incomplete). What must outlive a rebuild is kept in its own DuckDB file (`FINDINGS_DB_PATH`, default
`var/findings.duckdb`), which attaches the warehouse read-only as `warehouse`; the warehouse itself stays
identical across reruns, and `python -m pipeline rebuild` (a new warehouse file) keeps the history:

    findings_history  one row per fingerprint ever flagged: first_seen, last_seen, status open | resolved,
                      opened_at (last (re)opening), alerted_at (last digest)
    decisions         the maintainers' decisions, reloaded from the review file on every run
    fct_findings      one row per finding, history + current numbers + decision (rebuilt each run)
    merged_check_results  the key of the check results merged last (a rerun on the same ones skips the merge)

A finding is a `fail` of any check, or an `incomplete` identity (a blank cell inside an identity of the
spec); `not_evaluated` never is. Its fingerprint hashes agency, year, check and row/column (never the document
hash or the numbers), so re-extracting a report, crawling it again in another format, or another rendering
becoming the representative one keeps its findings and their decisions.

Decisions: a CSV file (`REVIEW_DECISIONS_PATH`, default `reviews/decisions.csv`) with the columns
fingerprint, decision (confirmed | dismissed), note, decided_by, decided_at. A dismissed finding is never
alerted again, even if it resolves and reopens. `record_findings` is idempotent: rerunning it on the same
warehouse changes only last_seen.
"""
from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger(__name__)

WAREHOUSE_ALIAS = "warehouse"
CHECK_RESULTS_TABLE = f"{WAREHOUSE_ALIAS}.marts.fct_check_results"
DECISIONS = ("confirmed", "dismissed")
DECISION_COLUMNS = ("fingerprint", "decision", "note", "decided_by", "decided_at")

DDL = f"""
create table if not exists findings_history (
    fingerprint     varchar primary key,
    agency          varchar,
    year            integer,
    check_code      varchar not null,
    check_family    varchar,
    severity        varchar not null,
    scope_kind      varchar,
    scope           varchar,
    result          varchar not null,
    lhs             double,
    rhs             double,
    detail          varchar,
    missing_cells   varchar,
    document_hash   varchar,
    compared_document_hash varchar,
    object_key      varchar,
    original_name   varchar,
    line            integer,
    page            integer,
    first_seen      timestamp not null,
    last_seen       timestamp not null,
    status          varchar not null,
    opened_at       timestamp not null,
    resolved_at     timestamp,
    times_reopened  integer not null default 0,
    alerted_at      timestamp
);
create table if not exists merged_check_results (
    warehouse_key varchar  -- the checked warehouse whose check results the history holds (steps.checked_warehouse_key)
);
create table if not exists decisions (
    fingerprint varchar primary key,
    decision    varchar not null,
    note        varchar,
    decided_by  varchar,
    decided_at  varchar
);
"""

# fct_check_results holds the checked documents only (one representative per agency and year, and the
# documents whose agency or year could not be read), so a second rendering of a report never has findings
# of its own; a not_evaluated row (a check across years without the report to compare with) is never one.
CURRENT_FINDINGS_SQL = f"""
select *
from (
    select
        *,
        row_number() over (
            partition by coalesce(agency, document_hash), year, check_code, scope_kind, scope, result
            order by is_representative desc, document_hash
        ) as rendering_rank
    from {CHECK_RESULTS_TABLE}
    where result = 'fail' or (result = 'incomplete' and check_code like 'identity_%')
)
where rendering_rank = 1
"""

HISTORY_COLUMNS = (
    "agency", "year", "check_code", "check_family", "severity", "scope_kind", "scope", "result", "lhs", "rhs",
    "detail", "missing_cells", "document_hash", "compared_document_hash", "object_key", "original_name", "line",
    "page",
)


def fingerprint(agency: str | None, year: int | None, check_code: str, scope_kind: str | None,
                scope: str | None, result: str, document_hash: str | None = None) -> str:
    """Stable across reruns, re-extraction and renderings: the report (agency, year), the check, the row or
    column, and whether it is a breach or an incomplete evaluation. Without an agency, the document.

    The reference for `fingerprint_sql`, which the merge uses: both must give the same text for every input."""
    who = agency if agency else f"document:{document_hash}"
    basis = "|".join(str(part) for part in (who, year, check_code, scope_kind, scope, result))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def _as_python_str(column: str) -> str:
    return f"coalesce({column}::varchar, 'None')"  # str(None) is 'None'; str(2023) is '2023', as is 2023::varchar


# `fingerprint()` as a DuckDB expression over the columns agency, year, check_code, scope_kind, scope, result and
# document_hash, for the merge: tests/pipeline/test_findings_lifecycle.py holds both to the same text
FINGERPRINT_SQL = "left(sha256({}), 16)".format(" || '|' || ".join([
    f"case when agency is null or agency = '' then 'document:' || {_as_python_str('document_hash')} else agency end",
    *(_as_python_str(column) for column in ("year", "check_code", "scope_kind", "scope", "result"))]))


@dataclass(frozen=True)
class Decision:
    fingerprint: str
    decision: str
    note: str = ""
    decided_by: str = ""
    decided_at: str = ""


def read_decisions(path: str | Path | None) -> dict[str, Decision]:
    """The review file, keyed by fingerprint (a later line wins). Missing file: no decisions. A line with an
    unknown decision is logged and ignored, never fatal: a typo must not stop the alerts."""
    if path is None or not Path(path).is_file():
        return {}
    decisions: dict[str, Decision] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=2):
            fp = (row.get("fingerprint") or "").strip()
            decision = (row.get("decision") or "").strip().lower()
            if not fp:
                continue
            if decision not in DECISIONS:
                log.warning("%s line %d: decision %r is not one of %s; ignored", path, number, decision, DECISIONS)
                continue
            decisions[fp] = Decision(fp, decision, (row.get("note") or "").strip(),
                                     (row.get("decided_by") or "").strip(), (row.get("decided_at") or "").strip())
    return decisions


def write_decision(path: str | Path, decision: Decision) -> None:
    """Append one decision to the review file (creating it with its header): what a maintainer would do by
    hand, used by tests and scripts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.is_file() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if new_file:
            writer.writerow(DECISION_COLUMNS)
        writer.writerow([decision.fingerprint, decision.decision, decision.note, decision.decided_by,
                         decision.decided_at])


def ensure_schema(con) -> None:
    con.execute(DDL)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def open_findings_db(findings_path: str | Path, warehouse_path: str | Path | None, memory_limit: str | None = None):
    """A connection to the findings file with the warehouse attached read-only as `warehouse` (when it
    exists), DuckDB taking at most `memory_limit` (a DuckDB size; its default is 80% of the machine's memory).
    Close it with .close()."""
    import duckdb  # not at the top: the DAG file imports the steps, and through them this module, at parse time

    Path(findings_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(findings_path), config={"memory_limit": memory_limit} if memory_limit else {})
    if warehouse_path is not None and Path(warehouse_path).exists():
        con.execute(f"attach '{_sql_string(str(warehouse_path))}' as {WAREHOUSE_ALIAS} (read_only)")
    ensure_schema(con)
    return con


def fetch_dicts(cursor) -> list[dict[str, Any]]:
    """The remaining rows of an executed DuckDB cursor (or connection), each as {column: value}."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _sql_string(value: str) -> str:
    return value.replace("'", "''")


def has_check_results(con) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = 'marts' "
        "and table_name = 'fct_check_results'", [WAREHOUSE_ALIAS]).fetchone()[0])


def _stage_current_findings(con) -> None:
    """This run's findings into the temporary table current_findings: one row per fingerprint (computed in SQL,
    FINGERPRINT_SQL), with the history's columns."""
    con.execute(f"""
        create or replace temp table current_findings as
        select {FINGERPRINT_SQL} as fingerprint, {', '.join(HISTORY_COLUMNS)}
        from ({CURRENT_FINDINGS_SQL})
        qualify row_number() over (partition by fingerprint order by is_representative desc, document_hash) = 1
    """)


def current_findings(con) -> list[dict[str, Any]]:
    """fail / incomplete-identity rows of this run's check results, one per fingerprint."""
    if not has_check_results(con):
        return []
    _stage_current_findings(con)
    cursor = con.execute("select * from current_findings order by fingerprint")
    return fetch_dicts(cursor)


def record_findings(con, decisions: dict[str, Decision], now: datetime | None = None,
                    warehouse_key: str | None = None) -> dict[str, Any]:
    """Merge this run's findings into the history, reload the decisions, rebuild fct_findings.

    New fingerprints open; resolved ones that are flagged again reopen; open ones no longer flagged resolve.
    Returns counts {open, new, reopened, resolved, dismissed} (new/reopened: in this call) and `merged`.

    The merge is a few set statements whatever the number of findings: one INSERT of the new fingerprints, one
    UPDATE of those flagged again whose values changed or that reopen, one UPDATE resolving the open ones no
    longer flagged, one UPDATE moving last_seen of every open one (after the merge, the open ones are exactly
    the current ones).

    `warehouse_key` names the check results (None: unknown). When the history last merged the check results
    of that same key, the merge is not done again: only last_seen moves; the decisions are reloaded either way."""
    now = now or _now()
    ensure_schema(con)
    if warehouse_key is not None and _merged_key(con) == warehouse_key and has_check_results(con):
        con.execute("begin transaction")
        try:
            con.execute("update findings_history set last_seen = ? where status = 'open'", [now])
            _replace_decisions(con, decisions)
            _rebuild_fct_findings(con)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        return {"new": 0, "reopened": 0, "resolved": 0, **_totals(con), "merged": False}
    if not has_check_results(con):
        # no checks ran (dbt did not build the marts): nothing may be resolved on that account
        log.warning("no %s: the findings history was left as it was", CHECK_RESULTS_TABLE)
        _rebuild_fct_findings(con)
        return {"new": 0, "reopened": 0, "resolved": 0, "open": None, "dismissed_open": None, "total": None,
                "skipped": "no check results"}
    con.execute("begin transaction")
    try:
        _stage_current_findings(con)
        counts = _merge_counts(con)
        _merge(con, now)
        _replace_decisions(con, decisions)
        _rebuild_fct_findings(con)
        con.execute("delete from merged_check_results")
        con.execute("insert into merged_check_results values (?)", [warehouse_key])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists current_findings")
    return {**counts, **_totals(con), "merged": True}


def _merge_counts(con) -> dict[str, int]:
    """What the merge will do, counted before it does it."""
    new, reopened = con.execute(
        "select count(*) filter (where history.fingerprint is null), "
        "count(*) filter (where history.status = 'resolved') "
        "from current_findings as current left join findings_history as history using (fingerprint)").fetchone()
    resolved = con.execute(
        "select count(*) from findings_history as history where status = 'open' and not exists "
        "(select 1 from current_findings as current where current.fingerprint = history.fingerprint)").fetchone()[0]
    return {"new": new, "reopened": reopened, "resolved": resolved}


def _merge(con, now: datetime) -> None:
    columns = ", ".join(HISTORY_COLUMNS)
    con.execute(f"""
        insert into findings_history (fingerprint, {columns}, first_seen, last_seen, status, opened_at)
        select fingerprint, {columns}, $now, $now, 'open', $now
        from current_findings as current
        where not exists (select 1 from findings_history as history
                          where history.fingerprint = current.fingerprint)
    """, {"now": now})
    changed = " or ".join(f"history.{c} is distinct from current.{c}" for c in HISTORY_COLUMNS)
    reopens = "history.status = 'resolved'"
    con.execute(f"""
        update findings_history as history set
            {', '.join(f"{c} = current.{c}" for c in HISTORY_COLUMNS)},
            status = 'open',
            opened_at = case when {reopens} then $now else history.opened_at end,
            resolved_at = case when {reopens} then null else history.resolved_at end,
            times_reopened = history.times_reopened + case when {reopens} then 1 else 0 end
        from current_findings as current
        where history.fingerprint = current.fingerprint and ({reopens} or {changed})
    """, {"now": now})
    con.execute("""
        update findings_history as history set status = 'resolved', resolved_at = $now
        where status = 'open' and not exists (select 1 from current_findings as current
                                              where current.fingerprint = history.fingerprint)
    """, {"now": now})
    con.execute("update findings_history set last_seen = $now where status = 'open'", {"now": now})


def _merged_key(con) -> str | None:
    row = con.execute("select warehouse_key from merged_check_results").fetchone()
    return row[0] if row else None


def _replace_decisions(con, decisions: dict[str, Decision]) -> None:
    con.execute("delete from decisions")
    if decisions:
        columns = list(zip(*((d.fingerprint, d.decision, d.note, d.decided_by, d.decided_at)
                             for d in decisions.values())))
        con.execute("insert into decisions select unnest(?::varchar[]), unnest(?::varchar[]), "
                    "unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[])", [list(c) for c in columns])


def _totals(con) -> dict[str, int]:
    totals = dict(con.execute("select status, count(*) from fct_findings group by status").fetchall())
    dismissed = con.execute("select count(*) from fct_findings where decision = 'dismissed' "
                            "and status = 'open'").fetchone()[0]
    return {"open": totals.get("open", 0), "dismissed_open": dismissed, "total": sum(totals.values())}


def _rebuild_fct_findings(con) -> None:
    con.execute(f"""
        create or replace table fct_findings as
        select
            history.*,
            decisions.decision,
            decisions.note as decision_note,
            decisions.decided_by,
            decisions.decided_at,
            history.status = 'open' and coalesce(decisions.decision, '') <> 'dismissed'
                and (history.alerted_at is null or history.alerted_at < history.opened_at) as needs_alert
        from findings_history as history
        left join decisions as decisions
            on history.fingerprint = decisions.fingerprint
    """)


def published_state(con) -> str:
    """A digest of fct_findings as the quality report and the BI snapshot show it (statuses, numbers, sources,
    decisions, alerted_at), last_seen aside: it moves on every run, and alone it is no reason to publish again."""
    ensure_schema(con)
    if not has_fct_findings(con):
        return "no fct_findings"
    # the rows' count and the xor of their 64-bit hashes (a row is unique by its fingerprint, so no two cancel):
    # an md5 of each row as text, the digest before, took 0.1 s at 1,000 reports and 1 s at 10,000, twice a run.
    # DuckDB's hash may change with its version, which the keys this digest goes into hold as well.
    return con.execute("select count(*)::varchar || ':' || coalesce(bit_xor(hash(finding)), 0)::varchar "
                       "from (select * exclude (last_seen) from fct_findings) as finding").fetchone()[0]


def has_fct_findings(con) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = 'main' "
                            "and table_name = 'fct_findings' and table_catalog = current_database()").fetchone()[0])


# the order of the alerts file, of the quality report's and the run summary's lists, and of the digest text
# (pipeline/digest.py `digest_lines`: by agency name, year, check, scope as Python sorts them; DuckDB compares
# text by code point, as Python does); the fingerprint breaks ties
FINDINGS_ORDER = "agency nulls last, year, check_code, scope, fingerprint"
AGENCY_NAME_SQL = "coalesce(nullif(agency, ''), '(agency not read)')"
DIGEST_ORDER = f"{AGENCY_NAME_SQL}, coalesce(year, 0), check_code, coalesce(scope, 'None'), {FINDINGS_ORDER}"
FETCH_BATCH_ROWS = 2000


def findings_to_alert(con) -> list[dict[str, Any]]:
    """Open findings nobody was told about since they (re)opened, and nobody dismissed."""
    return list(iter_findings_to_alert(con))


def iter_findings_to_alert(con, order_by: str = FINDINGS_ORDER) -> Iterator[dict[str, Any]]:
    """`findings_to_alert` one at a time, fetched in batches of FETCH_BATCH_ROWS on a cursor of its own (so
    that several readings may be under way on one connection)."""
    cursor = con.cursor()
    try:
        cursor.execute(f"select * from fct_findings where needs_alert order by {order_by}")
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(FETCH_BATCH_ROWS):
            for row in rows:
                yield dict(zip(names, row))
    finally:
        cursor.close()


def iter_fingerprints_to_alert(con) -> Iterator[str]:
    """The fingerprints of `findings_to_alert`, in its order, in batches."""
    cursor = con.cursor()
    try:
        cursor.execute(f"select fingerprint from fct_findings where needs_alert order by {FINDINGS_ORDER}")
        while rows := cursor.fetchmany(FETCH_BATCH_ROWS):
            yield from (row[0] for row in rows)
    finally:
        cursor.close()


def counts_to_alert(con) -> tuple[dict[str, Counter], Counter]:
    """What the digest counts of the findings to alert, aggregated in SQL: by agency name (each by severity), and
    by check (messages.py `DigestCounts.of_agencies` makes the digest's counts of them)."""
    by_agency: dict[str, Counter] = {}
    for agency, severity, count in con.execute(
            f"select {AGENCY_NAME_SQL}, coalesce(severity, '?'), count(*) from fct_findings where needs_alert "
            f"group by all").fetchall():
        by_agency.setdefault(agency, Counter())[severity] = count
    by_check = Counter(dict(con.execute("select coalesce(check_code, '?'), count(*) from fct_findings "
                                        "where needs_alert group by all").fetchall()))
    return by_agency, by_check


def mark_alerted(con, fingerprints: list[str], now: datetime | None = None) -> None:
    if not fingerprints:
        return
    now = now or _now()
    con.execute("update findings_history set alerted_at = ? where fingerprint in (select unnest(?::varchar[]))",
                [now, list(fingerprints)])
    _rebuild_fct_findings(con)


def mark_findings_to_alert_alerted(con, now: datetime | None = None) -> int:
    """Mark alerted every finding `findings_to_alert` gives (those a digest just carried), in one UPDATE.
    Returns how many."""
    now = now or _now()
    (marked,) = con.execute("update findings_history set alerted_at = ? where fingerprint in "
                            "(select fingerprint from fct_findings where needs_alert)", [now]).fetchone()
    if marked:
        _rebuild_fct_findings(con)
    return marked


def all_findings(con) -> list[dict[str, Any]]:
    """Every finding, open or not (the quality report takes open_findings: a bounded number of open ones)."""
    ensure_schema(con)
    if not has_fct_findings(con):
        return []
    cursor = con.execute(f"select * from fct_findings order by agency nulls last, year, check_code, scope")
    return fetch_dicts(cursor)


def open_findings(con, most: int) -> tuple[list[dict[str, Any]], int]:
    """(at most `most` open findings, how many are open). Those listed are the failures before the warnings,
    then in FINDINGS_ORDER; they come back in FINDINGS_ORDER, so a short list keeps the order of a long one."""
    ensure_schema(con)
    if not has_fct_findings(con):
        return [], 0
    total = con.execute("select count(*) from fct_findings where status = 'open'").fetchone()[0]
    cursor = con.execute(f"""
        select * from (
            select * from fct_findings where status = 'open'
            order by case severity when 'failure' then 0 else 1 end, {FINDINGS_ORDER}
            limit ?)
        order by {FINDINGS_ORDER}""", [most])
    return fetch_dicts(cursor), total
