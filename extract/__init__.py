"""Extraction of the statistical tables of 政府信息公开工作年度报告 into canonical cells.

    from extract import extract_file
    result = extract_file("report.pdf")   # an ExtractionResult: result.status, result.cells, ...
    result.to_dict()                      # the JSON `python -m extract report.pdf` prints (plus "text")
    extract_file("2024.txt", evidence=Evidence(PreviousReport(2023, cells_of_2023)))  # optional evidence
"""
from .core import extract_bytes, extract_file
from .evidence import Evidence, PreviousReport
from .options import ExtractOptions
from .result import ExtractionResult

__all__ = ["Evidence", "ExtractOptions", "ExtractionResult", "PreviousReport", "extract_bytes", "extract_file"]
