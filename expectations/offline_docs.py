"""Data Docs that render styled without network: the CSS, JavaScript and fonts Great Expectations' pages load from
public CDNs are copied into the site (from `expectations/data_docs_assets/`, vendored with their licences) and
every page's links to them are pointed at the copies. Nothing is fetched at run time.

GX renders its pages from templates inside the package with the CDN URLs written in (and its custom-views hook
cannot override a built-in template), so the pages are rewritten after each build: each known URL becomes a path
relative to the page, and the `integrity` / `crossorigin` attributes of those tags go (a browser refuses a
subresource-integrity check on a file:// URL).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parent / "data_docs_assets"
SITE_ASSETS = Path("static") / "vendor"  # where the copies go inside the Data Docs site

# the URL GX's templates load -> the vendored file (relative to ASSETS_DIR) serving the same content
VENDORED_ASSETS: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/js/bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}

# GX's logo, which the pages load from GX's bucket (with the data context's id in the query): the site's own copy
# under static/images/ (GX writes it there) serves instead
_GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/"
                      r"(?:logo-long|full_logo_dark)\.png(?:\?[^\"'()\s]*)?")
SITE_LOGO = Path("static") / "images" / "logo-long.png"

_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(r"""\b(src|href)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_INTEGRITY = re.compile(r"""\s+(?:integrity|crossorigin)\s*=\s*(["']).*?\1""", re.IGNORECASE | re.DOTALL)
_FETCHED = re.compile(r"""(?:<link\b[^>]*\bhref|\bsrc)\s*=\s*["']((?:https?:)?//[^"']+)|"""
                      r"""url\(\s*["']?((?:https?:)?//[^"')]+)""", re.IGNORECASE)


def network_assets(page: str) -> list[str]:
    """The URLs a browser would fetch from the network to render the page: scripts, stylesheets and other
    <link>s, images, CSS url()s (links a reader may click are not fetched and not listed)."""
    return [a or b for a, b in _FETCHED.findall(page)]


def rewrite_page(page: str, page_dir: Path, site_dir: Path) -> str:
    """The page (in `page_dir` of the Data Docs site `site_dir`) with every vendored CDN URL, and GX's logo,
    replaced by a path relative to the page."""
    def local(tag_match: re.Match) -> str:
        tag = tag_match.group(0)
        urls = [url for _, _, url in _URL_ATTRIBUTE.findall(tag) if url in VENDORED_ASSETS]
        if not urls:
            return tag
        for url in urls:
            relative = Path(os.path.relpath(site_dir / SITE_ASSETS / VENDORED_ASSETS[url], page_dir)).as_posix()
            tag = tag.replace(url, relative)
        return _INTEGRITY.sub("", tag)

    page = _TAG.sub(local, page)
    return _GX_LOGO.sub(Path(os.path.relpath(site_dir / SITE_LOGO, page_dir)).as_posix(), page)


def copy_assets(data_docs_dir: Path) -> Path:
    """Copy every vendored library (its files, fonts and licence) into the site's static/vendor/."""
    target = data_docs_dir / SITE_ASSETS
    for source in sorted(ASSETS_DIR.glob("*/**/*")):
        destination = target / source.relative_to(ASSETS_DIR)
        if source.is_file() and not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    return target


def make_offline(data_docs_dir: str | Path, since: float | None = None) -> list[Path]:
    """Copy the assets into the site and rewrite its pages: those modified at or after `since` (a time.time()
    value), or every page when None or when the site had no copies yet. Returns the pages rewritten. A page still loading an asset from the network
    afterwards (a GX upgrade linking a new one) is logged; tests/warehouse/test_data_docs_offline.py fails on it."""
    data_docs_dir = Path(data_docs_dir)
    if not (data_docs_dir / SITE_ASSETS).is_dir():
        since = None
    site_assets = copy_assets(data_docs_dir)
    rewritten = []
    for page_path in sorted(data_docs_dir.rglob("*.html")):
        if site_assets in page_path.parents or (since is not None and page_path.stat().st_mtime < since):
            continue
        page = page_path.read_text(encoding="utf-8")
        offline = rewrite_page(page, page_path.parent, data_docs_dir)
        if offline != page:
            partial = page_path.with_name(page_path.name + ".partial")
            partial.write_text(offline, encoding="utf-8")
            os.replace(partial, page_path)
            rewritten.append(page_path)
        remaining = network_assets(offline)
        if remaining:
            log.warning("Data Docs page %s still loads %s from the network: vendor it in %s", page_path,
                        ", ".join(remaining), ASSETS_DIR)
    return rewritten
