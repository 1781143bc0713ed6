"""docker-compose.yml is valid for docker-compose itself, and has the shape the README promises.

Needs the `docker-compose` command (Debian package docker-compose; .ci/run installs it). No Docker engine
is needed: `config` only validates and renders the file.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.support.pipeline_env import ROOT

pytestmark = pytest.mark.integration

AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
                    "airflow-triggerer"}


def _compose(*args: str, env_file: str | None = ".env.example") -> subprocess.CompletedProcess:
    executable = shutil.which("docker-compose")
    assert executable, "docker-compose is not installed (apt-get install -y docker-compose)"
    command = [executable, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml")]
    if env_file:
        command += ["--env-file", str(ROOT / env_file)]
    # only the variables of the env file: the developer's own environment must not make the test pass
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(command + list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rendered() -> dict:
    checked = _compose("config", "-q")
    assert checked.returncode == 0, checked.stderr
    out = _compose("config")
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_the_stack_has_airflow_postgres_redis_minio_and_their_init_services(rendered):
    assert set(rendered["services"]) == AIRFLOW_SERVICES | {"airflow-init", "postgres", "redis", "minio",
                                                             "minio-init"}


def test_every_service_has_a_healthcheck(rendered):
    missing = [name for name, service in rendered["services"].items() if not service.get("healthcheck")]
    assert missing == []


def test_the_airflow_services_share_one_image_and_wait_for_the_init_services(rendered):
    services = rendered["services"]
    images = {services[s]["image"] for s in AIRFLOW_SERVICES | {"airflow-init"}}
    assert images == {"transparency-reports-airflow:local"}
    for name in AIRFLOW_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert depends["minio-init"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/transparency/dags"
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_the_project_is_mounted_into_every_airflow_container(rendered):
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        volumes = [_mount(v) for v in rendered["services"][name]["volumes"]]
        assert (str(ROOT), "/opt/transparency") in volumes, name


def _mount(volume) -> tuple[str, str]:
    """(source, target) of a volume, rendered long (compose v2) or short "src:dst[:mode]" (compose v1)."""
    if isinstance(volume, dict):
        return volume["source"], volume["target"]
    source, target = volume.split(":")[:2]
    return source, target


def test_the_passwords_must_come_from_the_env_file_not_the_compose_file():
    without = _compose("config", "-q", env_file=None)

    assert without.returncode != 0
    assert "set in .env" in without.stderr
