"""The README tells the truth about the checkout: every path of its tree exists, every `make` target it shows is
in the Makefile, and the commands it names are the ones pyproject.toml installs."""
from __future__ import annotations

import re
import tomllib

from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _tree_paths() -> list[str]:
    """The paths of the README's tree: top-level entries, and the indented ones inside the folder above them."""
    block = README.split("## Tree", 1)[1].split("```", 2)[1]
    paths, folder = [], ""
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        name = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0] if line.strip() else ""
        if not name or indent > 2:
            continue  # a blank line, or the description carried on
        entries = []
        for part in name.split(", "):
            if " / " in part:  # "requirements.in / .lock": one stem, two suffixes
                first, second = part.split(" / ")
                entries += [first, first.rsplit(".", 1)[0] + second]
            else:
                entries.append(part)
        if indent == 0:
            folder = entries[0] if entries[0].endswith("/") else ""
            paths += entries
        else:
            paths += [folder + entry for entry in entries]
    return paths


def test_every_path_of_the_tree_exists():
    paths = _tree_paths()

    assert len(paths) >= 30 and "extract/parsers/" in paths and "requirements-dev.lock" in paths
    assert [path for path in paths if not (ROOT / path).exists()] == []


def test_every_make_target_the_readme_shows_is_in_the_makefile():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE))
    shown = set(re.findall(r"`make ([a-z][a-z-]*)", README)) | set(re.findall(r"^make ([a-z][a-z-]*)", README,
                                                                                re.MULTILINE))

    assert {"run", "test", "setup", "airflow", "score"} <= shown
    assert shown - targets == set()


def test_the_commands_the_readme_shows_are_the_ones_pyproject_installs():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    shown = set(re.findall(r"\.venv/bin/(report-[a-z]+)", README))

    assert shown and shown <= set(scripts)
