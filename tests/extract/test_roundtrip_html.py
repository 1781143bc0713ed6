"""Round trips through the HTML parser: random reports as plain HTML, Word-exported markup and a portal
page with its chrome, tables with the template's merged headers and row groups."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tests.support.round_trips import ROUNDTRIP, assert_exact_round_trip, extract, generated


@pytest.mark.parametrize("variant", ["html-plain", "html-word", "html-chrome"])
@settings(ROUNDTRIP, max_examples=30)
@given(rng=st.randoms(use_true_random=False), valid=st.booleans())
def test_an_html_report_extracts_to_exactly_its_cells(variant, rng, valid):
    doc = generated(rng, variant, valid)
    assert_exact_round_trip(doc, extract(doc))
