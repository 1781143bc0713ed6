"""Work started ahead of its step, for a run whose steps all run in this process (`python -m pipeline run`,
which runs the DAG with `dag.test()`, `rebuild`, the benchmark): `steps_in_one_process(settings)` around the run.

Extraction is most of a first run. Its mapped tasks come here one batch after another, each waiting for its
slowest document:
- `ExtractionAhead`: the parsing of every document to extract, in EXTRACT_PROCESSES processes, sent ahead of
  its batch in landing order; extract_documents reads, quarantines and stores as before.
Two things need nothing from extraction but its results, and run meanwhile, each in its own process:
- `EarlyDbt`: build_warehouse's dbt process, started when the first new document lands; it imports dbt and
  parses the project (2-3 s; about 6 s for a first parse), before a full build (a new warehouse or a changed
  project) loads the seeds and runs their tests (30 of a full build's nodes), then waits for the build's
  commands.
- `EarlyLoad`: load_landing's work on the results extraction has stored, LOAD_CHUNK_DOCUMENTS at a time as
  they come; the load step then waits for it and loads the rest itself.

Nothing here runs under Airflow's own executors: there each step is a task in a process of its own, which ends
with its task. A process started early and never needed is stopped when the block ends; one whose parent died
reads the end of its stdin and exits.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from .config import Settings, load_settings

log = logging.getLogger(__name__)

SEEDS_MARK = "$ seeds loaded early: "  # then yes or no: the line a dbt process started early prints once it tried
LOAD_CHUNK_DOCUMENTS = 200  # results held in memory at once by a load: bounds its memory, whatever the corpus


class EarlyDbt:
    """build_warehouse's dbt process, started before the build: dbt imports itself and parses the project
    while the earlier steps work (and loads the seeds, once the warehouse is free, when the build will be a full
    one), and runs the build's commands on that parse. It reads the landing tables only once the build sends its
    commands."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.seeds_for: str | None = None  # the project fingerprint whose seeds it loads before a full build
        self.early_output: list[str] = []  # what it printed before the build's commands, once read
        self.seeded: bool | None = None

    @property
    def launched(self) -> bool:
        """Started once in this run (it may have finished or died since)."""
        return self.process is not None

    @property
    def started(self) -> bool:
        """Started and still waiting for the build's commands (not done, stopped or dead): a build may use it."""
        return self.process is not None and self.process.poll() is None

    def start(self, command: list[str], env: dict[str, str], seeds_for: str | None = None) -> None:
        """Start the process (once); `seeds_for`: the command loads the seeds of this project fingerprint."""
        if self.process is None:
            self.seeds_for = seeds_for
            self.process = subprocess.Popen(command, cwd=self.settings.project_root, env=env, text=True,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT)

    def seeds_loaded(self, project_files: str) -> bool:
        """Whether the process loaded the seeds of this project (fingerprint) into the warehouse; waits for it
        to say so (SEEDS_MARK) when it was asked to. False when it was not asked, failed or died."""
        if self.seeded is None:
            self.seeded = False
            if self.seeds_for is not None and self.process is not None and self.process.stdout is not None:
                # the process prints nothing after this line until it reads its commands, so no output is
                # left in the reader's buffer that communicate() (which reads the pipe itself) would miss
                while line := self.process.stdout.readline():
                    self.early_output.append(line)
                    if line.startswith(SEEDS_MARK):
                        self.seeded = line[len(SEEDS_MARK):].strip() == "yes"
                        break
        return self.seeded and self.seeds_for == project_files

    def run(self, commands: tuple[list[str], ...]) -> subprocess.CompletedProcess:
        """Send `commands` once the warehouse is free, and wait for them; the process runs them only once."""
        from .landing import connect_for_write

        assert self.started and self.process.stdin is not None
        connect_for_write(self.settings.warehouse_path, self.settings.warehouse_lock_timeout_seconds).close()
        output, _ = self.process.communicate(json.dumps(commands))
        output = "".join(self.early_output) + output
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, output, "")

    def stop(self) -> None:
        _stop(self.process)


class EarlyLoad:
    """Loads the results extraction stores, LOAD_CHUNK_DOCUMENTS at a time, in a second process while
    extraction goes on: `add` the summaries of each extracted batch; `finish` (load_landing) waits for the
    chunks sent and says which results it handled. Only results extracted by this run are sent (a reused
    result is mostly one the warehouse holds, which the load step does not read); fewer than a chunk left at the
    end are the load step's."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.waiting: list[dict[str, Any]] = []

    def add(self, summaries: list[dict[str, Any]]) -> None:
        self.waiting.extend({"sha256": s["sha256"], "result_key": s["result_key"], "reused": False}
                            for s in summaries if not s["reused"])
        while len(self.waiting) >= LOAD_CHUNK_DOCUMENTS:
            chunk, self.waiting = self.waiting[:LOAD_CHUNK_DOCUMENTS], self.waiting[LOAD_CHUNK_DOCUMENTS:]
            self._send(chunk)

    def _send(self, chunk: list[dict[str, Any]]) -> None:
        if self.process is None:
            root = str(self.settings.project_root)
            env = {**os.environ, "WAREHOUSE_PATH": str(self.settings.warehouse_path),
                   "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from pipeline.one_process import load_alongside; load_alongside()"],
                cwd=root, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(chunk) + "\n")
        self.process.stdin.flush()

    def finish(self) -> tuple[set[tuple[str, str]], dict[str, int] | None]:
        """Wait for the chunks sent; return the (sha256, result_key) of every result the process landed or found
        unchanged, and its counts (none when nothing was sent). A process that failed is logged and handled
        nothing: the load step loads everything (what it committed is found unchanged)."""
        if self.process is None:
            return set(), None
        output, errors = self.process.communicate()
        process, self.process = self.process, None
        if process.returncode != 0:
            log.warning("the load alongside extraction failed (exit %d); the load step loads every result:\n%s",
                        process.returncode, "\n".join(errors.splitlines()[-20:]))
            return set(), None
        outcome = json.loads(output.strip().splitlines()[-1])
        return {(sha256, key) for sha256, key in outcome["handled"]}, outcome["counts"]

    def stop(self) -> None:
        _stop(self.process)


def load_alongside() -> None:
    """The process EarlyLoad starts: each line of stdin is a chunk of summaries, landed by
    `load_stored_results` as load_landing would; at the end of stdin it prints what it handled as JSON."""
    from . import storage
    from .landing import load_stored_results, stored_results_reader

    settings = load_settings()
    read = stored_results_reader(storage.make_store(settings))
    lines: queue.Queue[str | None] = queue.Queue()

    def read_stdin() -> None:  # a chunk waiting in the pipe never blocks the extraction writing the next one
        for line in sys.stdin:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read_stdin, daemon=True).start()
    handled: list[list[str]] = []
    counts: dict[str, int] = {}
    while (line := lines.get()) is not None:
        chunk = json.loads(line)
        landed = load_stored_results(settings.warehouse_path, chunk, read, settings.warehouse_lock_timeout_seconds,
                                     chunk_size=LOAD_CHUNK_DOCUMENTS)
        for name in ("given", "loaded", "unchanged", "read"):
            counts[name] = counts.get(name, 0) + landed[name]
        handled.extend([summary["sha256"], summary["result_key"]] for summary in chunk)
    print(json.dumps({"handled": handled, "counts": counts}))


class ExtractionAhead:
    """extract_documents' parsing (`extract_bytes`, pure) in EXTRACT_PROCESSES processes: `expect` the documents
    landing returned, in the order their batches come; `stored` answers extract_documents' question whether a
    document's result is stored already (asked of the store once, for every document, when the first batch
    comes); `parsed` gives a document's bytes and result. The documents to extract are sent ahead of their
    batch, IN_FLIGHT_PER_PROCESS per process at a time (their bytes held meanwhile), so that no process waits
    for a batch's slowest document.

    Processes are started only for at least AT_LEAST documents to extract (each costs about a second to start)
    and stopped after the last. A document not sent (its batch came out of order), or one whose process died,
    is left to extract_documents to parse itself: `parsed` returns None."""

    AT_LEAST = 50
    IN_FLIGHT_PER_PROCESS = 3

    def __init__(self, settings: Settings):
        self.settings = settings
        self.expected: list[dict[str, Any]] = []
        self.known: dict[str, dict[str, str] | None] | None = None  # sha256 → stored result's metadata, or None
        self.waiting: OrderedDict[str, Any] = OrderedDict()  # sha256 → LandedObject, to send
        self.sent: dict[str, tuple[bytes, Future]] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.parsed_elsewhere = 0  # documents whose parsing came back from another process

    def expect(self, landed: list[dict[str, Any]]) -> None:
        self.stop()
        self.expected, self.known = list(landed), None

    def stored(self, landed: Any, store: Any, version: str) -> dict[str, str] | None:
        """The metadata of the document's stored result, or None (also when the run is forced to re-extract)."""
        from .storage import extracted_key

        if self.known is None:
            self._look_ahead(store, version)
        if self.known is not None and landed.sha256 in self.known:
            return self.known.pop(landed.sha256)
        return None if self.settings.force_reextract else store.head(extracted_key(landed.sha256, version))

    def _look_ahead(self, store: Any, version: str) -> None:
        from .storage import LandedObject, extracted_key, head_many

        expected = [LandedObject(**raw) for raw in self.expected]
        stored = ([None] * len(expected) if self.settings.force_reextract
                  else head_many(store, [extracted_key(landed.sha256, version) for landed in expected]))
        known: dict[str, dict[str, str] | None] = {}
        for landed, metadata in zip(expected, stored):
            known[landed.sha256] = metadata
            if not (metadata or {}).get("status"):
                self.waiting[landed.sha256] = landed
        self.known = known
        processes = self.settings.extract_processes
        if processes > 1 and len(self.waiting) >= self.AT_LEAST:
            import multiprocessing

            # spawned: this process has threads (write-behind, the early processes' readers), which fork copies badly
            self.pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
            log.info("extraction: %d documents to parse in %d processes", len(self.waiting), processes)
        else:
            self.waiting.clear()

    def parsed(self, landed: Any, store: Any, options: Any) -> tuple[bytes, Any] | None:
        """(the raw bytes, the ExtractionResult) of a document sent ahead, or None: parse it yourself."""
        if not self._send(store, options):
            return None
        self.waiting.pop(landed.sha256, None)  # not sent yet: its batch came before the documents sent
        sent = self.sent.pop(landed.sha256, None)
        if sent is None:
            return None
        data, future = sent
        try:
            result = future.result()
        except BrokenProcessPool as exc:
            self._broken(exc)
            return None
        self.parsed_elsewhere += 1
        self._send(store, options)
        if self.pool is not None and not self.waiting and not self.sent:
            self.stop()
        return data, result

    def _broken(self, exc: BaseException) -> None:
        log.warning("an extraction process died (%s); the documents left are parsed in the run's process", exc)
        self.stop()

    def _send(self, store: Any, options: Any) -> bool:
        """Keep the processes busy; False if they died."""
        from extract import extract_bytes

        while self.pool is not None and self.waiting and (
                len(self.sent) < self.settings.extract_processes * self.IN_FLIGHT_PER_PROCESS):
            sha256, landed = self.waiting.popitem(last=False)
            data = store.get(landed.key)
            try:
                self.sent[sha256] = (data, self.pool.submit(extract_bytes, data, landed.original_name, options))
            except BrokenProcessPool as exc:
                self._broken(exc)
                return False
        return True

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            log.info("extraction: %d documents parsed in other processes", self.parsed_elsewhere)
        self.pool = None
        self.waiting.clear()
        self.sent.clear()


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.communicate()


@dataclass
class OneProcessRun:
    dbt: EarlyDbt
    load: EarlyLoad
    extraction: ExtractionAhead
    # steps.checked_warehouse_key once build_warehouse built or kept the marts: the steps after it (each asks)
    # take it from here instead of reading the warehouse again; the steps that land rows clear it
    checked_warehouse_key: str | None = None
    # the GX context and checkpoint validate_checks uses, set up on a thread while dbt builds (a Future of
    # expectations.checkpoint.prepare_checkpoint; steps.build_warehouse)
    prepared_checkpoint: Future | None = None


_RUNS: dict[tuple[str, ...], OneProcessRun] = {}


def _key(settings: Settings) -> tuple[str, ...]:
    return _resolved(settings.dbt_project_dir, settings.var_path, settings.warehouse_path)


@lru_cache(maxsize=64)  # current() is asked once per document landed or extracted
def _resolved(*paths: Path) -> tuple[str, ...]:
    return tuple(str(Path(path).resolve()) for path in paths)


def current(settings: Settings) -> OneProcessRun | None:
    """The run in one process these settings belong to, if a `steps_in_one_process` block is open for them."""
    return _RUNS.get(_key(settings))


@contextmanager
def steps_in_one_process(settings: Settings) -> Iterator[OneProcessRun]:
    """Let the steps run in this block start their work early (the module's docstring); every process started
    is stopped when the block ends."""
    key = _key(settings)
    run = _RUNS[key] = OneProcessRun(EarlyDbt(settings), EarlyLoad(settings), ExtractionAhead(settings))
    try:
        yield run
    finally:
        run.extraction.stop()
        run.load.stop()
        run.dbt.stop()
        if run.prepared_checkpoint is not None:
            # not used in the block (`rebuild` validates after it): a validation after the block sets up the
            # same GX context, which the thread must not be writing meanwhile
            wait([run.prepared_checkpoint])
        if _RUNS.get(key) is run:
            del _RUNS[key]
