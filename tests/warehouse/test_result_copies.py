"""expectations/result_copies.py: plain values converted as GX converts them (the stored results themselves are
compared in test_expectations_checkpoint.py)."""
from __future__ import annotations

import datetime
import enum
import json

import numpy as np
import pandas as pd
from great_expectations.util import convert_to_json_serializable

from expectations.result_copies import to_serializable


class Severity(enum.Enum):
    FAIL = "fail"


def test_plain_and_gx_typed_values_convert_as_gx_converts_them():
    rows = [{"check_result_id": f"doc:{i}", "expected_value": i, "difference": 0.5 * i, "passed": i % 2 == 0,
             "note": None} for i in range(3)]
    result = {
        "unexpected_index_list": rows,
        "partial_unexpected_list": ("a", "b"),
        "nan": float("nan"),
        "numpy": [np.int64(7), np.float64(2.5), np.float64("nan"), np.bool_(True)],
        "when": datetime.date(2026, 12, 3),
        "severity": Severity.FAIL,
        "missing": pd.NA,
        3: "a numeric key",
        "nested": {"counts": {"rows": 3, "ratio": 1 / 3}, "empty": [], "set": {"x"}},
    }
    ours = to_serializable(result)
    assert ours == convert_to_json_serializable(result)
    assert ours["nan"] is None
    assert json.dumps(ours, sort_keys=True) == json.dumps(convert_to_json_serializable(result), sort_keys=True)
    assert ours["numpy"] == [7, 2.5, None, True] and type(ours["numpy"][0]) is int
    assert ours["3"] == "a numeric key" and ours["partial_unexpected_list"] == ["a", "b"]
    assert ours["unexpected_index_list"] == rows and ours["unexpected_index_list"] is not rows  # a copy
    assert result["nan"] != result["nan"] and isinstance(result["numpy"][0], np.int64)  # the input unchanged
