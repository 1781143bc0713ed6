"""numbers.parse_value: one printed cell → value, unit, printed blank, or not a number."""
import pytest

from extract.numbers import parse_value


@pytest.mark.parametrize("text, value, unit", [
    ("0", 0, None),
    ("1 ", 1, None),
    ("1\u2002", 1, None),
    ("１２３", 123, None),
    ("10,690", 10690, None),
    ("１０，６９０", 10690, None),
    ("9116.36", 9116.36, None),
    ("18651.064104", 18651.064104, None),
    ("984361元", 984361, "元"),
    ("2笔", 2, "笔"),
    ("3.5万元", 3.5, "万元"),
    ("12 件", 12, "件"),
    ("-3", -3, None),
    ("－3", -3, None),
], ids=lambda v: repr(v))
def test_a_number_is_read_as_printed_with_its_unit(text, value, unit):
    parsed = parse_value(text)
    assert parsed.ok and not parsed.is_null
    assert parsed.value == value and type(parsed.value) is type(value)
    assert parsed.unit == unit


@pytest.mark.parametrize("text", ["", "  ", "-", "—", "——", "/", "无", "／", None])
def test_a_printed_blank_is_null_not_zero(text):
    parsed = parse_value(text)
    assert parsed.ok and parsed.is_null and parsed.value is None


@pytest.mark.parametrize("text", ["自然人", "2023年", "12a", "1.2.3", "三"])
def test_text_that_is_not_a_number_is_reported_as_such(text):
    parsed = parse_value(text)
    assert not parsed.ok and parsed.value is None and not parsed.is_null
