"""The documentation sites render styled with the network off: Great Expectations' Data Docs (their CDN assets
copied into the site by expectations/offline_docs.py) and dbt's docs (one self-contained page)."""
from __future__ import annotations

import re
import shutil

import pytest

from expectations import validate_checks
from expectations.offline_docs import VENDORED_ASSETS, network_assets
from tests.support.check_cases import shared_warehouse
from tests.support.chromium import probe
from tests.support.warehouse import run_dbt

pytestmark = pytest.mark.needs("chromium")

# Bootstrap 4 styles the body with its font stack; jQuery and vega-embed are the scripts GX's pages run
STYLED = """({font: getComputedStyle(document.body).fontFamily, jquery: typeof window.jQuery,
             vega: typeof window.vegaEmbed, bootstrap_table: !!(window.jQuery && jQuery.fn.bootstrapTable)})"""


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory):
    warehouse, _ = shared_warehouse()
    root = tmp_path_factory.mktemp("gx")
    validate_checks(warehouse, root / "data_docs", context_dir=root / "gx", run_name="offline")
    return root / "data_docs"


def test_no_data_docs_page_loads_anything_from_the_network(data_docs):
    pages = sorted(data_docs.rglob("*.html"))
    assert len(pages) > 10  # the index, one page per suite, one per validation result
    assert {page.name: network_assets(page.read_text(encoding="utf-8")) for page in pages} == \
        {page.name: [] for page in pages}
    assert (data_docs / "static" / "vendor" / VENDORED_ASSETS["https://code.jquery.com/jquery-3.7.1.min.js"]).is_file()


def test_the_data_docs_render_styled_without_network(data_docs, tmp_path):
    index, requests = probe(data_docs / "index.html", STYLED, tmp_path)
    assert requests == []
    assert "apple-system" in index["font"] or "Segoe UI" in index["font"]  # Bootstrap's, not the browser's serif
    assert index["jquery"] == "function" and index["bootstrap_table"] is True

    validation = next(p for p in sorted((data_docs / "validations").rglob("*.html")))
    page, requests = probe(validation, STYLED, tmp_path)
    assert requests == []
    assert page["jquery"] == "function" and page["vega"] == "function"


def test_the_dbt_docs_page_shows_a_mart_with_its_columns_descriptions_and_types_without_network(tmp_path):
    warehouse, _ = shared_warehouse()
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    completed = run_dbt(copy, "docs", "generate", "--static")
    assert completed.returncode == 0, completed.stdout[-3000:]
    site = (tmp_path / "dbt-target" / "static_index.html").read_text(encoding="utf-8")
    # the page is an Angular app rendering the manifest and catalog embedded in it; open it at a mart's page
    head = site.index("<head>") + len("<head>")
    page = tmp_path / "mart.html"
    page.write_text(site[:head] + "<script>location.hash = '#!/model/model.transparency_reports."
                    "fct_review_litigation';</script>" + site[head:], encoding="utf-8")

    shown, requests = probe(page, "document.body.innerText", tmp_path, delay_ms=3000, budget_ms=30000)

    assert requests == []
    columns = shown.split("Columns", 2)[-1]
    assert "proceeding_label_zh" in columns and "行政复议; 行政诉讼 未经复议直接起诉" in columns
    assert re.search(r"\bcase_count\s+BIGINT\b", columns)  # the type, from the catalog dbt read from the warehouse
