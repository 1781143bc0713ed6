"""Fuzzing the text and HTML parsers (and the format sniffing in front of them) through `extract_bytes`.

Whatever the bytes: no exception escapes, the status is one of ok/needs_review/failed, a failed result names
the file in its first issue, the sha256 and size are those of the bytes, the result is strict JSON that reads
back as itself, no parser crashes (`parser_error` means a parser bug: the failing example says which input)
and no message carries a traceback.

Profile `fuzz-parsers-ci` (the default) is deterministic (derandomize, no example database) and generates
1,150 cases in all; `FUZZ_PROFILE=fuzz-parsers-dev` explores ten times more with fresh randomness.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import hostile as hf
from extract import ExtractionResult, extract_bytes
from extract.model import STATUSES

settings.register_profile(
    "fuzz-parsers-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("fuzz-parsers-dev", settings.get_profile("fuzz-parsers-ci"), derandomize=False)
PROFILE = os.getenv("FUZZ_PROFILE", "fuzz-parsers-ci")
SCALE = 10 if PROFILE == "fuzz-parsers-dev" else 1


def fuzz(max_examples: int) -> settings:
    return settings(settings.get_profile(PROFILE), max_examples=max_examples * SCALE)


KEY_RE = re.compile(r"^t[234]\.[a-z0-9_]+\.[a-z0-9_]+$")


def assert_valid_result(result: ExtractionResult, data: bytes, name: str) -> None:
    assert result.status in STATUSES
    assert result.file == name
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size_bytes == len(data)
    codes = [issue.code for issue in result.issues]
    assert "parser_error" not in codes, result.issues
    for issue in result.issues:
        assert "\n" not in issue.message and "Traceback" not in issue.message, issue
    if result.status == "failed":
        assert result.issues[0].severity == "error"
        assert result.issues[0].message.startswith(f"{name}: ")
    else:
        assert result.cells, "a report that is not failed has cells"
        assert set(result.provenance) == set(result.cells)
    for key, value in result.cells.items():
        assert KEY_RE.match(key), key
        assert value is None or (isinstance(value, (int, float)) and math.isfinite(value)), (key, value)
    json.dumps(result.to_dict(), allow_nan=False, ensure_ascii=False)
    assert ExtractionResult.from_json(result.to_json()) == result  # the JSON the pipeline stores reads back


# ---------------------------------------------------------------------------------------------- vocabulary

SAMPLE_TEXT = hf.SAMPLE_REPORT.read_text(encoding="utf-8")
SAMPLE_BYTES = SAMPLE_TEXT.encode("utf-8")
HTML_REPORT = hf.DEV_HTML_REPORT.read_bytes()
# every label and header printed in a real report: fuzzed documents are made of the words parsers look for
LABELS = sorted({field.strip() for line in SAMPLE_TEXT.splitlines() for field in line.split("\t")
                 if field.strip() and not field.strip().isdigit() and len(field.strip()) < 60})
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
NUMBERS = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**15).map(str),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}"),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e9).map(lambda f: f"{f:.2f}"),
    st.integers(min_value=0, max_value=999).map(lambda n: str(n).translate(FULL_WIDTH_DIGITS)),
    st.tuples(st.integers(0, 99999), st.sampled_from(["元", "万元", "笔", "件", "个", "项", "%"]))
    .map(lambda t: f"{t[0]}{t[1]}"),
    st.text(alphabet="0123456789", min_size=1, max_size=400),  # glued digit runs of crawled text
    st.sampled_from(["nan", "inf", "1e309", "-0", "0x1F", "1/2", "Ⅻ", "١٢٣", "¹²³"]),
)
SEPARATORS = st.sampled_from(["\t", " ", "\n", "\r\n", "\r", "|", "——", "—", "-", "/", "无", "\u3000", "\xa0",
                              "……", "第 3 页 共 5 页", "- 2 -", "\f", "\ufeff", "\u200b", "（", "）", "、", "."])
TEXT_PIECES = st.one_of(st.sampled_from(LABELS), NUMBERS, SEPARATORS, st.text(max_size=12))
ENCODINGS = st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "big5", "utf-8-sig"])
NAMES = st.sampled_from(["report.txt", "报告.pdf", "x.docx", "page.html", "no-extension", "a b\tc.TXT"])


# ---------------------------------------------------------------------------------------------- any bytes

MAGIC_PREFIXES = st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"PK\x05\x06",
                                  bytes.fromhex("d0cf11e0a1b11ae1"), b"<html>", b"<table><tr><td>", b"\xff\xfe",
                                  b"\xfe\xff", b"\xef\xbb\xbf", b"{\\rtf1", b"\x89PNG\r\n\x1a\n", b"<?xml "])


@fuzz(250)
@given(prefix=MAGIC_PREFIXES, body=st.binary(max_size=3000), name=NAMES)
def test_any_bytes_give_a_valid_result(prefix, body, name):
    data = prefix + body
    assert_valid_result(extract_bytes(data, name), data, name)


# ---------------------------------------------------------------------------------------------- text


@fuzz(300)
@given(pieces=st.lists(TEXT_PIECES, max_size=150), encoding=ENCODINGS, name=NAMES)
def test_the_text_parser_survives_report_like_text(pieces, encoding, name):
    data = "".join(pieces).encode(encoding, errors="replace")
    result = extract_bytes(data, name)
    assert_valid_result(result, data, name)


def _mutate(data: bytes, edits: list[tuple[str, float, float, bytes]]) -> bytes:
    """Apply edits at relative positions (so that they land inside the document whatever its length)."""
    for kind, where, extent, payload in edits:
        start = int(where * len(data))
        stop = min(len(data), start + int(extent * 2000))
        if kind == "delete":
            data = data[:start] + data[stop:]
        elif kind == "insert":
            data = data[:start] + payload + data[start:]
        elif kind == "replace":
            data = data[:start] + payload + data[stop:]
        elif kind == "duplicate":
            data = data[:stop] + data[start:stop] + data[stop:]
        elif kind == "truncate":
            data = data[:start]
    return data


EDITS = st.lists(
    st.tuples(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]),
              st.floats(0, 1), st.floats(0, 1),
              st.one_of(st.binary(max_size=40),
                        st.sampled_from(LABELS).map(str.encode),
                        NUMBERS.map(str.encode),
                        SEPARATORS.map(str.encode))),
    min_size=1, max_size=6,
)


@fuzz(150)
@given(edits=EDITS)
def test_the_text_parser_survives_a_damaged_real_report(edits):
    data = _mutate(SAMPLE_BYTES, edits)
    assert_valid_result(extract_bytes(data, "damaged.txt"), data, "damaged.txt")


# ---------------------------------------------------------------------------------------------- html

TAGS = ["table", "tr", "td", "th", "tbody", "thead", "tfoot", "caption", "colgroup", "col", "div", "p", "span",
        "br", "b", "font", "script", "style", "title", "head", "body", "html", "xml", "o:p", "svg", "textarea"]
ATTRIBUTE_VALUES = st.one_of(st.integers(-5, 100_000).map(str),
                             st.sampled_from(["", "2;", " 3 ", "abc", "1e3", "0x10", "９", "99999999999999999999"]),
                             st.text(max_size=8))
ATTRIBUTES = st.lists(st.tuples(st.sampled_from(["rowspan", "colspan", "style", "class", "charset", "width"]),
                                ATTRIBUTE_VALUES), max_size=3)
HTML_TEXT = st.one_of(
    st.sampled_from(LABELS), NUMBERS, SEPARATORS,
    st.sampled_from(["&nbsp;", "&amp;", "&#x4e00;", "&#20013;", "&#0;", "&#xD800;", "&#99999999;", "&lol;",
                     "&", "<", ">", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml ?>", "</",
                     "<td", '"', "'", "\x00", "\ufffd"]),
    st.text(max_size=10),
)


def _render(node) -> str:
    if isinstance(node, str):
        return node
    tag, attributes, children, closed = node
    attrs = "".join(f' {name}="{value}"' for name, value in attributes)
    inner = "".join(_render(child) for child in children)
    return f"<{tag}{attrs}>{inner}" + (f"</{tag}>" if closed else "")


MARKUP = st.recursive(
    HTML_TEXT,
    lambda children: st.tuples(st.sampled_from(TAGS), ATTRIBUTES, st.lists(children, max_size=6), st.booleans()),
    max_leaves=80,
)
CHARSET_DECLARATIONS = st.sampled_from(["", '<meta charset="utf-8">', '<meta charset="gb2312">',
                                        '<meta charset="utf-7">', '<meta charset="x-nonsense">',
                                        '<meta http-equiv="Content-Type" content="text/html; charset=big5">',
                                        '<?xml version="1.0" encoding="utf-16"?>'])


@fuzz(300)
@given(declaration=CHARSET_DECLARATIONS, markup=st.lists(MARKUP, max_size=5),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-16", "big5"]), name=NAMES)
def test_the_html_parser_survives_generated_markup(declaration, markup, encoding, name):
    page = "<html><head>" + declaration + "</head><body>" + "".join(_render(m) for m in markup)
    data = page.encode(encoding, errors="replace")
    assert_valid_result(extract_bytes(data, name), data, name)


@fuzz(150)
@given(edits=EDITS)
def test_the_html_parser_survives_a_damaged_real_report(edits):
    data = _mutate(HTML_REPORT, edits)
    assert_valid_result(extract_bytes(data, "damaged.html"), data, "damaged.html")
