"""Where the test data lives: one definition for every test module and helper."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAGS_DIR = ROOT / "dags"
SAMPLES_DIR = ROOT / "data" / "samples"
TEST_DATA_DIR = ROOT / "tests" / "data"
DEV_CASES_DIR = TEST_DATA_DIR / "dev-corpus" / "cases"
HOSTILE_DIR = TEST_DATA_DIR / "hostile"
TEXT_DATA_DIR = TEST_DATA_DIR / "text"
