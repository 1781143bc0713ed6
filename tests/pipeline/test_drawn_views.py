"""The quality report keeps the source views it drew (report_pictures.DrawnViews): the next report takes a view
whose finding, document and drawing code are the same instead of parsing the raw document again."""
from __future__ import annotations

import json

import pytest

from pipeline import report_pictures
from pipeline.report_pictures import DrawnViews

FINDING = {"fingerprint": "f1", "document_hash": "ab" * 32, "object_key": "raw/ab/" + "ab" * 32,
           "check_code": "identity_1", "scope_kind": "column", "scope": "total", "line": None,
           "agency": "某某市财政局", "year": 2023}


class Drawer:
    def __init__(self, result=("<table>view</table>", "")):
        self.result, self.calls = result, 0

    def __call__(self):
        self.calls += 1
        return self.result


def _never():
    raise AssertionError("drawn again: the kept view should have been taken")


def test_a_view_drawn_once_is_taken_by_the_next_report(tmp_path):
    path = tmp_path / "cache" / "source-views.json"
    first = DrawnViews(path)
    drawer = Drawer()
    assert first.view(FINDING, "html", drawer) == ("<table>view</table>", "")
    first.save()

    again = DrawnViews(path)
    assert again.view(dict(FINDING), "html", _never) == ("<table>view</table>", "")
    assert drawer.calls == 1


@pytest.mark.parametrize("change", [{"scope": "natural_person"}, {"document_hash": "cd" * 32},
                                    {"year": 2024}, {"check_code": "identity_2"}])
def test_another_finding_or_document_is_drawn(tmp_path, change):
    path = tmp_path / "source-views.json"
    first = DrawnViews(path)
    first.view(FINDING, "html", Drawer())
    first.save()

    drawer = Drawer(("<table>other</table>", ""))
    assert DrawnViews(path).view({**FINDING, **change}, "html", drawer) == ("<table>other</table>", "")
    assert drawer.calls == 1


def test_changed_drawing_code_draws_again(tmp_path, monkeypatch):
    path = tmp_path / "source-views.json"
    first = DrawnViews(path)
    first.view(FINDING, "html", Drawer())
    first.save()
    monkeypatch.setattr(report_pictures, "_drawing_code", lambda: "another version of source_views.py")

    drawer = Drawer(("<table>redrawn</table>", ""))
    assert DrawnViews(path).view(FINDING, "html", drawer) == ("<table>redrawn</table>", "")
    assert drawer.calls == 1


def test_a_view_that_could_not_be_drawn_is_tried_again_and_unused_views_are_dropped(tmp_path):
    path = tmp_path / "source-views.json"
    first = DrawnViews(path)
    first.view(FINDING, "pdf", Drawer((None, "the raw object could not be read (OSError)")))
    first.view({**FINDING, "scope": "natural_person"}, "html", Drawer())
    first.save()

    second = DrawnViews(path)
    drawer = Drawer(("<svg>crop</svg>", ""))
    assert second.view(FINDING, "pdf", drawer) == ("<svg>crop</svg>", "")
    second.save()

    assert drawer.calls == 1
    assert list(json.loads(path.read_text(encoding="utf-8")).values()) == ["<svg>crop</svg>"]


def test_without_a_file_or_with_a_damaged_one_every_view_is_drawn(tmp_path):
    drawer = Drawer()
    DrawnViews(None).view(FINDING, "html", drawer)
    damaged = tmp_path / "source-views.json"
    damaged.write_text("{not json", encoding="utf-8")
    DrawnViews(damaged).view(FINDING, "html", drawer)
    assert drawer.calls == 2
