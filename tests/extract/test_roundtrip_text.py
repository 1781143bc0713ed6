"""Round trips through the text parser: random valid and invalid reports printed as the plain-text forms
real reports arrive in, extracted with `extract_bytes`, must come back cell for cell."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings, strategies as st

from tests.support.generator import random_report, render, with_breach
from tests.support.round_trips import ROUNDTRIP, assert_exact_or_flagged, assert_exact_round_trip, extract, \
    generated


@pytest.mark.parametrize("variant", ["txt-tabs", "txt-lines", "txt-markdown"])
@settings(ROUNDTRIP, max_examples=40)
@given(rng=st.randoms(use_true_random=False), valid=st.booleans())
def test_a_text_report_extracts_to_exactly_its_cells(variant, rng, valid):
    doc = generated(rng, variant, valid)
    assert_exact_round_trip(doc, extract(doc))


@settings(ROUNDTRIP, max_examples=60)
@given(rng=st.randoms(use_true_random=False), valid=st.booleans())
def test_a_crawled_report_with_glued_digits_is_exact_or_flagged_for_review(rng, valid):
    doc = generated(rng, "txt-glued", valid)
    assert_exact_or_flagged(doc, extract(doc))


@settings(ROUNDTRIP, max_examples=30)
@given(rng=st.randoms(use_true_random=False), valid=st.booleans())
def test_a_crawled_report_whose_glued_runs_split_one_way_only_is_exact(rng, valid):
    """No applications (表三 all zeros, as in the real pingtan-czj-2020 page) and single-digit counts: every
    glued run of digits splits one way only, so there is nothing to flag and the reading must be exact."""
    report = random_report(rng, template="2021", activity=0.0, max_count=2, blank_rate=0.0)
    if not valid:
        report = with_breach(report, rng)
        assume(report.breach.printed_value < 10)  # a two-digit number would make its run ambiguous
    doc = render(report, "txt-glued", rng)
    assert_exact_round_trip(doc, extract(doc))
