"""The throughput shortcuts give exactly what the plain code gives.

- digits: the bounded search for a row whose last cell is its total (`_single_total_splits`) against the
  full enumeration of `splits_checked`, on random glued rows (readings, order, pruned flag, TooManyReadings);
- digits: identity 1 matched by sums (`_frame_combinations`) against every combination, in product order;
- html: the regex tokenizer for plain tags against html.parser's own parse_starttag/parse_endtag, on random
  pages mixing plain tags with the constructs the shortcut leaves to html.parser.
"""
from __future__ import annotations

import itertools
import random
from html.parser import HTMLParser

import _markupbase
import pytest

from extract import digits
from extract.numbers import parse_value
from extract.parsers import html as html_parser


def _full_enumeration(tokens, cells, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(digits, "_single_total_splits", lambda *args: None)
        try:
            return digits.splits_checked(tokens, cells, cells, digits.total_is_sum)
        except digits.TooManyReadings:
            return "too many readings"


def _shortcut(tokens, cells):
    try:
        return digits.splits_checked(tokens, cells, cells, digits.total_is_sum)
    except digits.TooManyReadings:
        return "too many readings"


def _random_row(rng: random.Random) -> tuple[list[digits.Token], int]:
    cells = rng.choice([3, 5, 7, 7, 7])
    values = [rng.choice([0, 0, 1, 3, 12, 40, 117, 2048, rng.randint(0, 10 ** rng.randint(1, 9))])
              for _ in range(cells - 1)]
    values.append(sum(values) + rng.choice([0, 0, 0, 1, -1]))
    texts = [str(v) for v in values]
    if rng.random() < 0.1:
        texts[-1] += ".5"
    if rng.random() < 0.1:
        texts[0] = "-" + texts[0]
    if rng.random() < 0.15:
        texts[rng.randrange(cells)] = "—"
    pieces, glued = [], ""
    for text in texts:
        if text == "—":
            pieces += [glued, text] if glued else [text]
            glued = ""
            continue
        glued += text
        if rng.random() < 0.25:
            pieces.append(glued)
            glued = ""
    if glued:
        pieces.append(glued)
    tokens = [digits.Token(p, None, False, True) if p == "—" else digits.Token(p, parse_value(p).value, True)
              for p in pieces]
    return tokens, cells


def test_bounded_search_gives_the_full_enumeration(monkeypatch):
    rng = random.Random(20240601)
    outcomes = set()
    for _ in range(1500):
        tokens, cells = _random_row(rng)
        expected = _full_enumeration(tokens, cells, monkeypatch)
        assert _shortcut(tokens, cells) == expected, [t.text for t in tokens]
        outcomes.add("raised" if expected == "too many readings" else
                     ("pruned" if expected[1] else "kept") + ("" if expected[0] else " none"))
    assert {"pruned", "kept", "pruned none"} <= outcomes  # the random rows exercise every outcome


def test_bounded_search_keeps_the_step_limit(monkeypatch):
    long_run = digits.Token("71300007452318801234", 71300007452318801234, True)
    expected = _full_enumeration([long_run], 7, monkeypatch)
    assert _shortcut([long_run], 7) == expected
    too_long = digits.Token("7" * 40, int("7" * 40), True)
    assert _shortcut([too_long], 7) == _full_enumeration([too_long], 7, monkeypatch)


def test_frame_combinations_are_the_product_filtered_by_identity_1():
    rng = random.Random(7)
    for _ in range(200):
        candidates = {name: [tuple(rng.choice([0, 1, 2, 3, None]) for _ in range(3))
                             for _ in range(rng.randint(1, 6))] for name in digits._FRAME}
        expected = [combo for combo in itertools.product(*(candidates[n] for n in digits._FRAME))
                    if digits._add(digits._vec(combo[0]), digits._vec(combo[1]))
                    == digits._add(digits._vec(combo[2]), digits._vec(combo[3]))]
        assert digits._frame_combinations(list(digits._FRAME), candidates) == expected


class _StdlibTokenizer(html_parser._PageReader):
    """The same page reader with html.parser's own tokenizer (what the shortcut must reproduce)."""

    parse_starttag = HTMLParser.parse_starttag
    parse_endtag = HTMLParser.parse_endtag
    updatepos = _markupbase.ParserBase.updatepos


_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<br />", "<span class=\"a\">", "</span>", "<o:p>", "</o:p>", "<b>", "</b>",
    "<td>", "</td>", "<th colspan=2>", "<td rowspan=\"3\" colspan='2'>", "<td rowspan=2/>", "<td colspan=x/>",
    "<tr>", "</tr>", "<table border=1>", "</table>", "<tbody>", "</tbody>", "<div\xa0class=x>", "<p\vclass=y>",
    "<td colspan = \"2\" >", "<td nowrap>", "<td\tcolspan=2\n>", "<a href=x/>", "<a href=\"x\"/>", "<P CLASS=Z>",
    "</TD >", "</ td>", "</td x>", "<td colspan==2>", "<td a=\"x\"b=\"y\">", "<meta name=ArticleTitle content=\"标题&amp;报告\">",
    "<title>", "</title>", "<head>", "</head>", "<script>var a = '<td>';</script>", "<style>p{}</style>",
    "<!-- note <td> -->", "<![if !supportLists]>", "<![endif]>", "<!DOCTYPE html>", "<?xml version=1?>",
    "< p>", "<", "&nbsp;", "&amp;", "&#20013;", "&bogus", "1", "23", "本年新收政府信息公开申请数量", "\n", "  ",
    "<td colspan=\"2\" rowspan=1>", "<textarea><td></textarea>", "<img src=a.png alt='<x>'>", "<td colspan=2 / >",
]


@pytest.mark.parametrize("seed", range(6))
def test_plain_tag_tokenizer_reads_pages_as_html_parser_does(seed, monkeypatch):
    rng = random.Random(seed)
    for _ in range(150):
        page = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 60)))
        fast = html_parser.read_page(page)
        with monkeypatch.context() as patch:
            patch.setattr(html_parser, "_PageReader", _StdlibTokenizer)
            expected = html_parser.read_page(page)
        assert _grid_texts(fast) == _grid_texts(expected), page


def _grid_texts(result):
    text, tables = result
    return text, [[(g.text, g.origin, g.cell.table_index, g.cell.row_index, g.cell.col_index) for g in row]
                  for table in tables for row in table]
