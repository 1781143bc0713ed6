"""The static HTML quality report, rendered by headless Chromium as a maintainer's browser would."""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser

import pytest

from extract.check_catalogue import CHECKS
from pipeline import steps
from pipeline.config import load_settings
from tests.support.check_cases import shared_warehouse
from tests.support.warehouse import query

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Dom(HTMLParser):
    """Rows of the grid and findings tables, and every element id and link of the rendered DOM."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.rows: dict[str, list[list[tuple[str, str]]]] = {"grid": [], "findings": [], "checks": []}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._cell_class = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "table":
            self._table = attrs.get("id")
        elif tag == "tr" and self._table in self.rows:
            self.rows[self._table].append([])
        elif tag in ("td", "th") and self._table in self.rows:
            self._cell, self._cell_class = [], attrs.get("class") or ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table in self.rows:
            self.rows[self._table][-1].append(("".join(self._cell).strip(), self._cell_class))
            self._cell = None
        elif tag == "table":
            self._table = None


pytestmark = pytest.mark.needs("chromium")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    warehouse, _ = shared_warehouse()
    var = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_PATH", str(warehouse))
        patch.setenv("PIPELINE_VAR_PATH", str(var))
        patch.setenv("DATA_DOCS_PATH", str(var / "data-docs"))
        patch.setenv("ALERTS_PATH", str(var / "alerts.jsonl"))  # the digest goes there, not to the checkout's var/
        patch.setenv("REVIEW_DECISIONS_PATH", str(var / "decisions.csv"))
        patch.delenv("ALERT_WEBHOOK_URL", raising=False)
        patch.delenv("SMTP_HOST", raising=False)
        patch.delenv("QUALITY_REPORT_PATH", raising=False)
        patch.delenv("FINDINGS_DB_PATH", raising=False)
        settings = load_settings()
        steps.record_findings({"run_name": "report-run"}, settings)
        outcome = steps.publish_quality_report(None, settings)
    report = var / "quality-report" / "index.html"
    assert outcome == {"quality_report": str(report), "skipped": False}
    completed = subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}", "--dump-dom",
         report.as_uri()], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = _Dom()
    dom.feed(completed.stdout)
    return warehouse, dom, completed.stdout


def _grid(dom) -> dict[tuple[str, str], dict[str, tuple[str, str]]]:
    header, *rows = dom.rows["grid"]
    names = [text for text, _ in header]
    return {(row[0][0], row[1][0]): dict(zip(names, row)) for row in rows}


def test_the_grid_has_one_row_per_agency_and_year(rendered):
    warehouse, dom, _ = rendered
    expected = set(query(warehouse, "select agency, cast(year as varchar) from marts.fct_check_results "
                                    "where is_latest_for_agency_year group by all"))
    assert set(_grid(dom)) == expected
    assert ("安阳市北关区工业和信息化局", "2022") in expected  # the alias, not the printed abbreviation


def test_cells_show_pass_fail_incomplete_per_check_family(rendered):
    _, dom, html = rendered
    grid = _grid(dom)
    assert list(grid[("丙市财政局", "2023")])[2:] == ["Identities (1–4)", "Across years (5)", "Counts (6)",
                                                  "Stock (7)", "Narrative (8)", "Deadline (9)", "Similarity (9)"]
    text, state = grid[("丙市财政局", "2023")]["Identities (1–4)"]
    assert state == "fail" and re.search(r"\b2 fail\b", text)
    assert grid[("丙市财政局", "2023")]["Narrative (8)"][1] == "fail"
    assert grid[("乙市财政局", "2023")]["Identities (1–4)"][1] == "pass"
    assert grid[("乙市财政局", "2023")]["Deadline (9)"][1] == "pass"
    assert grid[("戊市财政局", "2023")]["Across years (5)"][1] == "fail"
    assert grid[("辛市财政局", "2023")]["Identities (1–4)"][1] == "incomplete"
    # its first report: nothing to compare with, said in the cell (the reason in its title)
    assert grid[("乙市财政局", "2023")]["Similarity (9)"] == ("not evaluated", "not_evaluated")
    assert 'title="no earlier report of 乙市财政局 in the warehouse"' in html


def test_failing_cells_link_to_their_findings_on_the_page(rendered):
    _, dom, html = rendered
    anchors = [link[1:] for link in dom.links if link.startswith("#finding-")]
    assert anchors and all(anchor in dom.ids for anchor in anchors)
    header, *findings = dom.rows["findings"]
    names = [text for text, _ in header]
    rows = [dict(zip(names, (text for text, _ in row))) for row in findings]
    narrative = next(r for r in rows if r["Agency"] == "丙市财政局" and r["Check"] == "narrative_8")
    assert int(narrative["lhs"]) - int(narrative["rhs"]) == 5
    assert "broken.txt" in narrative["Source"] and "line" in narrative["Source"]
    assert f"finding-{narrative['Fingerprint']}" in anchors


def test_the_summary_counts_agree_with_the_warehouse(rendered):
    warehouse, dom, html = rendered
    counts = dict(query(warehouse, "select result, count(*) from marts.fct_check_results "
                                   "where is_latest_for_agency_year group by result"))
    assert (f"{counts['pass']} pass, {counts['fail']} fail, {counts['incomplete']} incomplete"
            in re.sub(r"\s+", " ", html))


def test_the_report_lists_every_check_of_the_catalogue_with_what_to_do(rendered):
    _, dom, _ = rendered
    header, *rows = dom.rows["checks"]
    assert [text for text, _ in header] == ["Check", "Severity", "What it verifies", "Formula",
                                            "What to do with a finding"]
    assert [tuple(text for text, _ in row) for row in rows] == [
        (c.code, c.severity, c.description, c.formula, c.maintainer_action) for c in CHECKS]
