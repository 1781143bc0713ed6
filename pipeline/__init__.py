"""Orchestration-side code the DAG calls: configuration, object storage, landing loads, dbt, notifications."""
