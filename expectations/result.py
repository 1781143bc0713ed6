"""The typed outcome of validating the check results (what the pipeline logs and passes on), and the error
of a validation that could not run."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CheckCounts:
    """One check's rows of marts.fct_check_results, as the suites saw them."""

    evaluated: int  # rows whose result is pass, fail or incomplete
    failed: int  # result fail: unexpected for the suite's first expectation
    incomplete: int  # result incomplete, reported only for the identities (see suites.incomplete_is_reported)
    not_evaluated: int = 0  # a check across years without the report to compare with (expected, never a finding)

    def to_dict(self) -> dict[str, int]:
        return {"evaluated": self.evaluated, "failed": self.failed, "incomplete": self.incomplete,
                "not_evaluated": self.not_evaluated}


@dataclass(frozen=True)
class ChecksValidation:
    """`success` is False exactly when some check has a `fail` row. Incomplete identities are listed
    (severity warning) and do not make it False."""

    success: bool
    counts: dict[str, CheckCounts]  # check_code -> counts, one entry per check of the catalogue
    failing_check_result_ids: tuple[str, ...]
    incomplete_check_result_ids: tuple[str, ...]
    data_docs_index: Path
    run_name: str
    suites: tuple[str, ...] = field(default=())
    # How many rows this run's checkpoint validated (and its Data Docs page shows): every row of the table in
    # a full validation, the new or changed ones otherwise, 0 when it did not run. The fields above describe
    # the whole table either way.
    validated_rows: int = 0
    # One verdict per row of the table (expectations/verdicts.py: VERDICT_COLUMNS), for the next run's `known`.
    row_verdicts: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for an Airflow XCom or a log line."""
        return {"success": self.success, "counts": {code: c.to_dict() for code, c in self.counts.items()},
                "failed": len(self.failing_check_result_ids),
                "incomplete": len(self.incomplete_check_result_ids),
                "data_docs_index": str(self.data_docs_index), "run_name": self.run_name,
                "validated_rows": self.validated_rows}


class ExpectationRunError(RuntimeError):
    """An expectation could not be evaluated (a GX or data-shape problem, not a finding)."""
