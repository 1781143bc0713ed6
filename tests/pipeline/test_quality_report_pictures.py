"""The quality report's pictures (static SVG) as Chromium draws them with the network off: the agencies × years
heatmap of check results, applications over the years per agency, and each finding in its source."""
from __future__ import annotations

import pytest

from pipeline import steps, storage
from pipeline.charts import STATE_COLOURS
from pipeline.config import load_settings
from tests.support.check_cases import shared_warehouse
from tests.support.chromium import probe, screenshot
from tests.support.warehouse import query

pytestmark = pytest.mark.needs("chromium")

# every drawn datum: its class, its data-* description, and the box Chromium laid it out in
DRAWN = """(function () {
  var marks = function (selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (m) {
      var box = m.getBoundingClientRect();
      return {state: m.getAttribute('data-state'), agency: m.getAttribute('data-agency'),
              year: m.getAttribute('data-year'), series: m.getAttribute('data-series'),
              width: box.width, height: box.height};
    });
  };
  var svgs = Array.prototype.map.call(document.querySelectorAll('svg.chart'), function (s) {
    var box = s.getBoundingClientRect();
    return {id: s.id, kind: s.getAttribute('class'), width: box.width, height: box.height};
  });
  return {svgs: svgs, cells: marks('#check-heatmap .heatmap-cell'), points: marks('svg.applications .point'),
          sources: document.querySelectorAll('#sources figure.source').length,
          source_views: document.querySelectorAll('#sources figure.source table, #sources figure.source svg').length};
})()"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    warehouse, documents = shared_warehouse()
    var = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_PATH", str(warehouse))
        patch.setenv("PIPELINE_VAR_PATH", str(var))
        patch.setenv("DATA_DOCS_PATH", str(var / "data-docs"))
        patch.setenv("ALERTS_PATH", str(var / "alerts.jsonl"))
        patch.setenv("REVIEW_DECISIONS_PATH", str(var / "decisions.csv"))
        patch.setenv("OBJECT_STORE_PATH", str(var / "object-store"))
        for name in ("ALERT_WEBHOOK_URL", "SMTP_HOST", "QUALITY_REPORT_PATH", "FINDINGS_DB_PATH", "S3_BUCKET"):
            patch.delenv(name, raising=False)
        settings = load_settings()
        store = storage.make_store(settings)
        for document in documents.values():  # the generated reports' raw text, where the run stored it
            store.put(document["object_key"], document["_text"].encode("utf-8"))
        steps.record_findings({"run_name": "pictures-run"}, settings)
        steps.publish_quality_report(None, settings)
    return warehouse, var / "quality-report" / "index.html", var / "findings.duckdb"


def test_the_charts_draw_one_mark_per_report_and_per_printed_count_with_nothing_from_the_network(report,
                                                                                                 tmp_path):
    warehouse, page, _ = report
    drawn, requests = probe(page, DRAWN, tmp_path)

    assert requests == []
    reports = query(warehouse, "select agency, year, bool_or(result = 'fail'), bool_or(result = 'incomplete') "
                               "from marts.fct_check_results where is_latest_for_agency_year group by all")
    states = {(a, str(y)): "fail" if failed else "incomplete" if incomplete else "pass"
              for a, y, failed, incomplete in reports}
    assert {(c["agency"], c["year"]): c["state"] for c in drawn["cells"]} == states
    assert len(drawn["cells"]) == len(states)
    assert all(c["width"] > 10 and c["height"] > 10 for c in drawn["cells"])  # laid out, not collapsed

    # 表三 总计: one dot per agency, year and series whose count was printed
    printed = query(warehouse, "select count(*) filter (where outcome = 'new_received' and application_count is not null), "
                               "count(*) filter (where outcome = 'granted' and application_count is not null) "
                               "from marts.fct_application_outcomes where applicant_type = 'total'")[0]
    by_series = {s: sum(1 for p in drawn["points"] if p["series"] == s) for s in ("received", "granted", "denied")}
    assert (by_series["received"], by_series["granted"]) == printed
    assert by_series["denied"] > 0
    agencies = query(warehouse, "select count(distinct agency) from marts.fct_application_outcomes")[0][0]
    charts = [s for s in drawn["svgs"] if "applications" in s["kind"]]
    assert len(charts) == agencies and all(s["width"] > 100 and s["height"] > 50 for s in charts)


def test_the_legend_names_the_series_as_the_report_prints_them(report):
    _, page, _ = report
    html = page.read_text(encoding="utf-8")
    assert "一、本年新收政府信息公开申请数量" in html and "（一）予以公开" in html and "（三）不予公开<" in html


def test_each_finding_has_its_place_in_the_source_or_says_why_not(report, tmp_path):
    _, page, findings_db = report
    drawn, _ = probe(page, DRAWN, tmp_path)
    open_findings = query(findings_db, "select count(*) from fct_findings where status = 'open'")[0][0]
    assert drawn["sources"] == open_findings
    # the generated reports' findings are drawn from their raw text, the cells' lines highlighted
    assert drawn["source_views"] > 0


def test_a_screenshot_shows_the_pictures(report, tmp_path):
    _, page, _ = report
    picture = tmp_path / "report.png"
    requests = screenshot(page, picture, tmp_path, window="1400,1400")
    assert requests == []
    from PIL import Image

    with Image.open(picture) as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    # the heatmap's fail and pass squares, painted in their colours
    assert {_rgb(STATE_COLOURS["fail"]), _rgb(STATE_COLOURS["pass"])} <= colours


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_the_heatmap_counts_not_evaluated_results_apart_from_the_others():
    from pipeline.report_pictures import report_cells

    grid = {("甲局", 2023): {  # quality_report.family_cells: report -> family -> counts
        "identities": {"pass": 2, "fail": 1, "incomplete": 0, "not_evaluated": 0, "reasons": []},
        "similarity": {"pass": 0, "fail": 0, "incomplete": 0, "not_evaluated": 1, "reasons": ["no earlier report"]}}}

    assert report_cells(grid) == {("甲局", 2023): {"pass": 2, "fail": 1, "incomplete": 0, "not_evaluated": 1}}
