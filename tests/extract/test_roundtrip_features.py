"""One feature at a time: a fixed report in a plain style, then the same report with exactly one thing
changed (a blank cell, a null token, a number style, a label variant, the 2019 template, no 表四, a breach),
rendered in every fast format. A failure here is its own minimal example: the test id names the format and
the single feature that broke the round trip."""
from __future__ import annotations

import random
from dataclasses import replace

import pytest

from tests.support.generator import Report, Style, random_report, render, with_breach
from tests.support.generator.document import TITLE_FORMS, Block, title_lines
from tests.support.generator.variants import VARIANTS, GeneratedDocument
from extract.keys import key
from tests.support.round_trips import assert_exact_or_flagged, assert_exact_round_trip, blank_row, extract_plain

PLAIN = Style(null_token="", numbers="plain", parens="full", numbering="dot", social_label="社会公益组织",
              broken_headers=False, unit_in_cell=False)
EXACT_VARIANTS = ["txt-tabs", "txt-lines", "txt-markdown", "html-plain", "html-word", "html-chrome", "docx"]


def base_report(template: str = "2021") -> Report:
    return random_report(random.Random(f"feature-base-{template}"), template=template, year=2023 if template ==
                         "2021" else 2020, blank_rate=0.0, has_t4=True, activity=0.6)


def _set(report: Report, cell_key: str, value) -> Report:
    assert cell_key in report.cells
    return replace(report, cells={**report.cells, cell_key: value})


def _breach_at(report: Report, cell_key: str) -> Report:
    """A breach at a chosen cell: `with_breach` with a Random that picks that cell."""
    class Pick(random.Random):
        def choice(self, seq):
            return cell_key if cell_key in seq else super().choice(seq)
    return with_breach(report, Pick(0))


FEATURES = {
    "plain": (lambda: base_report(), PLAIN),
    "blank cell in t2": (lambda: _set(base_report(), key(2, "regulations", "repealed"), None), PLAIN),
    "blank cell in t3": (lambda: _set(base_report(), key(3, "denied_state_secret", "research_institution"), None),
                         PLAIN),
    "blank cell in t4": (lambda: _set(base_report(), key(4, "litigation_direct", "pending"), None), PLAIN),
    "blank row in t3": (lambda: blank_row(base_report(), "rejected_petition"), PLAIN),
    "null printed as hyphen": (lambda: _set(base_report(), key(3, "granted", "other_org"), None),
                          replace(PLAIN, null_token="-")),
    "null printed as em dash": (lambda: _set(base_report(), key(3, "granted", "other_org"), None),
                          replace(PLAIN, null_token="—")),
    "null printed as slash": (lambda: _set(base_report(), key(3, "granted", "other_org"), None),
                          replace(PLAIN, null_token="/")),
    "null printed as wu": (lambda: _set(base_report(), key(3, "granted", "other_org"), None),
                          replace(PLAIN, null_token="无")),
    "thousands separators": (lambda: _set(base_report(), key(2, "administrative_licensing", "decisions"), 12345),
                             replace(PLAIN, numbers="thousands")),
    "full-width digits": (lambda: base_report(), replace(PLAIN, numbers="fullwidth")),
    "trailing spaces": (lambda: base_report(), replace(PLAIN, numbers="padded")),
    "decimal fee amount": (lambda: _set(base_report(), key(2, "administrative_fees", "amount"), 18651.064104), PLAIN),
    "half-width parentheses": (lambda: base_report(), replace(PLAIN, parens="half")),
    "numbering with ideographic comma": (lambda: base_report(), replace(PLAIN, numbering="comma")),
    "social org column label variant": (lambda: base_report(), replace(PLAIN, social_label="社会组织")),
    "header words broken": (lambda: base_report(), replace(PLAIN, broken_headers=True)),
    "label spread with spaces": (lambda: base_report(), replace(PLAIN, spaced_labels=True)),
    "printed typos": (lambda: base_report(), replace(PLAIN, typos=True)),
    "2019 template": (lambda: base_report("2019"), PLAIN),
    "2019 negative change": (lambda: _set(base_report("2019"), key(2, "administrative_penalty", "change"), -7),
                             PLAIN),
    "2019 procurement unit in cell": (lambda: base_report("2019"), replace(PLAIN, unit_in_cell=True)),
    "no t4": (lambda: replace(base_report(), cells={k: v for k, v in base_report().cells.items()
                                                     if not k.startswith("t4.")}, has_t4=False), PLAIN),
    "breach in a t3 total": (lambda: _breach_at(base_report(), key(3, "granted", "total")), PLAIN),
    "breach in a t3 column": (lambda: _breach_at(base_report(), key(3, "carried_forward", "natural_person")),
                               PLAIN),
    "breach in t4": (lambda: _breach_at(base_report(), key(4, "reconsideration", "total")), PLAIN),
}


def _document(report: Report, style: Style, variant: str, title_form: str | None = None) -> GeneratedDocument:
    rng = random.Random("feature-presentation")
    doc = render(report, variant, rng, style=style)
    if title_form is None:
        return doc
    document = doc.document
    titles = title_lines(report, title_form)
    blocks = tuple(b for b in document.blocks if b.kind != "title")
    document = replace(document, title_lines=titles, blocks=tuple(Block("title", t) for t in titles) + blocks)
    return GeneratedDocument(report, document, variant, VARIANTS[variant].render(document))


@pytest.mark.parametrize("feature", list(FEATURES))
@pytest.mark.parametrize("variant", EXACT_VARIANTS)
def test_one_feature_round_trips_exactly(variant, feature):
    make_report, style = FEATURES[feature]
    doc = _document(make_report(), style, variant)
    assert_exact_round_trip(doc, extract_plain(doc))


@pytest.mark.parametrize("title_form", TITLE_FORMS)
@pytest.mark.parametrize("variant", EXACT_VARIANTS + ["txt-glued"])
def test_every_title_form_gives_the_agency_and_year(variant, title_form):
    doc = _document(base_report(), PLAIN, variant, title_form)
    result = extract_plain(doc)
    assert (result.agency, result.year) == (doc.report.agency, doc.report.year)


@pytest.mark.parametrize("feature", ["plain", "blank cell in t3", "2019 template", "no t4",
                                     "breach in a t3 total", "breach in t4"])
def test_one_feature_in_the_crawled_glued_form_is_exact_or_flagged(feature):
    make_report, style = FEATURES[feature]
    doc = _document(make_report(), style, "txt-glued")
    assert_exact_or_flagged(doc, extract_plain(doc))

