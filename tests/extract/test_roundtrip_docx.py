"""Round trips through the DOCX parser: random reports written by python-docx with real merged cells
(gridSpan across, vMerge down)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from tests.support.round_trips import ROUNDTRIP, assert_exact_round_trip, extract, generated


@settings(ROUNDTRIP, max_examples=25)
@given(rng=st.randoms(use_true_random=False), valid=st.booleans())
def test_a_docx_report_extracts_to_exactly_its_cells(rng, valid):
    doc = generated(rng, "docx", valid)
    assert_exact_round_trip(doc, extract(doc))
