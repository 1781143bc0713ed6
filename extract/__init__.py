"""Extraction of the statistical tables of 政府信息公开工作年度报告 into canonical cells.

    from extract import extract_file
    result = extract_file("report.pdf")   # the same dict `python -m extract report.pdf` prints
"""
from .core import extract_bytes, extract_file

__all__ = ["extract_bytes", "extract_file"]
