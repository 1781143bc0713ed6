"""The limits of one extraction, read from the environment once and passed to the guards and parsers.

    options = ExtractOptions.from_env()       # EXTRACT_MAX_BYTES, EXTRACT_TIMEOUT_S, EXTRACT_OCR_DPI, ...
    extract_bytes(data, name, options)

A value that is not a positive number falls back to its default with a warning: a typo in the environment
must neither disable a limit nor crash every extraction.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable, Mapping, TypeVar

log = logging.getLogger(__name__)

Number = TypeVar("Number", int, float)

# scans are read at no less (digits blur into each other) and no more (seconds per page grow with the square)
MIN_OCR_DPI, MAX_OCR_DPI = 72.0, 600.0


@dataclass(frozen=True)
class ExtractOptions:
    max_bytes: int = 50 * 1024 * 1024  # EXTRACT_MAX_BYTES: larger files are hashed, never parsed
    timeout_s: float = 300.0  # EXTRACT_TIMEOUT_S: one extraction (main thread only)
    max_pdf_pages: int = 200  # EXTRACT_MAX_PDF_PAGES: later pages are not read (needs_review)
    soffice: str | None = None  # EXTRACT_SOFFICE: the LibreOffice binary for .doc (default: found on PATH)
    soffice_timeout_s: float = 120.0  # EXTRACT_SOFFICE_TIMEOUT: one .doc conversion
    ocr_dpi: float = 200.0  # EXTRACT_OCR_DPI: the resolution scanned pages are read at (72-600)
    ocr_workers: int = 1  # EXTRACT_OCR_WORKERS: processes reading the scanned pages of one document (1: in process)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ExtractOptions:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            max_bytes=_positive(env, "EXTRACT_MAX_BYTES", int, defaults.max_bytes),
            timeout_s=_positive(env, "EXTRACT_TIMEOUT_S", float, defaults.timeout_s),
            max_pdf_pages=_positive(env, "EXTRACT_MAX_PDF_PAGES", int, defaults.max_pdf_pages),
            soffice=env.get("EXTRACT_SOFFICE", "").strip() or defaults.soffice,
            soffice_timeout_s=_positive(env, "EXTRACT_SOFFICE_TIMEOUT", float, defaults.soffice_timeout_s),
            ocr_dpi=min(max(_positive(env, "EXTRACT_OCR_DPI", float, defaults.ocr_dpi), MIN_OCR_DPI), MAX_OCR_DPI),
            ocr_workers=min(_positive(env, "EXTRACT_OCR_WORKERS", int, defaults.ocr_workers), os.cpu_count() or 1),
        )


def _positive(env: Mapping[str, str], name: str, kind: Callable[[str], Number], default: Number) -> Number:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, raw, default)
        return default
    if not value > 0:  # also refuses nan
        log.warning("%s=%r is not positive; using %s", name, raw, default)
        return default
    return value
