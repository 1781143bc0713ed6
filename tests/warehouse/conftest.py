"""Warehouse tests: dbt models, seeds, checks and the Great Expectations suites, over warehouses built from
gold files and generated reports (tests/support/warehouse.py, tests/support/check_cases.py)."""
