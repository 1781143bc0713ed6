"""docker-compose.yml is valid for docker-compose itself, and has the shape the README promises.

Needs the `docker-compose` command (Debian package docker-compose; `make setup` installs it). No Docker
engine is needed: `config` only validates and renders the file.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.pipeline_env import ROOT
from tests.support.system_tools import require

pytestmark = pytest.mark.integration

AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
                    "airflow-triggerer"}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The compose file and the image's files in a folder of their own with `.env` copied from `.env.example`,
    as a user prepares the stack (the checkout's own .env, if any, is the user's and stays out of this)."""
    folder = tmp_path_factory.mktemp("stack")
    shutil.copy(ROOT / "docker-compose.yml", folder / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", folder / ".env")
    shutil.copytree(ROOT / "docker", folder / "docker")
    shutil.copy(ROOT / "requirements.lock", folder / "requirements.lock")
    return folder


def _compose(folder: Path, *args: str) -> subprocess.CompletedProcess:
    require("docker-compose")
    executable = shutil.which("docker-compose")
    # only the variables of the env file: the developer's own environment must not make the test pass
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([executable, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rendered(project) -> dict:
    checked = _compose(project, "config", "-q")
    assert checked.returncode == 0, checked.stderr
    out = _compose(project, "config")
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def _env_example() -> dict[str, str]:
    """Every setting .env.example sets (commented-out lines are settings left to their defaults)."""
    settings = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


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


def test_the_project_is_mounted_into_every_airflow_container(rendered, project):
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        volumes = [_mount(v) for v in rendered["services"][name]["volumes"]]
        assert (str(project), "/opt/transparency") in volumes, name


def _mount(volume) -> tuple[str, str]:
    """(source, target) of a volume, rendered long (compose v2) or short "src:dst[:mode]" (compose v1)."""
    if isinstance(volume, dict):
        return volume["source"], volume["target"]
    source, target = volume.split(":")[:2]
    return source, target


def test_every_setting_of_the_env_file_reaches_the_airflow_containers(rendered):
    settings = _env_example()
    # what the stack fixes itself: MinIO is its object store, and the project is mounted at /opt/transparency
    stack = {"S3_BUCKET": "transparency-reports", "S3_ENDPOINT_URL": "http://minio:9000",
             "AWS_ACCESS_KEY_ID": settings["MINIO_ROOT_USER"], "AWS_SECRET_ACCESS_KEY": settings["MINIO_ROOT_PASSWORD"],
             "PROJECT_ROOT": "/opt/transparency"}
    assert len(settings) >= 40
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        env = {key: "" if value is None else str(value)
               for key, value in rendered["services"][name]["environment"].items()}
        assert {key: env.get(key) for key in settings} == {**settings, **{k: v for k, v in stack.items() if k in settings}}, name
        assert {key: env.get(key) for key in stack} == stack, name


def test_the_airflow_services_run_as_airflow_uid_and_the_init_service_gives_it_var(rendered):
    uid = _env_example()["AIRFLOW_UID"]
    for name in AIRFLOW_SERVICES:
        assert rendered["services"][name]["user"] == f"{uid}:0", name
    init = rendered["services"]["airflow-init"]
    script = init["command"][-1]
    assert init["user"] == "0:0"
    assert f'chown -R "{uid}:0" /opt/transparency/var' in script
    assert script.index("chown") < script.index("airflow db migrate")


def test_every_image_is_pinned_to_a_version(rendered):
    images = {name: service["image"] for name, service in rendered["services"].items()}
    for name, image in images.items():
        if image == "transparency-reports-airflow:local":
            continue
        repository, _, tag = image.rpartition(":")
        # a release (16.9, 7.2.7, RELEASE.2025-04-22T22-12-26Z), not `latest` or a moving major version
        assert repository and re.match(r"(\d+\.\d+|RELEASE\.\d{4}-\d\d-\d\d)", tag), (name, image)


def test_the_image_installs_the_runtime_lock_libreoffice_and_cjk_fonts():
    dockerfile = (ROOT / "docker" / "airflow.Dockerfile").read_text(encoding="utf-8")
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    copied = [line.split()[1] for line in instructions if line.startswith("COPY ")]
    assert copied == ["requirements.lock"]
    assert "pip install --no-cache-dir --no-deps -r /tmp/requirements.lock" in dockerfile
    for package in ("libreoffice-writer-nogui", "fonts-noto-cjk"):
        assert package in dockerfile
    runtime = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for test_tool in ("pytest==", "hypothesis==", "moto==", "aiosmtpd=="):
        assert f"\n{test_tool}" not in runtime, test_tool


@pytest.mark.parametrize("inbox, buckets", [
    ("data/samples", ["transparency-reports", "transparency-reports-inbox"]),
    ("s3://reports-inbox/2024/", ["transparency-reports", "reports-inbox"]),
], ids=["a local inbox", "an S3 inbox"])
def test_the_init_service_creates_the_store_and_inbox_buckets(rendered, tmp_path, inbox, buckets):
    """The init script as rendered, run by sh with a stand-in `mc` that records its arguments."""
    init = rendered["services"]["minio-init"]
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "mc").write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "mc.log"}\n', encoding="utf-8")
    (fake_bin / "mc").chmod(0o755)
    env = {**{k: str(v) for k, v in init["environment"].items()}, "PIPELINE_INBOX": inbox,
           "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    command = [part.replace("$$", "$") for part in init["command"]]  # what the container gets

    run = subprocess.run([*init["entrypoint"], *command], env=env, capture_output=True, text=True, timeout=30)

    assert run.returncode == 0, run.stderr
    calls = (tmp_path / "mc.log").read_text(encoding="utf-8").splitlines()
    assert calls[1] == "mb --ignore-existing " + " ".join(f"local/{b}" for b in buckets)


def test_the_passwords_must_come_from_the_env_file_not_the_compose_file(project, tmp_path):
    bare = tmp_path / "without-env"
    shutil.copytree(project, bare)
    (bare / ".env").unlink()

    without = _compose(bare, "config", "-q")

    assert without.returncode != 0
    assert "set in .env" in without.stderr
