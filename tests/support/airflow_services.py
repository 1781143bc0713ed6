"""Airflow's own services on 127.0.0.1 for the scheduler tests: started as separate processes the way an
operator starts them, driven only through the public REST API (v2, with the simple auth manager's tokens), and
stopped by every process they started.

    with AirflowServices(tmp_path / "airflow", pipeline_environment) as airflow:
        run_id = airflow.trigger("transparency_reports")
        run = airflow.wait_for_run("transparency_reports", run_id)

What this encodes (each one measured):
- Airflow starts its parts (the LocalExecutor's task supervisor, `airflow standalone`'s components) by name
  from PATH: the virtualenv's bin/ must come first, or they fail with FileNotFoundError 'airflow'.
- Task processes reach the API server's execution API at AIRFLOW__CORE__EXECUTION_API_SERVER_URL; its default
  is port 8080, so the URL must follow the port actually used.
- The LocalExecutor starts `[core] parallelism` worker processes at once (32 by default): bounded here by the
  cores.
- Components fork workers and log servers of their own; stopping the parent alone leaves them running, so
  `stop()` ends every descendant (and anything left in their sessions).
- The API server builds the execution API's versioned routes (Cadwyn) on the first request to /execution,
  blocking its event loop meanwhile: 28 s on this 2-core machine under load, longer than a task's first call
  waits (`[workers] execution_api_timeout`, 5 s, times its retries), so the first task failed. Tasks here wait
  60 s (as under `make airflow`), and `wait_until_healthy` makes that first request itself.
- The SQLite metadata DB is accepted with the LocalExecutor (Airflow 3 has no SequentialExecutor).
- `executor`, `components` and `sql_alchemy_conn` are parameters so that the CeleryExecutor test reuses this:
  its Celery workers are components with environments of their own (`Component`), its metadata DB is
  PostgreSQL. A component's name keys its process and log (two workers: two names); only the scheduler,
  dag-processor and triggerer report to /api/v2/monitor/health.
- A task instance's `hostname` is what `[core] hostname_callable` returns in the worker that ran it (the
  machine's FQDN by default): two workers on one machine report the same one unless each has its own callable
  result (`hostname_from_environment`, the test's stand-in for two machines).
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Union

import httpx

from tests.support.paths import DAGS_DIR

ADMIN = "admin"
DEFAULT_COMPONENTS = (("scheduler", "--skip-serve-logs"), ("dag-processor",), ("api-server",))
FINISHED = {"success", "failed"}
HEALTH_REPORTING = {"scheduler", "dag-processor", "triggerer"}
HOSTNAME_VARIABLE = "AIRFLOW_TEST_HOSTNAME"


@dataclass(frozen=True)
class Component:
    """One Airflow process: `airflow <args>`, known as `name`, with extra environment variables."""
    name: str
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


def _component(spec: Union[Component, Iterable[str]]) -> Component:
    if isinstance(spec, Component):
        return spec
    args = tuple(spec)
    return Component(args[0], args)


def hostname_from_environment() -> str:
    """A `[core] hostname_callable`: the hostname a worker's environment gives it (one machine, two workers)."""
    return os.environ[HOSTNAME_VARIABLE]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StartedService:
    """A context manager over `start()` and `stop()`: stopped on leaving, and also when starting failed half-way
    (whatever was started is stopped)."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class AirflowServices(StartedService):
    """Airflow's metadata DB, scheduler, dag-processor and api-server under `home`, on 127.0.0.1."""

    def __init__(self, home: Path, env: dict[str, str] | None = None, *, executor: str = "LocalExecutor",
                 components: Iterable[Union[Component, tuple[str, ...]]] = DEFAULT_COMPONENTS,
                 dags_folder: Path = DAGS_DIR, parallelism: int | None = None, sql_alchemy_conn: str | None = None):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.components = [_component(c) for c in components]
        self.parallelism = parallelism or os.cpu_count() or 2
        self.password = secrets.token_urlsafe(16)
        bin_dir = Path(sys.executable).parent
        self.env = {
            **os.environ,
            **(env or {}),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn or f"sqlite:///{self.home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # only the runs a test triggers: no scheduled run of the last interval when the DAG is unpaused
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        }
        for name in [n for n in self.env if n.startswith("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST")]:
            del self.env[name]  # the dags folder above is the bundle; the in-process tests' setting is not
        self.processes: dict[str, subprocess.Popen] = {}
        self.stopped: list[Any] = []
        self._client: httpx.Client | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------------
    def start(self, timeout: float = 300) -> None:
        migrate = subprocess.run(["airflow", "db", "migrate"], env=self.env, capture_output=True, text=True,
                                 timeout=timeout)
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")
        (self.home / "passwords.json").write_text(json.dumps({ADMIN: self.password}), encoding="utf-8")
        for component in self.components:
            log = (self.home / f"{component.name}.log").open("ab")
            self.processes[component.name] = subprocess.Popen(
                ["airflow", *component.args], env={**self.env, **component.env}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
        self.wait_until_healthy(timeout)

    def wait_until_healthy(self, timeout: float) -> None:
        """Until the API answers and reports the scheduler and dag-processor healthy (heartbeating)."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                last = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).json()
                wanted = ["metadatabase", *(c.name.replace("-", "_") for c in self.components
                                            if c.name in HEALTH_REPORTING)]
                if all((last.get(part) or {}).get("status") == "healthy" for part in wanted):
                    # the execution API builds its versioned routes on its first request, blocking the API
                    # server meanwhile (half a minute on a busy machine): a task's first call, with its short
                    # timeout, would fail. Pay that here.
                    httpx.get(f"{self.base_url}/execution/health", timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
        raise TimeoutError(f"Airflow did not become healthy in {timeout:.0f}s: {last}\n{self.log_tails()}")

    def stop(self, grace: float = 20) -> None:
        """Stop every process the components started: their descendants and anything left in their sessions."""
        import psutil

        if self._client is not None:
            self._client.close()
            self._client = None
        family: dict[int, psutil.Process] = {}
        for process in self.processes.values():
            try:
                parent = psutil.Process(process.pid)
                family[parent.pid] = parent
                family.update({child.pid: child for child in parent.children(recursive=True)})
            except psutil.NoSuchProcess:
                pass
        sessions = {process.pid for process in self.processes.values()}
        for other in psutil.process_iter():
            try:
                if os.getsid(other.pid) in sessions:
                    family[other.pid] = other
            except (ProcessLookupError, PermissionError, psutil.Error):
                pass
        for member in family.values():
            try:
                member.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(list(family.values()), timeout=grace)
        for member in alive:
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=grace)
        for process in self.processes.values():
            process.poll()
        self.stopped = list(family.values())
        self.processes.clear()

    def still_running(self) -> list[str]:
        """Processes `stop()` ended that are still alive (none, when it worked)."""
        import psutil

        alive = []
        for process in self.stopped:
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{process.pid} {' '.join(process.cmdline())[:80]}")
            except psutil.NoSuchProcess:
                pass
        return alive

    def local_executor_workers(self) -> int:
        """How many LocalExecutor worker processes the scheduler runs now."""
        import psutil

        scheduler = self.processes.get("scheduler")
        if scheduler is None:
            return 0
        count = 0
        try:
            for child in psutil.Process(scheduler.pid).children(recursive=False):
                try:
                    count += "LocalExecutor" in " ".join(child.cmdline())
                except psutil.Error:
                    pass
        except psutil.NoSuchProcess:
            pass
        return count

    def descendants(self) -> list[Any]:
        """Every live process under the components (psutil.Process objects)."""
        import psutil

        found = []
        for process in self.processes.values():
            try:
                found += psutil.Process(process.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        return found

    def wait_for_log(self, name: str, text: str, timeout: float = 300) -> None:
        """Until the component's log shows `text` (a Celery worker's "ready.", say)."""
        deadline = time.monotonic() + timeout
        log = self.home / f"{name}.log"
        while time.monotonic() < deadline:
            self._check_alive()
            if log.exists() and text in log.read_text(encoding="utf-8", errors="replace"):
                return
            time.sleep(1)
        raise TimeoutError(f"{name} did not log {text!r} in {timeout:.0f}s\n{self.log_tails()}")

    def _check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"Airflow components exited: {dead}\n{self.log_tails()}")

    def log_tails(self, chars: int = 4000) -> str:
        parts = []
        for name in self.processes or [c.name for c in self.components]:
            log = self.home / f"{name}.log"
            if log.exists():
                parts.append(f"--- {name}.log ---\n{log.read_text(encoding='utf-8', errors='replace')[-chars:]}")
        return "\n".join(parts)

    # ---- the REST API ------------------------------------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        """An API client holding a token of the simple auth manager (POST /auth/token)."""
        if self._client is None:
            answer = httpx.post(f"{self.base_url}/auth/token", json={"username": ADMIN, "password": self.password},
                                timeout=30)
            answer.raise_for_status()
            token = answer.json()["access_token"]
            self._client = httpx.Client(base_url=f"{self.base_url}/api/v2", timeout=120,
                                        headers={"Authorization": f"Bearer {token}"})
        return self._client

    def wait_for_dag(self, dag_id: str, timeout: float = 300) -> dict:
        """Until the dag-processor has parsed the DAG and the API knows it; fails on an import error."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            answer = self.client.get(f"/dags/{dag_id}")
            if answer.status_code == 200:
                return answer.json()
            errors = self.client.get("/importErrors").json().get("import_errors", [])
            if errors:
                raise RuntimeError(f"the DAG folder has import errors: {errors}")
            time.sleep(2)
        raise TimeoutError(f"the dag-processor did not register {dag_id} in {timeout:.0f}s\n{self.log_tails()}")

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        """Unpause the DAG and trigger one run now; returns its run id."""
        self.wait_for_dag(dag_id)
        self.client.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
        answer = self.client.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        answer.raise_for_status()
        return answer.json()["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 900,
                     while_waiting: Callable[[], object] | None = None) -> dict:
        """Until the run has finished (success or failed); returns the run as the API shows it.
        `while_waiting` is called between polls (to sample processes, say)."""
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            self._check_alive()
            if while_waiting is not None:
                while_waiting()
            try:
                run = self.client.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()
            except httpx.TimeoutException:  # the API waits on SQLite's write lock while tasks run: ask again
                continue
            if run.get("state") in FINISHED:
                return run
            time.sleep(3)
        raise TimeoutError(f"{dag_id} {run_id} still {run.get('state')} after {timeout:.0f}s: "
                           f"{self.task_states(dag_id, run_id)}\n{self.log_tails()}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """The run's task instances as the API shows them (state, hostname, map_index, ...)."""
        answer = self.client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        answer.raise_for_status()
        return answer.json()["task_instances"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        """task id (with [map index] for mapped tasks) → state."""
        return {ti["task_id"] + (f"[{ti['map_index']}]" if ti["map_index"] >= 0 else ""): ti["state"]
                for ti in self.task_instances(dag_id, run_id)}
