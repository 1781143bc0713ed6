"""Damaged Word packages are `corrupt`, never read by a guess (extract/guards.py): a package holding
word/document.xml twice is ambiguous (zipfile reads the last copy, Word may read the first), a package cut
short or with damaged member data is damage, not a parser bug. The document is a real report's gold
(data/samples/beiguan-gxj-2023) rendered as .docx by the test generator."""
from __future__ import annotations

import io
import warnings
import zipfile

import pytest

from extract import extract_bytes, guards
from tests.support import damage


@pytest.fixture(scope="module")
def report():
    gold = next(g for g in damage.gold_documents() if g.name == "samples/beiguan-gxj-2023.txt")
    return damage.docx_from_gold(gold)


def cases(report, kind):
    return [c for c in damage.docx_damage(report) if c.kind == kind]


def test_the_undamaged_package_is_read_exactly(report):
    result = extract_bytes(report.data, "beiguan.docx")
    assert result.status == "ok"
    assert damage.cell_differences(report.cells, result.cells) == {}


def test_two_document_parts_are_an_ambiguous_package_whichever_copy_comes_first(report):
    duplicated = cases(report, "duplicate_member")
    assert len(duplicated) >= 3
    for case in duplicated:
        result = extract_bytes(case.data, "beiguan.docx")
        assert (result.status, result.issues[0].code) == ("failed", "corrupt"), case.how
        assert "word/document.xml twice" in result.issues[0].message


def test_part_names_differing_only_in_case_are_duplicates_too(report):
    with zipfile.ZipFile(io.BytesIO(report.data)) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    body = dict(members)["word/document.xml"]
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members + [("Word/Document.xml", body)]:
            archive.writestr(name, data)
    result = extract_bytes(out.getvalue(), "beiguan.docx")
    assert (result.status, result.issues[0].code) == ("failed", "corrupt")


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8, 0.95, 0.999])
def test_a_package_cut_short_is_corrupt(report, fraction):
    result = extract_bytes(report.data[:int(len(report.data) * fraction)], "beiguan.docx")
    assert (result.status, result.issues[0].code) == ("failed", "corrupt")


def test_damaged_member_data_is_corrupt_not_a_parser_error(report):
    flipped = cases(report, "flip_member")
    assert len(flipped) == 3
    for case in flipped:
        result = extract_bytes(case.data, "beiguan.docx")
        assert (result.status, result.issues[0].code) == ("failed", "corrupt"), case.how
        assert "word/document.xml" in result.issues[0].message


def test_data_ending_early_inside_a_library_is_damage_not_a_parser_bug():
    # zipfile/zlib raise EOFError when a member's compressed data stops before its end
    assert guards.classify_crash(EOFError("Compressed file ended before the end-of-stream marker was reached"))[0] \
        == "corrupt"
