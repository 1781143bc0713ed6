"""Extraction of the statistical tables of 政府信息公开工作年度报告 into canonical cells.

    from extract import extract_file
    result = extract_file("report.pdf")   # an ExtractionResult: result.status, result.cells, ...
    result.to_dict()                      # the JSON `python -m extract report.pdf` prints (plus "text")
"""
from .core import extract_bytes, extract_file
from .options import ExtractOptions
from .result import ExtractionResult

__all__ = ["ExtractOptions", "ExtractionResult", "extract_bytes", "extract_file"]
