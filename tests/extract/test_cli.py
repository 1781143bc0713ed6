"""`python -m extract FILE` / `report-extract FILE`: the JSON it prints, its exit status, `--pretty`, and the
package built from pyproject.toml working from any folder without the checkout on the path."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from extract import extract_file
from tests.support.paths import DEV_CASES_DIR, ROOT, SAMPLES_DIR

pytestmark = pytest.mark.integration

OK_REPORT = SAMPLES_DIR / "beiguan-gxj-2023.txt"
NEEDS_REVIEW_REPORT = DEV_CASES_DIR / "pingtan-gov-2022" / "source.txt"  # glued 表二 digits no identity settles
BREACHING_REPORT = DEV_CASES_DIR / "pingtan-gaj-2021" / "source.txt"  # printed 表三 does not add up: still ok


def _cli(*args: str, cwd: Path = ROOT, pythonpath: Path = ROOT, module: str = "extract") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, cwd=cwd, env=env,
                          timeout=300)


def test_the_default_output_is_the_result_as_one_json_line_byte_for_byte():
    run = _cli(str(OK_REPORT))

    expected = extract_file(OK_REPORT).to_dict()
    expected.pop("text", None)
    assert run.stdout == (json.dumps(expected, ensure_ascii=False) + "\n").encode("utf-8")
    assert run.returncode == 0 and run.stderr == b""


@pytest.mark.parametrize("path, status, code", [
    (OK_REPORT, "ok", 0),
    (BREACHING_REPORT, "ok", 0),
    (NEEDS_REVIEW_REPORT, "needs_review", 1),
    (ROOT / "no-such-report.pdf", "failed", 2),
    (SAMPLES_DIR / "gold", "failed", 2),  # a folder
], ids=["ok", "a breach printed by the agency", "needs review", "missing file", "a folder"])
def test_the_exit_status_says_how_the_document_went(path, status, code):
    run = _cli(str(path))

    result = json.loads(run.stdout)
    assert (result["status"], run.returncode) == (status, code)
    if status == "failed":
        assert result["issues"][0]["code"] == "unreadable"
        assert result["issues"][0]["message"].startswith(f"{path.name}: cannot read the file")


@pytest.mark.parametrize("args", [[], ["--no-such-option", str(OK_REPORT)], [str(OK_REPORT), str(OK_REPORT)]],
                         ids=["no file", "an unknown option", "two files"])
def test_bad_arguments_exit_64_with_the_usage_and_no_json(args):
    run = _cli(*args)

    assert run.returncode == 64
    assert run.stdout == b""
    assert b"usage: python -m extract" in run.stderr


def test_pretty_prints_a_short_summary_for_people():
    run = _cli("--pretty", str(BREACHING_REPORT))

    lines = run.stdout.decode("utf-8").splitlines()
    assert run.returncode == 0
    assert lines[0] == "source.txt: ok"
    assert "year 2021" in lines[1] and "format txt" in lines[1]
    assert lines[2].startswith("  tables: 表二, 表三, 表四; cells: ")
    assert lines[3] == "  identities: 40 pass, 2 fail, 0 incomplete"
    assert lines[4] == "  issues: 2"
    assert lines[5] == "    [info] identity_breach: identity 1 does not hold for natural_person: 1 != 2"


def test_pretty_still_exits_with_the_status():
    assert _cli("--pretty", str(NEEDS_REVIEW_REPORT)).returncode == 1
    missing = _cli("--pretty", "missing.docx")
    assert missing.returncode == 2
    assert missing.stdout.decode("utf-8").splitlines()[0] == "missing.docx: failed"


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """The project built into a wheel with its own build backend (from a copy: building writes build/ and
    *.egg-info beside the sources) and unpacked as an installer would; returns that site folder."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "requirements.in"):
        shutil.copy(ROOT / name, source / name)
    for package in ("extract", "pipeline", "expectations"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.build_wheel({str(dist)!r}))"],
        cwd=source, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(dist / build.stdout.strip().splitlines()[-1]) as wheel:
        wheel.extractall(site)
    return site


def test_the_package_holds_extract_pipeline_and_expectations_and_declares_both_commands(installed_wheel):
    from importlib.metadata import Distribution

    (info,) = installed_wheel.glob("transparency_reports-*.dist-info")
    scripts = {ep.name: ep.value for ep in Distribution.at(info).entry_points if ep.group == "console_scripts"}
    assert scripts == {"report-extract": "extract.__main__:main", "report-pipeline": "pipeline.__main__:main"}
    for package in ("extract", "extract/parsers", "pipeline", "expectations"):
        assert (installed_wheel / package / "__init__.py").is_file(), package
    assert not (installed_wheel / "tests").exists() and not (installed_wheel / "dags").exists()


def test_the_installed_package_extracts_from_any_folder(installed_wheel, tmp_path):
    report = tmp_path / "report.txt"
    shutil.copy(OK_REPORT, report)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    run = _cli("report.txt", cwd=tmp_path, pythonpath=installed_wheel)
    where = subprocess.run([sys.executable, "-c", "import extract; print(extract.__file__)"], cwd=elsewhere,
                           env={**os.environ, "PYTHONPATH": str(installed_wheel)}, capture_output=True, text=True)

    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)["cells"] == extract_file(OK_REPORT).cells
    assert Path(where.stdout.strip()).is_relative_to(installed_wheel)


def test_the_report_extract_command_runs_the_same_main(installed_wheel, tmp_path):
    from importlib.metadata import Distribution

    (info,) = installed_wheel.glob("transparency_reports-*.dist-info")
    (command,) = [ep for ep in Distribution.at(info).entry_points if ep.name == "report-extract"]
    script = (f"import sys; from importlib.metadata import EntryPoint; "
              f"sys.argv = ['report-extract', {str(OK_REPORT)!r}, '--pretty']; "
              f"sys.exit(EntryPoint(name={command.name!r}, value={command.value!r}, group='console_scripts').load()())")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(installed_wheel)}, timeout=300)

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "beiguan-gxj-2023.txt: ok"
