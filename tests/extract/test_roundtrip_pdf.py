"""Round trips through the PDF parser on a fixed set of Chromium-printed reports (printing costs about a
second per document, so these are cases, not hypothesis examples): ruled and borderless tables, 表三 split
across pages with its header repeated, blanks, breaches, both templates, and the Kangxi-radical text layer."""
from __future__ import annotations

import pytest

from tests.support.round_trips import PDF_CASES, assert_exact_round_trip, extract_plain, print_pdf_cases

pytestmark = [pytest.mark.integration, pytest.mark.needs("chromium")]


@pytest.fixture(scope="module")
def pdfs():
    return print_pdf_cases()


@pytest.mark.parametrize("case_id", [case[0] for case in PDF_CASES])
def test_a_printed_pdf_report_extracts_to_exactly_its_cells(pdfs, case_id):
    doc = pdfs[case_id]
    assert_exact_round_trip(doc, extract_plain(doc))
