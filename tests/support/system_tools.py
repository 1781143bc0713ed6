"""The system tools the tests use for real, how to tell whether they are here, and the packages that bring them.

One place for both users of the list:
- `make setup` runs this file with the system's python3 (standard library only, before .venv exists):
  `python3 tests/support/system_tools.py install` installs the missing Debian/Ubuntu packages when it can
  (root, or sudo without a password) and otherwise prints the one command to run;
- tests/conftest.py resolves `@pytest.mark.needs("chromium")`: a missing tool skips exactly the tests that
  need it, with that command as the reason (in CI, CI=true, a missing tool is a failure, never a skip).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Tool:
    name: str
    why: str
    apt_packages: tuple[str, ...]
    present: Callable[[], bool]


def _any_executable(*names: str) -> Callable[[], bool]:
    return lambda: any(shutil.which(name) for name in names)


def _chromium_with_cjk_fonts() -> bool:
    """Chromium prints the generated reports to PDF; without a CJK font the Chinese text has no glyphs and the
    PDF no usable text layer, so the fonts are part of the tool."""
    if not (os.getenv("CHROMIUM") or _any_executable("chromium", "chromium-browser", "google-chrome",
                                                     "google-chrome-stable")()):
        return False
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=60)
    return bool(listed.stdout.strip())


def postgres_bin_dir() -> str | None:
    """The folder holding PostgreSQL's initdb and postgres: on PATH, else Debian's newest
    /usr/lib/postgresql/<version>/bin (the `postgresql` package puts no server binary on PATH)."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres"):
        return os.path.dirname(os.path.realpath(initdb))
    versions = [name for name in os.listdir("/usr/lib/postgresql") if name.isdigit()] \
        if os.path.isdir("/usr/lib/postgresql") else []
    for version in sorted(versions, key=int, reverse=True):
        folder = f"/usr/lib/postgresql/{version}/bin"
        if all(os.access(os.path.join(folder, name), os.X_OK) for name in ("initdb", "postgres")):
            return folder
    return None


TOOLS: dict[str, Tool] = {tool.name: tool for tool in (
    Tool("chromium", "prints generated reports to PDF and renders the quality report",
         ("chromium", "fonts-noto-cjk", "fonts-wqy-microhei"), _chromium_with_cjk_fonts),
    Tool("libreoffice", "converts legacy .doc files, for the pipeline too",
         ("libreoffice-writer-nogui",), _any_executable("soffice", "libreoffice")),
    Tool("qpdf", "encrypts and rotates test PDFs", ("qpdf",), _any_executable("qpdf")),
    Tool("pdftoppm", "rasterises a test PDF into a scan", ("poppler-utils",), _any_executable("pdftoppm")),
    Tool("docker-compose", "validates and renders docker-compose.yml, without a Docker engine",
         ("docker-compose",), _any_executable("docker-compose")),
    Tool("redis-server", "the Celery broker of the CeleryExecutor test", ("redis-server",),
         _any_executable("redis-server")),
    Tool("postgresql", "Airflow's metadata DB in the CeleryExecutor test (initdb, postgres)", ("postgresql",),
         lambda: postgres_bin_dir() is not None),
)}


@functools.lru_cache(maxsize=None)
def is_present(name: str) -> bool:
    return TOOLS[name].present()


def apt_command(packages: list[str] | tuple[str, ...]) -> str:
    return ("sudo apt-get install -y --no-install-recommends " + " ".join(packages)) if packages else ""


def install_hint(name: str) -> str:
    tool = TOOLS[name]
    return (f"needs {name} ({tool.why}), which is not installed; run `make setup` as root, or: "
            f"{apt_command(tool.apt_packages)}")


def in_ci() -> bool:
    return os.getenv("CI", "").lower() in ("1", "true", "yes")


def require(*names: str) -> None:
    """In a test or a fixture: skip unless every named tool is installed, saying how to install it; in CI, fail.
    (`@pytest.mark.needs(...)` on a test does the same; a fixture cannot carry a mark, so it calls this.)"""
    import pytest

    for name in names:
        if name not in TOOLS:
            raise ValueError(f"unknown tool {name!r} (known: {', '.join(TOOLS)})")
        if not is_present(name):
            reason = install_hint(name)
            if in_ci():
                pytest.fail(f"CI must run every test: {reason}", pytrace=False)
            pytest.skip(reason)


def missing_tools() -> list[Tool]:
    return [tool for name, tool in TOOLS.items() if not is_present(name)]


def _privilege_prefix() -> list[str] | None:
    """[] as root, ["sudo", "-n"] with password-less sudo, None when packages cannot be installed from here."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


def install(in_ci: bool) -> int:
    """Install the packages of every missing tool where possible; print the command otherwise.

    Returns non-zero only in CI, where every tool must end up installed."""
    missing = missing_tools()
    if not missing:
        return 0
    packages = sorted({package for tool in missing for package in tool.apt_packages})
    names = ", ".join(tool.name for tool in missing)
    prefix = _privilege_prefix()
    if shutil.which("apt-get") and prefix is not None:
        print(f"installing the system packages the tests need ({names}): {' '.join(packages)}", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        steps = [[*prefix, "apt-get", "update", "-q"],
                 [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]]
        for step in steps:
            if subprocess.run(step, env=env).returncode != 0:
                print(f"`{' '.join(step)}` failed", file=sys.stderr)
                return 1 if in_ci else 0
        is_present.cache_clear()
        still = [tool.name for tool in missing_tools()]
        if still:
            print(f"still missing after installing: {', '.join(still)}", file=sys.stderr)
            return 1 if in_ci else 0
        return 0
    how = apt_command(packages) if shutil.which("apt-get") else (
        "install " + names + " with your system's package manager")
    print(f"\nThe tests that need {names} will be skipped: not installed, and this user cannot install system "
          f"packages. To run them:\n\n    {how}\n", flush=True)
    return 1 if in_ci else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        return install(in_ci())
    if argv[:1] == ["check"]:
        for name in TOOLS:
            print(f"{name:15} {'ok' if is_present(name) else 'missing: ' + apt_command(TOOLS[name].apt_packages)}")
        return 0
    print("usage: python3 tests/support/system_tools.py install|check", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
