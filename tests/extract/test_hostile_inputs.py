"""Broken and hostile files: each is answered by one JSON result (status `failed` with a reason naming the
file, sha256 whenever the bytes could be read), in bounded time and memory, with no traceback; a real report
under the wrong name or in an odd encoding still extracts.

The committed corpus is tests/data/hostile/ with its expected statuses in expected.json; zip bombs, huge
files and other inputs too big to commit are built here at run time (builders in tests/support/hostile.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support import hostile as hf
from extract import ExtractionResult, ExtractOptions, extract_bytes, extract_file, guards, registry, sniff
from extract.model import STATUSES, ExtractionError, Issue, ParsedDocument

# every result, failed or not, has the fields of a good extraction (the schema `python -m extract` prints)
RESULT_KEYS = set(extract_file(hf.SAMPLE_REPORT).to_dict())
EXPECTED = hf.expected_table()


def assert_refused(result: ExtractionResult, name: str, data: bytes | None, code: str) -> None:
    """A failed result that names the file, carries the sha256 of the bytes and leaks no traceback."""
    assert set(result.to_dict()) == RESULT_KEYS
    assert result.status == "failed", result.issues
    assert result.file == name
    first = result.issues[0]
    assert (first.code, first.severity) == (code, "error"), result.issues
    assert first.message.startswith(f"{name}: ")
    assert_no_traceback(result)
    assert result.cells == {} and result.provenance == {}
    if data is not None:
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert result.size_bytes == len(data)
    json.dumps(result.to_dict(), allow_nan=False, ensure_ascii=False)


def assert_no_traceback(result: ExtractionResult) -> None:
    for issue in result.issues:
        assert "\n" not in issue.message
        assert "Traceback" not in issue.message and 'File "' not in issue.message


def cells_of(path: pathlib.Path) -> dict[str, Any]:
    result = extract_file(path)
    assert result.status in ("ok", "needs_review") and result.cells, result.issues
    return result.cells


# ---------------------------------------------------------------------------------------------- corpus


def test_expected_table_lists_every_corpus_file_and_nothing_else():
    assert sorted(EXPECTED) == sorted(p.name for p in hf.corpus_files())


def test_corpus_files_are_small_enough_to_commit():
    assert all(p.stat().st_size < 256 * 1024 for p in hf.corpus_files())


@pytest.mark.parametrize(
    "name", sorted(EXPECTED),
    ids=[f"{EXPECTED[n]['what']} ({n}) fails as {EXPECTED[n]['code']}" for n in sorted(EXPECTED)],
)
def test_corpus_file_is_refused_with_a_reason_naming_it(name):
    path = hf.HOSTILE_DIR / name
    started = time.monotonic()
    result = extract_file(path)
    assert time.monotonic() - started < 30
    assert EXPECTED[name]["status"] == "failed"
    assert_refused(result, name, path.read_bytes(), EXPECTED[name]["code"])


def test_a_scanned_pdf_says_it_has_no_text_layer():
    result = extract_file(hf.HOSTILE_DIR / "scanned-no-text-layer.pdf")
    assert "no text layer" in result.issues[0].message


def test_a_big5_page_that_declares_its_charset_is_decoded_as_big5():
    result = extract_bytes((hf.HOSTILE_DIR / "html-big5-declared.html").read_bytes(), "page.html")
    assert hf.BIG5_NOTICE in result.text


def _full_text(name: str) -> str:
    """The decoded text of a failed document, as the parser read it."""
    data = (hf.HOSTILE_DIR / name).read_bytes()
    return registry.format_spec(sniff.sniff_format(data)).parse(data, ExtractOptions()).text


@pytest.mark.parametrize("name", ["notice-gbk.txt", "notice-gb18030.txt", "notice-utf16-bom.txt"],
                         ids=["GBK text is decoded", "GB18030 text is decoded", "UTF-16 text with a BOM is decoded"])
def test_a_notice_in_a_chinese_encoding_is_decoded_before_it_is_judged(name):
    assert hf.NOTICE_TITLE in _full_text(name)


# ---------------------------------------------------------------------------------------------- bombs


def _with_peak_memory(run) -> tuple[Any, int]:
    """run()'s result and the peak of Python memory allocated while it ran."""
    tracemalloc.start()
    try:
        result = run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_a_docx_whose_document_expands_a_thousandfold_is_refused_before_expanding():
    bomb = hf.docx_ratio_bomb(expanded_bytes=150 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    result, peak = _with_peak_memory(lambda: extract_bytes(bomb, "ratio-bomb.docx"))
    assert_refused(result, "ratio-bomb.docx", bomb, "zip_bomb")
    assert "expands" in result.issues[0].message
    assert peak < 20 * 1024 * 1024


def test_a_docx_whose_members_add_up_to_more_than_the_limit_is_refused():
    bomb = hf.docx_total_size_bomb(members=5, member_bytes=50 * 1024 * 1024)
    result, peak = _with_peak_memory(lambda: extract_bytes(bomb, "total-bomb.docx"))
    assert_refused(result, "total-bomb.docx", bomb, "zip_bomb")
    assert "would expand to" in result.issues[0].message
    assert peak < 20 * 1024 * 1024


def test_a_docx_with_thousands_of_members_is_refused_from_its_end_record():
    bomb = hf.docx_many_members(5000)
    assert guards.zip_entry_count(bomb) > guards.ZIP_MAX_MEMBERS
    assert_refused(extract_bytes(bomb, "many.docx"), "many.docx", bomb, "zip_bomb")


@pytest.mark.parametrize("document_xml", [hf.billion_laughs_document_xml(), hf.external_entity_document_xml()],
                         ids=["billion laughs entities", "an external entity reading /etc/passwd"])
def test_a_docx_declaring_xml_entities_is_refused_without_expanding_them(document_xml):
    package = hf.replace_zip_member(hf.notice_docx(), "word/document.xml", document_xml)
    result, peak = _with_peak_memory(lambda: extract_bytes(package, "entities.docx"))
    assert_refused(result, "entities.docx", package, "unsafe_xml")
    assert peak < 20 * 1024 * 1024


def test_utf16_encoded_doctype_in_a_docx_part_is_refused_too():
    xml = hf.billion_laughs_document_xml().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    package = hf.replace_zip_member(hf.notice_docx(), "word/document.xml", xml.encode("utf-16"))
    assert_refused(extract_bytes(package, "utf16.docx"), "utf16.docx", package, "unsafe_xml")


def test_a_pdf_whose_content_stream_inflates_a_thousandfold_is_refused_before_pdfminer_inflates_it():
    bomb = hf.pdf_decompression_bomb(300 * 1024 * 1024)
    assert len(bomb) < 400 * 1024
    result, peak = _with_peak_memory(lambda: extract_bytes(bomb, "bomb.pdf"))
    assert_refused(result, "bomb.pdf", bomb, "pdf_bomb")
    assert peak < 20 * 1024 * 1024


def test_a_small_hand_written_pdf_passes_the_stream_check_and_is_read():
    newsletter = hf.pdf_decompression_bomb(1000)
    result = extract_bytes(newsletter, "newsletter.pdf")
    assert_refused(result, "newsletter.pdf", newsletter, "not_a_report")
    assert "Quarterly" in result.text


@pytest.mark.parametrize(
    "build",
    [hf.pdf_with_page_tree_cycle, hf.pdf_with_self_drawing_form,
     lambda: hf.minimal_pdf(hf.HELLO + b" " + b"[" * 100_000 + b"]" * 100_000)],
    ids=["a page tree that contains itself", "a form that draws itself", "100,000 nested arrays"],
)
def test_a_pdf_built_to_loop_is_read_in_bounded_time(monkeypatch, build):
    monkeypatch.setenv("EXTRACT_TIMEOUT_S", "60")
    data = build()
    assert_refused(extract_bytes(data, "loop.pdf"), "loop.pdf", data, "not_a_report")


def test_a_pdf_with_a_malformed_media_box_is_a_corrupt_pdf_not_a_parser_crash():
    # PDF parser bug: read_layouts turns pdfplumber's MalformedPDFException into ExtractionError, but
    # `with pdf:` then calls pdf.close(), which builds the pages again and raises it a second time.
    data = hf.pdf_with_malformed_mediabox()
    assert_refused(extract_bytes(data, "box.pdf"), "box.pdf", data, "corrupt_pdf")


def test_a_page_of_overlapping_text_runs_is_read_in_bounded_time(monkeypatch):
    # PDF layout bug: pdf_layout.page_lines computes max(c["x1"] for c in run) for every character it adds
    # to a run, quadratic in the length of a run; 3,000 overlapping runs make runs of thousands of
    # characters (51,000 characters in all, a 10 KB file): minutes instead of 4 s with a running maximum.
    monkeypatch.setenv("EXTRACT_TIMEOUT_S", "30")
    data = hf.pdf_with_overlapping_text_runs(3000)
    result = extract_bytes(data, "overlap.pdf")
    assert_refused(result, "overlap.pdf", data, "not_a_report")


DOCX_STRUCTURE_CASES = {
    "a .docx without [Content_Types].xml is corrupt": (lambda: hf.docx_without("[Content_Types].xml"), "corrupt"),
    "a .docx without its package relationships is corrupt": (lambda: hf.docx_without("_rels/.rels"), "corrupt"),
    "a .docx whose document.xml is empty is corrupt": (
        lambda: hf.replace_zip_member(hf.notice_docx(), "word/document.xml", b""), "corrupt"),
    "a .docx whose document.xml is binary is corrupt": (
        lambda: hf.replace_zip_member(hf.notice_docx(), "word/document.xml", b"\x00\x01\x02"), "corrupt"),
    "a .docx with 2,000 nested tables is corrupt (XML depth limit)": (
        lambda: hf.docx_with_body(b"<w:tbl><w:tr><w:tc>" * 2000 + b"<w:p/>" + b"</w:tc></w:tr></w:tbl>" * 2000),
        "corrupt"),
    "a .docx table whose spans expand to millions of cells is too complex": (
        lambda: hf.docx_with_body(b"<w:tbl>" + (b'<w:tr><w:trPr><w:gridBefore w:val="999999999"/></w:trPr>'
                                                + b'<w:tc><w:tcPr><w:gridSpan w:val="99999999"/><w:vMerge/></w:tcPr>'
                                                  b"<w:p/></w:tc>" * 50 + b"</w:tr>") * 200 + b"</w:tbl><w:p/>"),
        "too_complex"),
    # DOCX parser bugs: read_document reads document.element.body without checking it exists
    "a .docx whose document has no body is corrupt": (
        lambda: hf.replace_zip_member(hf.notice_docx(), "word/document.xml",
                                      b'<?xml version="1.0"?><w:document ' + hf.W_NAMESPACE + b"/>"), "corrupt"),
    "a .docx whose main part is not a Word document is corrupt": (
        lambda: hf.replace_zip_member(hf.notice_docx(), "word/document.xml",
                                      b'<?xml version="1.0"?><html><body/></html>'), "corrupt"),
}


@pytest.mark.parametrize("case", list(DOCX_STRUCTURE_CASES))
def test_a_docx_with_a_broken_structure_fails_with_a_reason(case):
    build, code = DOCX_STRUCTURE_CASES[case]
    data = build()
    assert_refused(extract_bytes(data, "broken.docx"), "broken.docx", data, code)


def test_deeply_nested_html_is_read_in_bounded_time():
    page = hf.nested_html(20_000)
    started = time.monotonic()
    result = extract_bytes(page, "nested.html")
    assert time.monotonic() - started < 60
    assert_refused(result, "nested.html", page, "not_a_report")


def test_a_report_row_printed_as_one_endless_digit_run_is_read_in_bounded_time():
    text = hf.SAMPLE_REPORT.read_text(encoding="utf-8")
    label = "行政复议"
    position = text.index(label, text.index("四、"))
    data = (text[:position] + label + " " + "7" * 20_000 + text[position + len(label):]).encode("utf-8")
    started = time.monotonic()
    result = extract_bytes(data, "digits.txt")
    assert time.monotonic() - started < 30
    assert result.status in STATUSES
    assert_no_traceback(result)
    assert all(issue.code != "parser_error" for issue in result.issues), result.issues


def test_a_megabyte_of_repeated_table_rows_is_read_in_bounded_time(monkeypatch):
    monkeypatch.setenv("EXTRACT_TIMEOUT_S", "30")
    rows = ("一、本年新收政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n" * 16_000).encode("utf-8")
    started = time.monotonic()
    result = extract_bytes(rows, "rows.txt")
    elapsed = time.monotonic() - started
    assert result.status in STATUSES and "timeout" not in [i.code for i in result.issues]
    assert elapsed < 30, f"{len(rows)} bytes of text took {elapsed:.0f}s"


# ---------------------------------------------------------------------------------------------- size


def test_a_file_over_the_default_limit_is_hashed_but_never_loaded(tmp_path):
    big = tmp_path / "huge.pdf"
    size = ExtractOptions().max_bytes + 1
    with big.open("wb") as out:  # sparse: costs no disk
        out.truncate(size)
    result, peak = _with_peak_memory(lambda: extract_file(big))
    zeros = hashlib.sha256()
    for _ in range(size // (1024 * 1024)):
        zeros.update(b"\0" * 1024 * 1024)
    zeros.update(b"\0" * (size % (1024 * 1024)))
    assert result.sha256 == zeros.hexdigest()
    assert result.size_bytes == size
    assert_refused(result, "huge.pdf", None, "too_large")
    assert "EXTRACT_MAX_BYTES" in result.issues[0].message
    assert peak < 8 * 1024 * 1024


def test_the_size_limit_is_configurable(monkeypatch, tmp_path):
    report = tmp_path / "report.txt"
    report.write_bytes(hf.SAMPLE_REPORT.read_bytes())
    monkeypatch.setenv("EXTRACT_MAX_BYTES", "1000")
    data = report.read_bytes()
    assert_refused(extract_file(report), "report.txt", data, "too_large")
    assert_refused(extract_bytes(data, "report.txt"), "report.txt", data, "too_large")
    monkeypatch.setenv("EXTRACT_MAX_BYTES", str(len(data)))
    assert extract_file(report).status == "ok"


def test_a_file_whose_reported_size_is_wrong_is_still_capped(monkeypatch):
    status = pathlib.Path("/proc/self/status")  # the file system reports 0 bytes for it
    assert status.stat().st_size == 0
    monkeypatch.setenv("EXTRACT_MAX_BYTES", "16")
    result = extract_file(status)
    assert_refused(result, "status", None, "too_large")
    assert result.size_bytes > 16 and len(result.sha256) == 64


@pytest.mark.parametrize("value", ["", "lots", "-5", "0"], ids=["empty", "not a number", "negative", "zero"])
def test_a_broken_size_setting_falls_back_to_the_default_limit(monkeypatch, value):
    monkeypatch.setenv("EXTRACT_MAX_BYTES", value)
    assert ExtractOptions.from_env().max_bytes == ExtractOptions().max_bytes


def test_a_directory_or_missing_path_is_unreadable_without_a_hash(tmp_path):
    for path in (tmp_path, tmp_path / "missing.pdf"):
        result = extract_file(path)
        assert_refused(result, path.name, None, "unreadable")
        assert result.sha256 is None


def test_a_file_that_cannot_be_opened_is_unreadable(tmp_path, monkeypatch):
    locked = tmp_path / "locked.txt"
    locked.write_bytes(b"x")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    result = extract_file(locked)
    assert_refused(result, "locked.txt", None, "unreadable")
    assert "Permission denied" in result.issues[0].message


def test_a_path_through_a_file_is_unreadable(tmp_path):
    parent = tmp_path / "file.txt"
    parent.write_bytes(b"x")
    assert_refused(extract_file(parent / "child.txt"), "child.txt", None, "unreadable")


# ---------------------------------------------------------------------------------------------- truncation


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.9, 0.999], ids=lambda f: f"a report PDF cut at {f:.1%}")
def test_a_truncated_report_pdf_fails_with_a_reason(fraction):
    pdf = hf.DEV_PDF_REPORT.read_bytes()
    cut = pdf[: int(len(pdf) * fraction)]
    result = extract_bytes(cut, "cut.pdf")
    assert_refused(result, "cut.pdf", cut, "corrupt_pdf")


# ---------------------------------------------------------------------------------------------- wrong names


@pytest.mark.parametrize(
    ("source", "wrong_name"),
    [
        (hf.SAMPLE_REPORT, "report.pdf"),
        (hf.SAMPLE_REPORT, "report.docx"),
        (hf.SAMPLE_REPORT, "report.html"),
        (hf.SAMPLE_REPORT, "report.doc"),
        (hf.DEV_HTML_REPORT, "report.txt"),
        (hf.DEV_HTML_REPORT, "report.pdf"),
        (hf.DEV_PDF_REPORT, "report.docx"),
    ],
    ids=["a text report named .pdf still extracts", "a text report named .docx still extracts",
         "a text report named .html still extracts", "a text report named .doc still extracts",
         "an HTML report named .txt still extracts", "an HTML report named .pdf still extracts",
         "a PDF report named .docx still extracts"],
)
def test_a_real_report_under_a_wrong_name_still_extracts(tmp_path, source, wrong_name):
    renamed = tmp_path / wrong_name
    renamed.write_bytes(source.read_bytes())
    assert cells_of(renamed) == cells_of(source)


@pytest.mark.needs("qpdf")
def test_a_pdf_encrypted_with_only_an_owner_password_still_extracts(tmp_path):
    locked = tmp_path / "owner-only.pdf"
    locked.write_bytes(hf.qpdf_encrypt(hf.DEV_PDF_REPORT.read_bytes(), user_password=""))
    assert cells_of(locked) == cells_of(hf.DEV_PDF_REPORT)


# ---------------------------------------------------------------------------------------------- encodings


def _reencoded(encoding: str) -> bytes:
    text = hf.SAMPLE_REPORT.read_text(encoding="utf-8")
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"],
                         ids=["GBK", "GB18030", "UTF-16 with BOM", "UTF-16LE without BOM",
                              "UTF-16BE without BOM", "UTF-8 with BOM"])
def test_a_text_report_in_another_encoding_gives_the_same_cells(tmp_path, encoding):
    converted = tmp_path / "report.txt"
    converted.write_bytes(_reencoded(encoding))
    assert cells_of(converted) == cells_of(hf.SAMPLE_REPORT)


def test_a_text_report_with_stray_invalid_bytes_in_its_narrative_gives_the_same_cells(tmp_path):
    data = hf.SAMPLE_REPORT.read_bytes()
    narrative = data.index("二、".encode()) - 10
    damaged = tmp_path / "report.txt"
    damaged.write_bytes(data[:narrative] + b"\xff\xfe\x80\xc3" + data[narrative:])
    assert cells_of(damaged) == cells_of(hf.SAMPLE_REPORT)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le", "utf-16-be"],
                         ids=["GB18030", "UTF-16 with BOM", "UTF-16LE without BOM", "UTF-16BE without BOM"])
def test_an_html_report_in_another_encoding_gives_the_same_cells(tmp_path, encoding):
    converted = tmp_path / "report.html"
    converted.write_bytes(hf.DEV_HTML_REPORT.read_text(encoding="utf-8").encode(encoding))
    assert cells_of(converted) == cells_of(hf.DEV_HTML_REPORT)


# ---------------------------------------------------------------------------------------------- core


def _fake_parser(monkeypatch, behaviour) -> None:
    """Route text documents to `behaviour` for one test."""
    monkeypatch.setitem(registry._FORMATS, "txt", registry.FormatSpec("txt", behaviour))


def _crash_with_a_traceback_in_its_message(data: bytes, options: ExtractOptions) -> ParsedDocument:
    raise ValueError('bad cell\nTraceback (most recent call last):\n  File "x.py", line 1, in <module>\n')


def test_a_parser_crash_is_a_one_line_parser_error_that_keeps_the_hash(monkeypatch):
    _fake_parser(monkeypatch, _crash_with_a_traceback_in_its_message)
    result = extract_bytes(b"some text", "crash.txt")
    assert result.issues[0].message.startswith("crash.txt: the parser failed: ValueError: bad cell")
    assert result.format == "txt"
    assert_refused(result, "crash.txt", b"some text", "parser_error")


def test_a_parser_crash_leaves_no_traceback_on_stderr(monkeypatch, capsys):
    _fake_parser(monkeypatch, _crash_with_a_traceback_in_its_message)
    extract_bytes(b"some text", "crash.txt")
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("error", "code"),
    [(RecursionError("maximum recursion depth exceeded"), "too_complex"),
     (MemoryError(), "too_complex"),
     (__import__("zlib").error("invalid stored block lengths"), "corrupt"),
     (KeyError("word/document.xml"), "parser_error")],
    ids=["runaway recursion is too complex", "running out of memory is too complex",
         "a zlib error is a damaged file", "any other crash is a parser error"],
)
def test_known_crashes_are_classified(monkeypatch, error, code):
    def crash(data: bytes, options: ExtractOptions) -> ParsedDocument:
        raise error

    _fake_parser(monkeypatch, crash)
    assert_refused(extract_bytes(b"some text", "f.txt"), "f.txt", b"some text", code)


def test_a_parser_returning_nothing_is_a_parser_error(monkeypatch):
    _fake_parser(monkeypatch, lambda data, options: None)
    result = extract_bytes(b"some text", "none.txt")
    assert_refused(result, "none.txt", b"some text", "parser_error")
    assert "NoneType" in result.issues[0].message


def test_issue_messages_of_a_parser_are_printed_on_one_line(monkeypatch):
    _fake_parser(monkeypatch,
                 lambda data, options: ParsedDocument(text="", issues=[Issue("odd", "line one\nline two")]))
    result = extract_bytes(b"some text", "odd.txt")
    assert [i.message for i in result.issues] == [
        "odd.txt: no statistical table of an annual report was found", "line one line two"]


@pytest.mark.parametrize("installed_handler", [signal.SIG_DFL, lambda *_: None],
                         ids=["no SIGALRM handler installed", "a handler installed but no alarm pending"])
def test_a_parser_that_never_returns_is_stopped_by_the_time_limit(monkeypatch, installed_handler):
    def spin_and_swallow_errors(data: bytes, options: ExtractOptions) -> ParsedDocument:
        give_up = time.monotonic() + 20  # a broken limit fails this test instead of hanging the suite
        while time.monotonic() < give_up:
            try:
                sum(range(1000))
            except Exception:  # a parser's broad handler must not swallow the timeout
                pass
        return ParsedDocument(text="")

    _fake_parser(monkeypatch, spin_and_swallow_errors)
    monkeypatch.setenv("EXTRACT_TIMEOUT_S", "0.5")
    previous = signal.signal(signal.SIGALRM, installed_handler)
    try:
        started = time.monotonic()
        result = extract_bytes(b"some text", "spin.txt")
        assert time.monotonic() - started < 5
        assert_refused(result, "spin.txt", b"some text", "timeout")
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert signal.getsignal(signal.SIGALRM) is installed_handler
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_the_time_limit_leaves_an_outer_alarm_alone():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        with guards.time_limit(0.01) as armed:
            time.sleep(0.05)
        assert armed is False
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 25 < remaining <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_the_time_limit_does_not_arm_outside_the_main_thread():
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(lambda: guards.time_limit(1).__enter__()).result() is False


# ---------------------------------------------------------------------------------------------- guards


@pytest.mark.parametrize(
    "data",
    [hf.notice_text().encode("gbk"), hf.notice_text().encode("utf-16-le"), hf.notice_text().encode("utf-16-be"),
     hf.BIG5_NOTICE.encode("big5"), "第\f1页\x1b".encode(), "一行\x0b".encode("gbk") * 50],
    ids=["GBK text", "UTF-16LE text", "UTF-16BE text", "Big5 text", "text with form feed and escape",
         "short GBK lines ended by Word's manual line break"],
)
def test_text_in_any_encoding_read_is_not_taken_for_binary(data):
    assert not sniff.looks_binary(data)


OLE = bytes.fromhex("d0cf11e0a1b11ae1")


def _ole_with_streams(*names: str) -> bytes:
    return OLE + b"\0" * 504 + b"\0\0".join(name.encode("utf-16-le") for name in names)


def test_a_doc_with_an_embedded_excel_object_is_still_a_doc():
    assert sniff.sniff_format(_ole_with_streams("WordDocument", "Workbook")) == "doc"


@pytest.mark.parametrize(
    ("streams", "code", "reason"),
    [(["Workbook"], "unsupported_format", "an Excel workbook (.xls)"),
     (["PowerPoint Document"], "unsupported_format", "a PowerPoint presentation (.ppt)"),
     (["EncryptedPackage", "EncryptionInfo"], "encrypted", "a password-protected Word document")],
    ids=["an .xls is refused by name", "a .ppt is refused by name",
         "a password-protected Word package is refused as encrypted"],
)
def test_ole_files_of_other_kinds_are_refused_by_their_stream_names(streams, code, reason):
    with pytest.raises(ExtractionError) as refusal:
        sniff.sniff_format(_ole_with_streams(*streams))
    assert refusal.value.code == code and refusal.value.message.startswith(reason)


def test_zip_entry_count_reads_the_end_record():
    assert guards.zip_entry_count(hf.zip_of({"a": b"1", "b": b"2", "c": b""})) == 3
    assert guards.zip_entry_count(b"PK\x03\x04 cut before the directory") is None


# ---------------------------------------------------------------------------------------------- CLI


GBK_FILE_NAME = os.fsdecode("报告.txt".encode("gbk"))  # how names from Chinese zip archives reach the disk
CLI_EXTRAS = {
    "many-members.docx": ("many-members.docx", lambda: hf.docx_many_members(3000), "failed"),
    "entities.docx": ("entities.docx", lambda: hf.replace_zip_member(
        hf.notice_docx(), "word/document.xml", hf.billion_laughs_document_xml()), "failed"),
    "bomb.pdf": ("bomb.pdf", lambda: hf.pdf_decompression_bomb(50 * 1024 * 1024), "failed"),
    "report-named.pdf": ("report-named.pdf", hf.SAMPLE_REPORT.read_bytes, "ok"),
    "a report whose file name is GBK bytes": (GBK_FILE_NAME, hf.SAMPLE_REPORT.read_bytes, "ok"),
    "does-not-exist.pdf": ("does-not-exist.pdf", None, "failed"),
}
CLI_CASES = {**{name: (hf.HOSTILE_DIR / name, "failed") for name in sorted(EXPECTED)}}


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, tuple[pathlib.Path, str, subprocess.CompletedProcess]]:
    """`python -m extract FILE` for every corpus file and a few generated ones, two at a time."""
    generated = tmp_path_factory.mktemp("cli")
    cases = dict(CLI_CASES)
    for case, (file_name, build, status) in CLI_EXTRAS.items():
        path = generated / file_name
        if build is not None:
            path.write_bytes(build())
        cases[case] = (path, status)
    env = {**os.environ, "PYTHONPATH": str(hf.ROOT)}

    def run(path: pathlib.Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "extract", str(path)], capture_output=True,
                              encoding="utf-8", errors="strict", cwd=hf.ROOT, env=env, timeout=180)

    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(cases, pool.map(run, (path for path, _ in cases.values()))))
    return {case: (path, status, runs[case]) for case, (path, status) in cases.items()}


CLI_IDS = [*CLI_CASES, *CLI_EXTRAS]


@pytest.mark.integration
@pytest.mark.parametrize("case", CLI_IDS, ids=[f"the CLI answers {c} with one JSON object" for c in CLI_IDS])
def test_the_cli_prints_exactly_one_json_object_and_exits_with_its_status(cli_runs, case):
    path, expected_status, run = cli_runs[case]
    assert run.returncode == {"ok": 0, "needs_review": 1, "failed": 2}[expected_status], run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    name = guards.display_name(path.name)
    assert isinstance(result, dict) and result["file"] == name
    assert result["status"] == expected_status, result["issues"]
    if expected_status == "failed":
        assert result["issues"][0]["message"].startswith(f"{name}: ")


def test_a_file_name_that_is_not_utf8_is_shown_decoded():
    assert guards.display_name(GBK_FILE_NAME) == "报告.txt"
    assert guards.display_name("报告.pdf") == "报告.pdf"
