"""Every document with hand-made gold: the bundled samples and the real dev corpus (all formats).

A document may be flagged (needs_review) when it is genuinely ambiguous, but it must never be read wrong
while claiming status ok, and it must never fail outright.
"""
from __future__ import annotations

import json
import math

import pytest

from tests.support.paths import DEV_CASES_DIR, SAMPLES_DIR
from extract import extract_file

SAMPLES = SAMPLES_DIR
DEV_CASES = DEV_CASES_DIR


def _sample_cases():
    for gold_path in sorted((SAMPLES / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        document = SAMPLES / gold["document"]
        yield pytest.param(document, gold, id=f"sample {document.name} is read exactly or flagged")


def _dev_cases():
    for case in sorted(p for p in DEV_CASES.iterdir() if (p / "gold.json").exists()):
        gold = json.loads((case / "gold.json").read_text(encoding="utf-8"))
        meta_path = case / "meta.json"
        if "year" not in gold and meta_path.exists():
            gold["year"] = json.loads(meta_path.read_text(encoding="utf-8")).get("year")
        for source in sorted(case.glob("source.*")):
            yield pytest.param(source, gold, id=f"dev case {case.name} {source.name} is read exactly or flagged")


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)


def wrong_cells(result: dict, gold: dict) -> dict:
    got = result.cells
    return {k: (v, got.get(k, "<missing>")) for k, v in gold["cells"].items() if k not in got or not same(v, got[k])}


@pytest.mark.parametrize("document, gold", list(_sample_cases()) + list(_dev_cases()))
def test_gold_document_is_exact_or_flagged_never_silently_wrong(document, gold):
    result = extract_file(document)
    assert result.status != "failed", result.issues
    if result.status == "ok":
        assert wrong_cells(result, gold) == {}
        if gold.get("year") is not None:
            assert result.year == gold["year"]


def test_all_bundled_samples_are_read_exactly_with_status_ok():
    outcomes = {}
    for param in _sample_cases():
        document, gold = param.values
        result = extract_file(document)
        outcomes[document.name] = (result.status, len(wrong_cells(result, gold)), result.year == gold["year"])
    assert len(outcomes) == 5
    assert outcomes == {name: ("ok", 0, True) for name in outcomes}
