"""Scanned reports delivered as images (PNG, JPEG, TIFF with one page per frame): read by OCR
(extract/ocr/) into the PDF parser's page layouts, then stitched and interpreted exactly like a PDF.
Frames are bounded by EXTRACT_MAX_PDF_PAGES."""
from __future__ import annotations

from ..model import ExtractionError, ParsedDocument
from ..options import ExtractOptions
from ..registry import register
from . import pdf


@register("image")
def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument:
    from ..ocr import document as ocr

    unavailable = ocr.unavailable()
    if unavailable:
        raise ExtractionError("unsupported_format", f"an image, which is read by OCR, and OCR is not "
                                                    f"available ({unavailable})")
    pages, issues, source = ocr.read_image(data, options)
    layouts = ocr.page_layouts(pages)
    parsed = pdf.parse_layouts([layouts[n] for n in sorted(layouts)], issues)
    ocr.verify(parsed, pages, source)
    parsed.ocr = True
    return parsed
