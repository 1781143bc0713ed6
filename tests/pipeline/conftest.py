"""Fixtures of the pipeline tests: a real S3 on 127.0.0.1 (moto's server) and a pipeline environment whose
every path lies in the test's temporary folder (tests/support/pipeline_env.py)."""
from tests.support.pipeline_env import airflow_db, moto_endpoint, pipeline_env, s3_bucket  # noqa: F401
