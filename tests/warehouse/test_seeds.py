"""The dbt reference seeds are generated from extract/keys.py, extract/identities.py and
extract/check_catalogue.py and must not drift from them."""
from __future__ import annotations

import csv
import importlib.util

from extract.identities import identity_sides
from extract.keys import template_keys
from tests.support.warehouse import DBT_PROJECT_DIR

_spec = importlib.util.spec_from_file_location("generate_seeds", DBT_PROJECT_DIR / "scripts" / "generate_seeds.py")
generate_seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_seeds)


def test_committed_seeds_equal_what_the_generator_writes_from_extract_keys():
    for name, build in generate_seeds.SEEDS.items():
        committed = (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").read_text(encoding="utf-8")
        assert committed == generate_seeds.render(build()), f"regenerate seeds/{name}.csv (see its generator)"


def _terms_by_check():
    terms: dict[tuple[int, str], dict[str, set[str]]] = {}
    with open(DBT_PROJECT_DIR / "seeds" / "identity_terms.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            check = terms.setdefault((int(row["identity"]), row["scope"]), {})
            check.setdefault(row["other_rows_variant"], set()).add(row["cell_key"])
    return terms


def test_identity_terms_name_the_same_cells_as_the_python_identities_for_both_templates():
    terms = _terms_by_check()
    for template in ("2019", "2021"):
        for sides in identity_sides(template_keys(template)):
            by_variant = terms[(sides.identity, sides.scope)]
            seed_keys = by_variant.get("", set()) | by_variant.get(template, set())
            assert seed_keys == set(sides.keys), (template, sides.identity, sides.scope)
    assert len(terms) == 7 + 7 + 26 + 3  # identities 1, 2 per column; 3 per 表三 row; 4 per 表四 row
