"""Fixtures of the DAG tests: a fresh Airflow metadata database, a real S3 on 127.0.0.1 and a pipeline
environment in the test's temporary folder (tests/support/pipeline_env.py)."""
from tests.support.pipeline_env import airflow_db, moto_endpoint, pipeline_env, s3_bucket  # noqa: F401
