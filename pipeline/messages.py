"""What the pipeline sends maintainers: a `Digest` (one message) carrying the `Alert`s of the findings it reports.

pipeline/digest.py writes them, pipeline/notify.py delivers them; both import these types from here.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Alert:
    """One finding as the alerts file and the webhook carry it: what a maintainer needs to find and check it.
    The fields are the alerts file's columns (one JSON line per alert)."""

    agency: str | None
    year: int | None
    identity: int | None  # 1-5 for the accounting identities, None for the other checks
    scope: str | None  # the row or column the check was evaluated on
    lhs: float | None
    rhs: float | None
    object_key: str | None  # the raw document in object storage
    document_hash: str | None
    original_name: str | None = None
    scope_kind: str | None = None  # "row", "column", ...
    check_name: str | None = None
    check_code: str | None = None  # e.g. identity_1, narrative_8 (extract/check_catalogue.py)
    severity: str | None = None
    fingerprint: str | None = None  # the finding's stable id in the findings history
    compared_document_hash: str | None = None  # identity 5: the previous year's report
    message: str = ""
    alert_id: str = ""  # the fingerprint

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Digest:
    """One message to the maintainers: a subject, a text, and the alerts it carries (none for a technical one)."""

    run_id: str
    subject: str
    text: str
    alerts: list[Alert] = field(default_factory=list)
    kind: str = "findings"  # findings | technical

    @property
    def size(self) -> int:
        """What the outcome counts: alerts, or 1 for a message without any (a technical alert)."""
        return len(self.alerts) or 1

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "kind": self.kind, "subject": self.subject, "text": self.text,
                "alerts": [a.to_dict() for a in self.alerts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        return cls(run_id=str(data.get("run_id") or "unknown-run"), subject=str(data.get("subject") or ""),
                   text=str(data.get("text") or ""), kind=str(data.get("kind") or "findings"),
                   alerts=[Alert.from_dict(a) for a in data.get("alerts") or []])
