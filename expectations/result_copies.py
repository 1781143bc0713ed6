"""GX's validation results serialized without deep-copying them at every layer.

Storing a validation result and rendering its Data Docs page serialize it through marshmallow schemas whose hooks
each `deepcopy` what they are given before changing one field of it: the suite's result is copied whole, then each
expectation's result again before and after it is dumped, and `to_json_dict` copies the suite's result once more
first. A first validation at 1,000 reports holds about 19,000 unexpected rows, each copied four times or more:
a third of the checkpoint's time.

`install()` replaces those hooks (and the `to_json_dict` of a suite's and of an expectation's result) with ones
that make a shallow copy and replace the one field they convert, plain values converted as they are
(`to_serializable`). They leave the object given unchanged, as GX's do, and dump the same JSON
(tests/warehouse/test_expectations_checkpoint.py compares both on stored results). Marshmallow looks its hooks up
by name on the schema, so replacing the methods on the classes is enough.
"""
from __future__ import annotations

import copy

from great_expectations.core import expectation_validation_result as gx_results
from great_expectations.expectations.expectation_configuration import ExpectationConfigurationSchema

GX_ORIGINALS = {
    (gx_results.ExpectationSuiteValidationResultSchema, "prepare_dump"):
        gx_results.ExpectationSuiteValidationResultSchema.prepare_dump,
    (gx_results.ExpectationValidationResultSchema, "convert_result_to_serializable"):
        gx_results.ExpectationValidationResultSchema.convert_result_to_serializable,
    (gx_results.ExpectationValidationResultSchema, "clean_null_attrs"):
        gx_results.ExpectationValidationResultSchema.clean_null_attrs,
    (gx_results.ExpectationSuiteValidationResult, "to_json_dict"):
        gx_results.ExpectationSuiteValidationResult.to_json_dict,
    (gx_results.ExpectationValidationResult, "to_json_dict"): gx_results.ExpectationValidationResult.to_json_dict,
}


def to_serializable(data):
    """GX's `convert_to_json_serializable`, with the values JSON takes as they are (str, int, bool, None, a
    float that is not NaN, and dicts, lists and tuples of those) converted here: most of a result is its unexpected
    rows, plain values that GX's version runs through a dozen isinstance checks each. Anything else is GX's."""
    kind = type(data)
    if kind is str or kind is int or kind is bool or data is None:
        return data
    if kind is float:
        return None if data != data else data
    if kind is dict:
        return {key if type(key) is str else str(key): to_serializable(value) for key, value in data.items()}
    if kind is list or kind is tuple:
        return [to_serializable(value) for value in data]
    return gx_results.convert_to_json_serializable(data)


def _shallow(data):
    return dict(data) if isinstance(data, dict) else copy.copy(data)


def prepare_dump(self, data, **kwargs):
    data = _shallow(data)
    if isinstance(data, gx_results.ExpectationSuiteValidationResult):
        data.meta = to_serializable(data=data.meta)
        data.statistics = to_serializable(data=data.statistics)
    elif isinstance(data, dict):
        data["meta"] = to_serializable(data=data.get("meta"))
        data["statistics"] = to_serializable(data=data.get("statistics"))
    return data


def convert_result_to_serializable(self, data, **kwargs):
    data = _shallow(data)
    if isinstance(data, gx_results.ExpectationValidationResult):
        data.result = to_serializable(data.result)
    elif isinstance(data, dict):
        data["result"] = to_serializable(data.get("result"))
    return data


def clean_null_attrs(self, data: dict, **kwargs) -> dict:
    data = dict(data)
    for key in ExpectationConfigurationSchema.REMOVE_KEYS_IF_NONE:
        if key in data and data[key] is None:
            data.pop(key)
    return data


def to_json_dict(self):
    myself = copy.copy(self)
    myself["suite_parameters"] = to_serializable(myself["suite_parameters"])
    myself["statistics"] = to_serializable(myself["statistics"])
    myself["meta"] = to_serializable(myself["meta"])
    myself["results"] = [to_serializable(result) for result in myself["results"]]
    return gx_results.expectationSuiteValidationResultSchema.dump(myself)


def expectation_result_to_json_dict(self):
    myself = gx_results.expectationValidationResultSchema.dump(self)
    for field in ("expectation_config", "result", "meta", "exception_info", "rendered_content"):
        if field in myself:
            myself[field] = to_serializable(myself[field])
    return myself


REPLACEMENTS = {
    (gx_results.ExpectationSuiteValidationResultSchema, "prepare_dump"): prepare_dump,
    (gx_results.ExpectationValidationResultSchema, "convert_result_to_serializable"): convert_result_to_serializable,
    (gx_results.ExpectationValidationResultSchema, "clean_null_attrs"): clean_null_attrs,
    (gx_results.ExpectationSuiteValidationResult, "to_json_dict"): to_json_dict,
    (gx_results.ExpectationValidationResult, "to_json_dict"): expectation_result_to_json_dict,
}


def install() -> None:
    """Serialize GX's validation results with the shallow copies above (idempotent)."""
    for (cls, name), function in REPLACEMENTS.items():
        setattr(cls, name, function)


def uninstall() -> None:
    """GX's own serialization again (the test compares both)."""
    for (cls, name), function in GX_ORIGINALS.items():
        setattr(cls, name, function)
