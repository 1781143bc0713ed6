"""Orchestration-side code the DAG calls: configuration, object storage, staging loads, dbt, notifications."""
