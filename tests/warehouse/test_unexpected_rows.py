"""expectations/unexpected_rows.py lists GX's unexpected rows exactly as GX's own function does."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from great_expectations.expectations.metrics.util import compute_unexpected_pandas_indices
from great_expectations.util import convert_to_json_serializable

import expectations.checkpoint  # noqa: F401  (installs the replacement, as a validation does)
from expectations.datasource import UNEXPECTED_ROW_COLUMNS
from expectations.unexpected_rows import gx_map_metrics, unexpected_rows_at_once


def _unexpected_frame() -> pd.DataFrame:
    frame = pd.DataFrame({
        "check_result_id": ["a1", "b2", "c3", "d4"],
        "agency": pd.Categorical(["县财政局", "县财政局", None, "市教育局"]),
        "year": pd.array([2021, None, 2023, 2022], dtype="Int64"),
        "check_code": pd.Categorical(["identity_1"] * 4),
        "scope_kind": ["row", "column", "row", "table"],
        "scope": ["t3.r1", "t3.c2", None, "t4"],
        "object_key": ["raw/a", "raw/b", "raw/c", "raw/d"],
        "result": pd.Categorical(["fail", "incomplete", "fail", "fail"]),
        "ratio": [0.5, float("nan"), 1.0, 2.25],
    })
    return frame[frame["result"] != "pass"].iloc[[0, 1, 3]]  # a filtered frame, as GX's: its index has gaps


def _both(frame: pd.DataFrame, domain: list[str], result_format: dict) -> tuple[str, str]:
    metrics = {"table.columns": list(frame.columns)}
    ours = unexpected_rows_at_once(frame, domain, result_format, None, metrics)
    gx_own = compute_unexpected_pandas_indices(frame, domain, result_format, None, metrics)
    return (json.dumps(convert_to_json_serializable(ours), ensure_ascii=False),
            json.dumps(convert_to_json_serializable(gx_own), ensure_ascii=False))


@pytest.mark.parametrize("domain", [["result"], ["ratio"], ["agency"], ["result", "ratio"]])
def test_the_rows_columns_and_their_order_are_gx_own(domain):
    ours, gx_own = _both(_unexpected_frame(), domain, {"result_format": "COMPLETE",
                                                       "unexpected_index_column_names": UNEXPECTED_ROW_COLUMNS})
    assert ours == gx_own
    first = json.loads(ours)[0]
    assert list(first) == list(dict.fromkeys([domain[0], *UNEXPECTED_ROW_COLUMNS, *domain[1:]]))
    assert first["check_result_id"] == "a1" and first["agency"] == "县财政局" and first["year"] == 2021


@pytest.mark.parametrize("result_format", [
    {"result_format": "COMPLETE"},  # no index columns named: the frame's index
    {"result_format": "COMPLETE", "unexpected_index_column_names": ["check_result_id"],
     "exclude_unexpected_values": True},
])
def test_other_result_formats_are_left_to_gx(result_format):
    ours, gx_own = _both(_unexpected_frame(), ["result"], result_format)
    assert ours == gx_own


def test_a_frame_with_a_named_index_is_left_to_gx():
    frame = _unexpected_frame().set_index("check_result_id")
    ours, gx_own = _both(frame, ["result"], {"result_format": "COMPLETE",
                                             "unexpected_index_column_names": ["check_result_id"]})
    assert ours == gx_own
    assert json.loads(ours)[0] == {"result": "fail", "check_result_id": "a1"}


def test_an_index_column_the_batch_lacks_fails_as_in_gx():
    frame = _unexpected_frame()
    with pytest.raises(Exception, match='unexpected_index_column "not_a_column" does not exist') as ours:
        unexpected_rows_at_once(frame, ["result"], {"result_format": "COMPLETE",
                                                    "unexpected_index_column_names": ["not_a_column"]},
                                None, {"table.columns": list(frame.columns)})
    with pytest.raises(type(ours.value)):
        compute_unexpected_pandas_indices(frame, ["result"], {"result_format": "COMPLETE",
                                                              "unexpected_index_column_names": ["not_a_column"]},
                                          None, {"table.columns": list(frame.columns)})


def test_importing_the_checkpoint_installs_it_for_gx_map_metrics():
    assert gx_map_metrics.compute_unexpected_pandas_indices is unexpected_rows_at_once
