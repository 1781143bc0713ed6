"""The typed outcome of a checkpoint run: what the notifier turns into alerts."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

BREACH, INCOMPLETE = "fail", "incomplete"


@dataclass(frozen=True)
class IdentityFinding:
    """One identity evaluation the expectations flagged, located well enough to open the report."""

    document_hash: str
    agency: str | None
    year: int | None
    identity: int  # 1-5, the numbering of the spec
    scope_kind: str  # "column" (identities 1, 2, 5: a 表三 column) or "row" (3, 4: a 表三/表四 row)
    scope: str  # the canonical column or row key, e.g. "total", "reconsideration"
    lhs: float | None  # None when incomplete
    rhs: float | None
    object_key: str | None  # where the raw report lives in object storage
    result: str  # BREACH ("fail") or INCOMPLETE
    check_name: str  # "identity_<n>:<scope>", as extract/identities.py names it
    suite: str  # the expectation suite that reported it
    compared_document_hash: str | None = None  # identity 5: the previous year's report
    missing_cells: tuple[str, ...] = ()  # incomplete: the blank or absent cells

    @property
    def difference(self) -> float | None:
        return None if self.lhs is None or self.rhs is None else self.lhs - self.rhs


@dataclass(frozen=True)
class CheckpointResult:
    """`success` is False exactly when a printed sum does not add up (`failures` is not empty).

    Blank cells inside an identity are listed in `incomplete` (severity warning in the suites) and do not
    make the run fail. `counts` has `evaluated`, `passed`, `failed`, `incomplete` identity evaluations.
    """

    success: bool
    failures: tuple[IdentityFinding, ...]
    incomplete: tuple[IdentityFinding, ...]
    counts: dict[str, int]
    data_docs_index: Path
    run_name: str
    suites: tuple[str, ...] = field(default=())
