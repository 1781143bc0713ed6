"""The typed extraction contract: ExtractionResult's JSON round trip, the CLI printing it, ExtractOptions read
from the environment once and passed explicitly, and the guard each format registers with its parser."""
from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from datetime import date

import pytest

from extract import ExtractionResult, ExtractOptions, core, extract_bytes, extract_file, guards, registry
from extract.__main__ import main
from extract.identities import IdentityCheck
from extract.model import ExtractionError, Issue, ParsedDocument
from extract.narrative import Narrative, StatedNumber
from extract.parsers import doc, docx
from tests.support import hostile as hf
from tests.support.paths import DEV_CASES_DIR, SAMPLES_DIR

SAMPLE = SAMPLES_DIR / "wuzhong-gxj-2020.txt"


# ---------------------------------------------------------------------------------------------- JSON


def _round_trip(result: ExtractionResult) -> ExtractionResult:
    again = ExtractionResult.from_json(result.to_json())
    assert again == result
    assert again.to_json() == result.to_json()
    assert again.to_dict() == json.loads(result.to_json())
    return again


def test_an_extracted_report_reads_back_from_its_json_as_the_same_result():
    result = extract_file(SAMPLE)
    again = _round_trip(result)
    assert result.status == "ok" and len(result.cells) > 100 and result.identity_checks
    assert all(isinstance(i, Issue) for i in again.issues)
    assert all(isinstance(c, IdentityCheck) for c in again.identity_checks)
    assert again.narrative.published_on == result.narrative.published_on


def test_a_result_read_back_from_bytes_keeps_integers_floats_blanks_and_dates():
    result = ExtractionResult(
        "报告.pdf", "ab" * 32, 1234, "pdf", "needs_review", "某局", 2023, "2021", [3, 4],
        cells={"t3.new_received.total": 3, "t2.administrative_fees.amount": 9116.36, "t3.granted.total": None},
        provenance={"t3.new_received.total": {"raw": "3", "page": 2, "bbox": [1.0, 2.5, 3.0, 4.0]}},
        issues=[Issue("ambiguous_split", "两种读法", key="t3.granted.total", details={"alternatives": [[1, 2]]}),
                Issue("agency_not_found", "info only", severity="info")],
        identity_checks=[IdentityCheck(1, "total", 3, 3.0, "pass"), IdentityCheck(2, "total", None, None, "incomplete")],
        text="全文\n第二行",
        narrative=Narrative((StatedNumber("applications_received", ("t3.new_received.total",), 3, "收到申请3件", 1),),
                            date(2024, 1, 20), "signature"))
    again = ExtractionResult.from_json(result.to_json().encode("utf-8"))
    assert again == result
    assert type(again.cells["t3.new_received.total"]) is int
    assert type(again.cells["t2.administrative_fees.amount"]) is float
    assert again.narrative.published_on == date(2024, 1, 20)
    assert again.issues[0].details == {"alternatives": [[1, 2]]}


def test_a_failed_result_reads_back_from_its_json():
    result = ExtractionResult.failed("坏.pdf", "cd" * 32, "corrupt_pdf", "the PDF is\ndamaged", fmt="pdf", size=10)
    again = _round_trip(result)
    assert again.status == "failed" and again.cells == {} and again.sha256 == "cd" * 32
    assert [(i.code, i.severity, i.message) for i in again.issues] == [
        ("corrupt_pdf", "error", "坏.pdf: the PDF is damaged")]
    assert again.narrative == Narrative()


def test_a_failed_extraction_prints_every_field_a_good_one_prints():
    good, failed = extract_file(SAMPLE), extract_bytes(b"GIF89a" + bytes(100), "x.gif")
    assert failed.status == "failed"
    assert list(failed.to_dict()) == list(good.to_dict())
    assert failed.failure_reason() == "unsupported_format: x.gif: a GIF image, not a report document " \
                                      "(PDF, Word, HTML or text)"
    damaged_scan = extract_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100), "x.png")  # read by OCR, if it decoded
    assert damaged_scan.failure_reason() == "corrupt: x.png: the image cannot be decoded: damaged, or not a PNG, " \
                                            "JPEG or TIFF image after all"


def test_a_result_stored_by_an_older_extractor_reads_with_defaults_but_unknown_fields_are_refused():
    stored = {"file": "a.txt", "sha256": "ef" * 32, "size_bytes": 3, "format": "txt", "status": "ok",
              "cells": {"t3.new_received.total": 1}, "issues": [{"code": "x", "message": "y", "severity": "info"}]}
    result = ExtractionResult.from_dict(stored)
    assert (result.narrative, result.identity_checks, result.text) == (Narrative(), [], "")
    with pytest.raises(ValueError, match="object_key"):
        ExtractionResult.from_dict({**stored, "object_key": "raw/ef"})


@pytest.mark.parametrize("with_text", [False, True], ids=["without --with-text", "with --with-text"])
def test_the_cli_prints_the_result_as_json_with_the_text_only_when_asked(with_text):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([str(SAMPLE)] + (["--with-text"] if with_text else [])) == 0
    printed = json.loads(out.getvalue())
    expected = extract_file(SAMPLE).to_dict()
    if not with_text:
        del expected["text"]
    assert printed == expected
    assert out.getvalue() == json.dumps(expected, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------- options


def test_options_read_every_limit_from_the_environment():
    options = ExtractOptions.from_env({"EXTRACT_MAX_BYTES": "1000", "EXTRACT_TIMEOUT_S": "2.5",
                                       "EXTRACT_MAX_PDF_PAGES": "7", "EXTRACT_SOFFICE": "/opt/lo/soffice",
                                       "EXTRACT_SOFFICE_TIMEOUT": "30", "EXTRACT_OCR_DPI": "300",
                                       "EXTRACT_OCR_WORKERS": "1"})
    assert options == ExtractOptions(max_bytes=1000, timeout_s=2.5, max_pdf_pages=7, soffice="/opt/lo/soffice",
                                     soffice_timeout_s=30.0, ocr_dpi=300.0, ocr_workers=1)
    assert ExtractOptions.from_env({}) == ExtractOptions()


def test_ocr_settings_are_held_to_what_the_machine_and_the_recogniser_can_use():
    assert ExtractOptions.from_env({"EXTRACT_OCR_DPI": "20"}).ocr_dpi == 72.0  # digits blur into each other
    assert ExtractOptions.from_env({"EXTRACT_OCR_DPI": "1200"}).ocr_dpi == 600.0
    assert ExtractOptions.from_env({"EXTRACT_OCR_WORKERS": "500"}).ocr_workers == (os.cpu_count() or 1)


@pytest.mark.parametrize("name", ["EXTRACT_MAX_BYTES", "EXTRACT_TIMEOUT_S", "EXTRACT_MAX_PDF_PAGES",
                                  "EXTRACT_SOFFICE_TIMEOUT", "EXTRACT_OCR_DPI", "EXTRACT_OCR_WORKERS"])
@pytest.mark.parametrize("value", ["", "  ", "lots", "-5", "0", "nan"],
                         ids=["empty", "blank", "not a number", "negative", "zero", "nan"])
def test_a_broken_limit_falls_back_to_its_default(name, value):
    assert ExtractOptions.from_env({name: value}) == ExtractOptions()


def test_options_given_explicitly_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("EXTRACT_MAX_BYTES", "10")
    data = SAMPLE.read_bytes()
    assert extract_bytes(data, "r.txt").issues[0].code == "too_large"  # the environment, read per call
    assert extract_bytes(data, "r.txt", ExtractOptions()).status == "ok"
    assert extract_file(SAMPLE, ExtractOptions()).status == "ok"
    refused = extract_file(SAMPLE, ExtractOptions(max_bytes=100))
    assert (refused.status, refused.issues[0].code, refused.size_bytes) == ("failed", "too_large", len(data))


def test_the_pdf_page_limit_comes_from_the_options():
    data = (DEV_CASES_DIR / "huaian-hongze-gov-2023" / "source.pdf").read_bytes()
    result = extract_bytes(data, "long.pdf", ExtractOptions(max_pdf_pages=1))
    assert result.status in ("needs_review", "failed")
    assert any(i.code == "page_limit" and "first 1 of" in i.message for i in result.issues)


# ---------------------------------------------------------------------------------------------- registry


@pytest.mark.parametrize(("fmt", "guard"), [("pdf", guards.check_pdf_streams), ("docx", docx.check_package),
                                            ("doc", doc.check_word_file), ("txt", None), ("html", None)])
def test_each_format_registers_its_guard_with_its_parser(fmt, guard):
    spec = registry.format_spec(fmt)
    assert spec.name == fmt and spec.guard is guard
    assert spec.parse.__module__ == registry.PARSER_MODULES[fmt]


def test_an_unknown_format_has_no_parser():
    with pytest.raises(Exception, match="no parser for format 'xls'"):
        registry.format_spec("xls")


def test_bytes_go_sniff_then_guard_then_parse(monkeypatch):
    calls: list[str] = []

    def guard(data: bytes) -> None:
        calls.append("guard")

    def parse(data: bytes, options: ExtractOptions) -> ParsedDocument:
        calls.append(f"parse with max_pdf_pages={options.max_pdf_pages}")
        return ParsedDocument(text="")

    monkeypatch.setattr(core, "sniff_format", lambda data: calls.append("sniff") or "txt")
    monkeypatch.setitem(registry._FORMATS, "txt", registry.FormatSpec("txt", parse, guard))
    extract_bytes(b"some text", "t.txt", ExtractOptions(max_pdf_pages=3))
    assert calls == ["sniff", "guard", "parse with max_pdf_pages=3"]


def test_a_guard_that_refuses_keeps_the_bytes_from_the_parser(monkeypatch):
    def refuse(data: bytes) -> None:
        raise ExtractionError("unsafe_xml", "refused by the guard")

    def parse(data: bytes, options: ExtractOptions) -> ParsedDocument:
        raise AssertionError("the parser must not see refused bytes")

    monkeypatch.setitem(registry._FORMATS, "txt", registry.FormatSpec("txt", parse, refuse))
    result = extract_bytes(b"some text", "t.txt")
    assert (result.status, result.format, result.issues[0].code) == ("failed", "txt", "unsafe_xml")


def test_a_doc_whose_conversion_is_a_zip_bomb_is_refused_by_the_docx_guard(monkeypatch):
    monkeypatch.setattr(doc, "convert_to_docx", lambda data, options: hf.docx_many_members(3000))
    word = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504 + "WordDocument".encode("utf-16-le")
    result = extract_bytes(word, "legacy.doc")
    assert (result.format, result.issues[0].code) == ("doc", "zip_bomb")
