"""Extraction tests: parsers, guards, the generator's round trips, hostile inputs and the gold corpora.
Their builders live in tests/support/ (grid_reports, pdf_reports, text_reports, hostile, round_trips)."""
