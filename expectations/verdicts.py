"""GX's verdict on each row of marts.fct_check_results, kept between runs so that a run validates only the rows
that are new or changed (pure: pandas in, pandas out; no Great Expectations, no I/O).

A row's verdict is what the checkpoint said about it: `failing` (unexpected for its suite's `fail`
expectation) and `incomplete` (unexpected for an identity's `incomplete` expectation). It holds for as long as
the row's values are the same, which its `row_digest` stands for (datasource.DIGEST_COLUMN: DuckDB's 64-bit hash
of every column of the row, its check_result_id included), so a row whose result, detail or any shown column
changed is validated again. Verdicts are found by digest alone: a number per row, where (id, digest) pairs were
two strings per row and at 10,000 reports took a +10 run's validation to 787 MiB. Two different rows sharing a
digest is a chance of about n^2 / 2^65 (1 in 10^8 at 577,000 rows). The caller keeps the verdicts of the last
validation (`VERDICT_COLUMNS`) and passes them back as `known`; they are trusted only while the suites, GX and
Data Docs are those that produced them (pipeline/steps.py decides that).

The outcome (`outcome`) is computed from the verdicts of every current row, whether validated in this run or
before, so it is the outcome a validation of the whole table gives.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from extract.check_catalogue import CHECKS, NOT_EVALUATED

from .datasource import DIGEST_COLUMN, INDEX_COLUMN
from .result import CheckCounts, ChecksValidation

FAIL_KIND, INCOMPLETE_KIND = "fail", "incomplete"  # an expectation's meta "kind": which verdict it gives
VERDICT_COLUMNS = (INDEX_COLUMN, DIGEST_COLUMN, "failing", "incomplete")
SUITE_NAMES = tuple(check.code for check in CHECKS)  # one suite per check, named by its code


KNOWN_COLUMNS = (DIGEST_COLUMN, "failing", "incomplete")  # what a later validation reads of VERDICT_COLUMNS


def rows_to_validate(frame: pd.DataFrame, digests: pd.Series, known: pd.DataFrame | None) -> pd.Series:
    """A boolean mask over `frame`: the rows whose digest has no known verdict (every row when `known` is None:
    a full validation)."""
    if known is None:
        return pd.Series(True, index=frame.index)
    return pd.Series(~digests.isin(known[DIGEST_COLUMN]).to_numpy(), index=frame.index)


def new_verdicts(validated: pd.DataFrame, digests: pd.Series,
                 unexpected: dict[tuple[str, str], Iterable[str]]) -> pd.DataFrame:
    """The verdicts of the rows a checkpoint just validated, from its unexpected ids per (check_code, kind)."""
    failing = {i for (_, kind), ids in unexpected.items() if kind == FAIL_KIND for i in ids}
    incomplete = {i for (_, kind), ids in unexpected.items() if kind == INCOMPLETE_KIND for i in ids}
    ids = validated[INDEX_COLUMN]
    return pd.DataFrame({INDEX_COLUMN: ids.to_numpy(), DIGEST_COLUMN: digests.loc[validated.index].to_numpy(),
                         "failing": ids.isin(failing).to_numpy(), "incomplete": ids.isin(incomplete).to_numpy()})


def current_verdicts(frame: pd.DataFrame, digests: pd.Series, known: pd.DataFrame | None,
                     validated: pd.DataFrame) -> pd.DataFrame:
    """One verdict per row of `frame`, in its order: this run's for the rows it validated, the known one for
    the others. Verdicts of rows gone from the table are dropped."""
    columns = list(KNOWN_COLUMNS)
    parts = [validated[columns]] if known is None else [known[columns], validated[columns]]
    merged = pd.concat(parts, ignore_index=True)
    verdicts = merged[["failing", "incomplete"]].set_axis(pd.Index(merged[DIGEST_COLUMN].to_numpy()))
    verdicts = verdicts[~verdicts.index.duplicated(keep="last")]  # this run's verdict over a known one
    found = verdicts.reindex(pd.Index(digests.to_numpy()))
    current = pd.DataFrame({INDEX_COLUMN: frame[INDEX_COLUMN].to_numpy(), DIGEST_COLUMN: digests.to_numpy(),
                            "failing": found["failing"].to_numpy(), "incomplete": found["incomplete"].to_numpy()})
    missing = current["failing"].isna()
    if missing.any():
        raise ValueError(f"no verdict for {int(missing.sum())} check results, e.g. "
                         f"{current.loc[missing, INDEX_COLUMN].iloc[0]}")
    return current.astype({"failing": bool, "incomplete": bool})[list(VERDICT_COLUMNS)]


def outcome(frame: pd.DataFrame, verdicts: pd.DataFrame, *, data_docs_index: Path, run_name: str,
            suites: tuple[str, ...], validated_rows: int) -> ChecksValidation:
    """The validation of the whole table `frame` from one verdict per row (`current_verdicts`)."""
    skipped = frame["result"] == NOT_EVALUATED
    evaluated = frame.loc[~skipped, "check_code"].value_counts().to_dict()
    not_evaluated = frame.loc[skipped, "check_code"].value_counts().to_dict()
    codes = frame["check_code"].to_numpy()
    failed = pd.Series(codes[verdicts["failing"].to_numpy()]).value_counts().to_dict()
    incomplete = pd.Series(codes[verdicts["incomplete"].to_numpy()]).value_counts().to_dict()
    counts = {code: CheckCounts(evaluated=int(evaluated.get(code, 0)), failed=int(failed.get(code, 0)),
                                incomplete=int(incomplete.get(code, 0)),
                                not_evaluated=int(not_evaluated.get(code, 0)))
              for code in SUITE_NAMES}
    failing = sorted(verdicts.loc[verdicts["failing"], INDEX_COLUMN])
    return ChecksValidation(
        success=not failing,
        counts=counts,
        failing_check_result_ids=tuple(failing),
        incomplete_check_result_ids=tuple(sorted(verdicts.loc[verdicts["incomplete"], INDEX_COLUMN])),
        data_docs_index=data_docs_index,
        run_name=run_name,
        suites=suites,
        validated_rows=validated_rows,
        row_verdicts=verdicts,
    )
