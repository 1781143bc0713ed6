"""Test tooling shared by the test packages: data paths, the report generator, builders of warehouses,
hostile inputs and Airflow environments, and the extraction benchmark."""
