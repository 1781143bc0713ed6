"""Word reports: .docx with real merged cells (gridSpan, vMerge), unsafe packages refused, and legacy .doc
converted by LibreOffice (`make setup` installs libreoffice-writer-nogui; without it the .doc test is skipped)."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest

from extract.core import extract_bytes
from extract.model import ExtractionError
from extract.parsers.docx import check_package, read_document
from tests.support.grid_reports import TITLE, docx_bytes, gold_cells, report_specs

GOLD = gold_cells("pingtan-gov-2022")


@pytest.fixture(scope="module")
def report_docx() -> bytes:
    return docx_bytes(report_specs(GOLD))


def test_the_fixture_really_uses_word_merges(report_docx):
    with zipfile.ZipFile(io.BytesIO(report_docx)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert 'w:gridSpan w:val="5"' in xml  # 法人或其他组织 over five columns
    assert 'w:vMerge w:val="restart"' in xml and "<w:vMerge/>" in xml


def test_docx_report_reads_every_cell(report_docx):
    result = extract_bytes(report_docx, "report.docx")
    assert result.format == "docx"
    assert result.cells == GOLD
    assert result.status == "ok", result.issues
    assert (result.year, result.template, result.tables_found) == (2022, "2021", [2, 3, 4])
    assert result.provenance["t3.unavailable_not_held.natural_person"] == {
        "raw": "37", "table_index": 1, "row_index": 15, "col_index": 3}


def test_merged_cells_expand_into_the_grid(report_docx):
    text, tables = read_document(report_docx)
    t3 = tables[1]
    assert [g.text for g in t3[1][3:10]] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert [g.origin for g in t3[1][3:6]] == [None, None, (1, 4)]
    assert (t3[2][3].text, t3[2][3].origin) == ("自然人", (1, 3))  # vMerge continues 自然人 downwards
    assert (t3[8][1].text, t3[8][1].origin) == ("（三）不予公开", (7, 1))
    assert t3[8][2].text == "2.其他法律行政法规禁止公开" and t3[8][2].origin is None
    assert text.splitlines()[0] == TITLE
    assert "一、本年新收政府信息公开申请数量\t71\t3\t0\t0\t0\t0\t74" in text


def test_blank_docx_cells_are_null():
    cells = dict(GOLD, **{"t3.carried_over.research_institution": None, "t4.litigation_direct.pending": None})
    result = extract_bytes(docx_bytes(report_specs(cells)), "blank.docx")
    assert result.cells["t3.carried_over.research_institution"] is None
    assert result.cells["t4.litigation_direct.pending"] is None
    assert result.cells["t3.carried_over.total"] == 1


def _rezip(data: bytes, replace: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.pop(item.filename, source.read(item.filename)))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_expanded(report_docx):
    bomb = _rezip(report_docx, {"word/media/image1.bin": b"\0" * (30 * 1024 * 1024)})
    assert len(bomb) < 200_000
    with pytest.raises(ExtractionError) as caught:
        check_package(bomb)
    assert caught.value.code == "zip_bomb"
    result = extract_bytes(bomb, "bomb.docx")
    assert result.status == "failed"
    assert result.issues[0].code == "zip_bomb"
    assert "zip bomb" in result.issues[0].message


def test_a_document_declaring_entities_is_refused(report_docx):
    with zipfile.ZipFile(io.BytesIO(report_docx)) as archive:
        xml = archive.read("word/document.xml")
    laughs = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE w:document [\n'
              b'<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n')
    body = xml.split(b"?>", 1)[1].replace(b"<w:t>71</w:t>", b"<w:t>&lol2;</w:t>", 1)
    result = extract_bytes(_rezip(report_docx, {"word/document.xml": laughs + body}), "laughs.docx")
    assert result.status == "failed"
    assert result.issues[0].code == "unsafe_xml"
    assert "word/document.xml" in result.issues[0].message


def test_a_doc_without_libreoffice_names_the_missing_tool(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("EXTRACT_SOFFICE", raising=False)
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 1024
    result = extract_bytes(legacy, "legacy.doc")
    assert result.format == "doc" and result.status == "failed"
    assert result.issues[0].code == "missing_tool"
    assert "libreoffice-writer-nogui" in result.issues[0].message


@pytest.mark.integration
@pytest.mark.needs("libreoffice")
def test_legacy_doc_made_by_libreoffice_reads_every_cell(report_docx, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    (tmp_path / "report.docx").write_bytes(report_docx)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
                   check=True, capture_output=True, timeout=180)
    data = (tmp_path / "report.doc").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE compound file, the legacy Word format
    result = extract_bytes(data, "report.doc")
    assert result.format == "doc"
    assert result.cells == GOLD
    assert result.status == "ok", result.issues
    assert result.year == 2022


def test_an_ole_file_that_is_not_a_word_document_is_refused_before_conversion():
    visio = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "VisioDocument".encode("utf-16-le") + b"\0" * 512
    result = extract_bytes(visio, "drawing.doc")
    assert (result.format, result.status) == ("doc", "failed")
    assert result.issues[0].code == "unsupported_format"
    assert "WordDocument" in result.issues[0].message


LEGACY_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 1024


def _fake_soffice(tmp_path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def test_a_conversion_that_hangs_is_killed_at_the_timeout(monkeypatch, tmp_path):
    monkeypatch.setenv("EXTRACT_SOFFICE", _fake_soffice(tmp_path, "sleep 30"))
    monkeypatch.setenv("EXTRACT_SOFFICE_TIMEOUT", "1")
    result = extract_bytes(LEGACY_WORD, "slow.doc")
    assert result.issues[0].code == "conversion_timeout"


def test_a_conversion_that_fails_reports_libreoffices_message(monkeypatch, tmp_path):
    monkeypatch.setenv("EXTRACT_SOFFICE", _fake_soffice(tmp_path, "echo 'Error: source file could not be "
                                                                  "loaded' >&2; exit 1"))
    result = extract_bytes(LEGACY_WORD, "broken.doc")
    assert result.issues[0].code == "conversion_failed"
    assert "source file could not be loaded" in result.issues[0].message


def test_grid_before_leaves_the_first_columns_of_a_row_empty():
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate(["规章", "1", "2"]):
        table.cell(0, c).text = text
    for c, text in enumerate(["x", "3", "4"]):
        table.cell(1, c).text = text
    tr = table.rows[1]._tr
    tr.remove(tr.tc_lst[0])  # the second row starts one grid column in
    tr_pr = tr.get_or_add_trPr()
    grid_before = OxmlElement("w:gridBefore")
    grid_before.set(qn("w:val"), "1")
    tr_pr.insert(0, grid_before)
    buffer = io.BytesIO()
    document.save(buffer)
    _, [grid_table] = read_document(buffer.getvalue())
    assert [[g.text for g in row] for row in grid_table] == [["规章", "1", "2"], ["", "3", "4"]]
    assert grid_table[1][1].cell.col_index == 1
