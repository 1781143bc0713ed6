"""Exact test documents: random annual reports with known cells, rendered as TXT, HTML, DOCX and PDF.

Used by the round-trip tests (tests/extract/test_roundtrip_*.py) and the benchmark (`python -m tests.support.bench_extraction`).
"""
from .document import Document, build_document
from .layout import Style, random_style
from .report import Breach, Report, random_invalid_report, random_report, with_breach
from .variants import FORMATS, VARIANTS, GeneratedDocument, document_for, generate, render, variants_of

__all__ = [
    "Breach", "Document", "FORMATS", "GeneratedDocument", "Report", "Style", "VARIANTS", "build_document",
    "document_for", "generate", "random_invalid_report", "random_report", "random_style", "render",
    "variants_of", "with_breach",
]
