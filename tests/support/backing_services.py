"""The compose stack's backing services from the system's own packages, for the CeleryExecutor test: a throwaway
PostgreSQL cluster (Airflow's metadata DB and Celery's result backend) and a Redis (Celery's broker), each in its
own temp folder, listening on a free port of 127.0.0.1 only, nothing written to disk that outlives them.

    with PostgresCluster() as postgres, RedisServer() as redis:
        postgres.url("postgresql+psycopg2"), redis.url

What this encodes:
- Debian's `postgresql` package puts initdb and postgres in /usr/lib/postgresql/<version>/bin, not on PATH.
- PostgreSQL refuses to run as root (CI runs the tests as root): there the cluster belongs to `nobody`, in a
  folder of its own under the system's temp dir (pytest's temp folders are private to root).
- No Unix socket (`unix_socket_directories=''`): /var/run/postgresql may not exist or be writable; TCP only.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.airflow_services import StartedService, free_port
from tests.support.system_tools import postgres_bin_dir

UNPRIVILEGED_USER = "nobody"


def _end(process: subprocess.Popen | None, stop_signal: int, grace: float) -> None:
    """Send `stop_signal` to a running process and wait `grace` seconds for it, then kill it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


def _wait(ready, what: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.3)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
    raise TimeoutError(f"{what} did not answer in {timeout:.0f}s\n{tail}")


class PostgresCluster(StartedService):
    """initdb + postgres on 127.0.0.1:<free port>, one database `airflow`; trust authentication (local only)."""

    def __init__(self, database: str = "airflow", user: str = "airflow"):
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL's initdb/postgres not found (Debian package `postgresql`)")
        self.bin_dir = Path(bin_dir)
        self.database, self.user, self.port = database, user, free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.process: subprocess.Popen | None = None
        self._run_as: dict = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam(UNPRIVILEGED_USER)
            self._run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def url(self, scheme: str = "postgresql+psycopg2") -> str:
        return f"{scheme}://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def start(self, timeout: float = 120) -> None:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        initdb = subprocess.run([str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                                 "-E", "UTF8", "--no-locale", "--no-sync"],
                                cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout,
                                **self._run_as)
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout[-2000:]}\n{initdb.stderr[-2000:]}")
        log = self.log.open("ab")
        # a throwaway cluster: durability settings off; enough connections for five Airflow processes' pools
        self.process = subprocess.Popen(
            [str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
             "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self._run_as)
        log.close()
        _wait(self._accepts_connections, "PostgreSQL", timeout, self.log)
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'create database "{self.database}"')
        finally:
            connection.close()

    def _accepts_connections(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"postgres exited with {self.process.returncode}:\n"
                               f"{self.log.read_text(encoding='utf-8', errors='replace')[-3000:]}")
        import psycopg2

        try:
            psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres",
                             connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            return False

    def stop(self, grace: float = 30) -> None:
        """Fast shutdown (SIGINT: disconnect the clients, stop), then the folder is removed."""
        _end(self.process, signal.SIGINT, grace)
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer(StartedService):
    """redis-server on 127.0.0.1:<free port>, nothing persisted."""

    def __init__(self):
        self.executable = shutil.which("redis-server")
        if self.executable is None:
            raise FileNotFoundError("redis-server not found (Debian package `redis-server`)")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="redis-"))
        self.log = self.root / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 60) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        _wait(self._answers, "redis-server", timeout, self.log)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n"
                               f"{self.log.read_text(encoding='utf-8', errors='replace')[-3000:]}")
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self, grace: float = 30) -> None:
        _end(self.process, signal.SIGTERM, grace)
        shutil.rmtree(self.root, ignore_errors=True)
