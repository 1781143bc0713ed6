"""What the pipeline sends maintainers: a `Digest` (one message) carrying the `Alert`s of the findings it reports.

A `StreamedDigest` is the same message read from the findings database on demand (its lines and alerts are
produced again for each sink, in batches) so that a run with a hundred thousand findings does not hold them all
in memory; the sinks read either kind through `lines()`, `iter_alerts()`, `fingerprints()`, `alert_count` and `counts`.
pipeline/digest.py writes them, pipeline/notify.py delivers them; both import these types from here.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator


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
        # what dataclasses.asdict gives (every field is a scalar), without its deep copies: a first run writes
        # a hundred thousand of these
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class DigestCounts:
    """What a digest's headline and summary say: the number of alerts, by severity, by check, and by agency
    (each agency's alerts by severity). Proportional to the agencies and checks, never to the alerts."""

    total: int
    by_severity: Counter
    by_check: Counter
    by_agency: dict[str, Counter]

    @classmethod
    def of_agencies(cls, by_agency: dict[str, Counter], by_check: Counter) -> DigestCounts:
        by_severity: Counter = Counter()
        for counts in by_agency.values():
            by_severity.update(counts)
        return cls(sum(by_severity.values()), by_severity, by_check, by_agency)

    @classmethod
    def of_alerts(cls, alerts: list[Alert]) -> DigestCounts:
        by_agency: dict[str, Counter] = {}
        for alert in alerts:
            by_agency.setdefault(alert.agency or "(agency not read)", Counter())[alert.severity or "?"] += 1
        return cls(len(alerts), Counter(a.severity or "?" for a in alerts),
                   Counter(a.check_code or "?" for a in alerts), by_agency)


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

    @property
    def alert_count(self) -> int:
        return len(self.alerts)

    @property
    def counts(self) -> DigestCounts:
        return DigestCounts.of_alerts(self.alerts)

    def lines(self) -> Iterator[str]:
        return iter(self.text.split("\n"))

    def iter_alerts(self) -> Iterator[Alert]:
        return iter(self.alerts)

    def fingerprints(self) -> Iterator[str]:
        return (a.fingerprint or a.alert_id for a in self.alerts)

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "kind": self.kind, "subject": self.subject, "text": self.text,
                "alerts": [a.to_dict() for a in self.alerts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        return cls(run_id=str(data.get("run_id") or "unknown-run"), subject=str(data.get("subject") or ""),
                   text=str(data.get("text") or ""), kind=str(data.get("kind") or "findings"),
                   alerts=[Alert.from_dict(a) for a in data.get("alerts") or []])


class StreamedDigest:
    """A findings digest whose text and alerts are not held in memory: `lines` and `alerts` are called again for
    each reading (the digest copy, each chat channel, the alerts file) and yield in batches from the findings
    database; `counts` (aggregated there) make the subject, the headline and a channel's summary. `text` and
    `alerts` build the whole digest in memory: only for a digest small enough to send whole."""

    kind = "findings"

    def __init__(self, run_id: str, subject: str, counts: DigestCounts, lines: Callable[[], Iterator[str]],
                 alerts: Callable[[], Iterator[Alert]], fingerprints: Callable[[], Iterator[str]]):
        self.run_id, self.subject, self.counts = run_id, subject, counts
        self._lines, self._alerts, self._fingerprints = lines, alerts, fingerprints

    @property
    def alert_count(self) -> int:
        return self.counts.total

    @property
    def size(self) -> int:
        return self.counts.total or 1

    def lines(self) -> Iterator[str]:
        return self._lines()

    def iter_alerts(self) -> Iterator[Alert]:
        return self._alerts()

    def fingerprints(self) -> Iterator[str]:
        """The alerts' fingerprints, in their order, without making the alerts."""
        return self._fingerprints()

    @property
    def text(self) -> str:
        return "\n".join(self.lines())

    @property
    def alerts(self) -> list[Alert]:
        return list(self.iter_alerts())

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "kind": self.kind, "subject": self.subject, "text": self.text,
                "alerts": [a.to_dict() for a in self.iter_alerts()]}
