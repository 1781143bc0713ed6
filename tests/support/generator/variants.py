"""Named renderings of a report (format + layout variant), and generation of a document from a seed.

    doc = generate(seed=7, variant="html-word", valid=False)
    doc.data       # the bytes to feed to extract_bytes
    doc.report     # the truth: cells, template, agency, year, breach

A `random.Random` drives the report, the style and the narrative, so the same seed and variant give the
same bytes (PDF: the same text layer; Chromium stamps a creation date in the file).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Callable

from .document import Document, build_document
from .docx import render_docx
from .html import RADICALS_FONT, HtmlOptions, render_html
from .layout import Style, random_style
from .pdf import print_pdf
from .report import Report, random_invalid_report, random_report
from .text import render_text


def _plain_digits(style: Style) -> Style:
    """The crawled form: plain digits, blank cells left empty (they vanish when the row is glued)."""
    return replace(style, numbers="plain", null_token="", unit_in_cell=False)


def _visible_nulls(style: Style) -> Style:
    """Forms where an empty cell would be lost (one per line) or ambiguous print a dash instead."""
    return style if style.null_token else replace(style, null_token="—")


# 表三 broken inside the 无法提供 group, as in the real Hongze 2023 PDF (page break after row 2 of (四)), with
# its header rows repeated on the next page
T3_SPLIT = HtmlOptions(ruled=True, repeat_t3_header=True, break_t3_before_row=14, for_print=True)
# 表四's header rows at the foot of a page and its row of 15 numbers at the top of the next (not repeated)
T4_SPLIT = HtmlOptions(ruled=True, break_t4_before_values=True, for_print=True)


@dataclass(frozen=True)
class Variant:
    name: str
    format: str  # what sniff.sniff_format must say: txt | html | docx | pdf
    render: Callable[[Document], bytes]
    adjust_style: Callable[[Style], Style] = lambda style: style
    slow: bool = False  # needs Chromium (about a second per document)


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("txt-tabs", "txt", lambda d: render_text(d, "tabs")),
    Variant("txt-lines", "txt", lambda d: render_text(d, "lines"), _visible_nulls),
    Variant("txt-markdown", "txt", lambda d: render_text(d, "markdown")),
    Variant("txt-glued", "txt", lambda d: render_text(d, "glued"), _plain_digits),
    Variant("html-plain", "html", lambda d: render_html(d, HtmlOptions())),
    Variant("html-word", "html", lambda d: render_html(d, HtmlOptions(word_markup=True))),
    Variant("html-chrome", "html", lambda d: render_html(d, HtmlOptions(word_markup=True, chrome=True))),
    Variant("docx", "docx", render_docx),
    Variant("pdf-ruled", "pdf", lambda d: print_pdf(render_html(d, HtmlOptions(ruled=True, for_print=True))),
            slow=True),
    Variant("pdf-borderless", "pdf",
            lambda d: print_pdf(render_html(d, HtmlOptions(ruled=False, for_print=True))), slow=True),
    Variant("pdf-split", "pdf", lambda d: print_pdf(render_html(d, T3_SPLIT)), slow=True),
    Variant("pdf-split-t4", "pdf", lambda d: print_pdf(render_html(d, T4_SPLIT)), slow=True),
    # Chromium + Noto CJK: the text layer spells some ideographs as Kangxi radicals (⼯ U+2F2F for 工)
    Variant("pdf-radicals", "pdf",
            lambda d: print_pdf(render_html(d, HtmlOptions(ruled=True, for_print=True, font=RADICALS_FONT))),
            slow=True),
)}
FORMATS = ("txt", "html", "docx", "pdf")


def variants_of(fmt: str) -> list[str]:
    return [name for name, v in VARIANTS.items() if v.format == fmt]


@dataclass(frozen=True)
class GeneratedDocument:
    report: Report
    document: Document
    variant: str
    data: bytes

    @property
    def format(self) -> str:
        return VARIANTS[self.variant].format

    @property
    def name(self) -> str:
        return f"{self.report.agency}-{self.report.year}-{self.variant}.{self.format}"


def document_for(report: Report, variant: str, rng: random.Random, style: Style | None = None) -> Document:
    chosen = VARIANTS[variant]
    style = chosen.adjust_style(style if style is not None else random_style(rng))
    return build_document(report, style, rng)


def render(report: Report, variant: str, rng: random.Random, style: Style | None = None) -> GeneratedDocument:
    """Render `report` as `variant`; `rng` draws the presentation (style, title form, narrative)."""
    document = document_for(report, variant, rng, style)
    return GeneratedDocument(report, document, variant, VARIANTS[variant].render(document))


def generate(seed: int, variant: str, *, valid: bool = True, **report_kwargs) -> GeneratedDocument:
    """A deterministic document: the same seed, variant and validity give the same report and bytes."""
    rng = random.Random(f"{seed}:{variant}:{'valid' if valid else 'breach'}")
    report = random_report(rng, **report_kwargs) if valid else random_invalid_report(rng, **report_kwargs)
    return render(report, variant, rng)
