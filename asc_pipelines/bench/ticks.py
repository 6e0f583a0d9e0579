"""``asc bench``: how long a tick takes, where the time goes, and what it costs in requests.

One run: a world is generated (or reused) in a child process, served by ``asc sandbox serve`` in
another child process (so neither its memory nor its CPU is ours), and synced through the real
job in this process, a cold tick first and then ``ticks`` incremental ones, five sandbox minutes
apart, with ``change_rate`` of the products changed before each (``POST /_sandbox/change``).

Per tick and per stage (a step of the job): wall time, split into waiting on a source
(``sources.waits``: a request on the wire or in its rate bucket, a backoff, a report still
processing; overlapping waits counted once) and our own work; the sandbox's requests per source
and operation, and its own serving time, read from the sandbox; rows loaded and rows per second
per dataset (``raw.store_fetches``); this process's peak RSS so far.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import requests
import yaml

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines.sources.waits import recording, waited_within
from asc_pipelines.warehouse.schema import WAREHOUSE_FILE

SANDBOX_START_SECONDS = 600.0  # a million-product world takes minutes to load
TICK_MINUTES = 5.0
_STEP_END = ("STEP_SUCCESS", "STEP_FAILURE")


@dataclass(frozen=True)
class BenchOptions:
    """What to measure: the world's size and how it changes, and how it is served."""

    products: int = 2000
    stores: int = 3
    change_rate: float = 0.01
    ticks: int = 3
    rate_scale: float = 1.0
    seed: int = 7
    report_delay: float = 2.0
    work_dir: Path = Path("asc_data/bench")

    def problems(self) -> list[str]:
        """What is wrong with these options."""
        found = []
        if self.products < 1:
            found.append(f"--products must be at least 1, not {self.products}")
        if not 1 <= self.stores <= 12:
            found.append(f"--stores must be 1 to 12, not {self.stores}")
        if not 0 <= self.change_rate <= 1:
            found.append(f"--change-rate must be 0 to 1, not {self.change_rate}")
        if self.ticks < 0:
            found.append(f"--ticks must be 0 or more, not {self.ticks}")
        if self.rate_scale <= 0:
            found.append(f"--rate-scale must be above 0, not {self.rate_scale}")
        return found


@dataclass
class Stage:
    """One step of one tick."""

    name: str
    wall_seconds: float
    waiting_seconds: float
    ended_after_seconds: float  # from the tick's start to the step's end

    @property
    def own_seconds(self) -> float:
        return max(self.wall_seconds - self.waiting_seconds, 0.0)


@dataclass
class TickFigures:
    """Everything measured about one tick."""

    number: int
    kind: str  # cold or incremental
    success: bool
    wall_seconds: float
    waiting_seconds: float
    published_after_seconds: float | None  # tick start to the analysts' copy published
    stages: list[Stage]
    requests: dict[str, dict[str, int]]  # source -> operation -> requests
    sandbox_serving_seconds: float | None
    rows: dict[str, int]  # dataset -> rows loaded
    rows_per_second: dict[str, float]  # dataset -> rows loaded / its fetch seconds
    peak_rss_mib: float
    changed: dict[str, Any] = field(default_factory=dict)

    @property
    def own_seconds(self) -> float:
        return max(self.wall_seconds - self.waiting_seconds, 0.0)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["own_seconds"] = self.own_seconds
        for stage, figures in zip(self.stages, data["stages"], strict=True):
            figures["own_seconds"] = stage.own_seconds
        return data


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _asc(*args: str) -> list[str]:
    return [sys.executable, "-m", "asc_pipelines.cli", *args]


def world_for(options: BenchOptions) -> Path:
    """The world of these options: reused when it was generated before, else generated in a
    child process (its memory is not this process's peak)."""
    world = options.work_dir / f"world-{options.products}p-{options.stores}s-seed{options.seed}"
    if (world / "world.json").is_file():
        return world
    options.work_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed argv
        _asc(
            "sandbox", "generate", "--out", str(world), "--products", str(options.products),
            "--stores", str(options.stores), "--seed", str(options.seed),
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return world


class ServedWorld:
    """``asc sandbox serve`` of a world in a child process on a free loopback port."""

    def __init__(self, world: Path, options: BenchOptions) -> None:
        self.session = requests.Session()
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            _asc(
                "sandbox", "serve", "--world", str(world), "--port", str(self.port),
                "--rate-scale", str(options.rate_scale), "--report-delay",
                str(options.report_delay), "--seed", str(options.seed),
                "--data-dir", str(options.work_dir / "no-earlier-sync"),
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + SANDBOX_START_SECONDS
        while True:
            if self.process.poll() is not None:
                error = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise RuntimeError(f"the sandbox for {world} stopped: {error[-2000:]}")
            try:
                self.call("GET", "state")
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the sandbox for {world} did not answer in time") from None
                time.sleep(0.2)

    def call(self, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
        """A control endpoint of the sandbox (``/_sandbox/<name>``)."""
        answer = self.session.request(
            method, f"{self.base_url}/_sandbox/{name}", json=body, timeout=600
        )
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _stages(
    instance: dg.DagsterInstance, run_id: str, waits: list[tuple[float, float]], begin: float
) -> list[Stage]:
    started: dict[str, float] = {}
    stages = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[entry.step_key] = entry.timestamp
        elif event.event_type_value in _STEP_END and entry.step_key in started:
            start = started.pop(entry.step_key)
            end = entry.timestamp
            stages.append(
                Stage(entry.step_key, end - start, waited_within(waits, start, end), end - begin)
            )
    return stages


PUBLISHING_STEP = "analyst_copy"


def _published_after(
    instance: dg.DagsterInstance, run_id: str, waits: list[tuple[float, float]], begin: float
) -> float | None:
    """Seconds from the tick's start until the analysts' copy (statuses, sync issues, every
    table) was published; None when it was not."""
    for stage in _stages(instance, run_id, waits, begin):
        if stage.name == PUBLISHING_STEP:
            return stage.ended_after_seconds
    return None


def _source_of(operation: str) -> str:
    if operation.startswith("magento."):
        return "magento"
    if operation == "lwaToken":
        return "lwa"
    if operation in ("downloadReportDocument", "uploadFeedDocument"):
        return "documents"
    return "amazon"


def _requests(served: ServedWorld) -> tuple[dict[str, dict[str, int]], float | None]:
    """Requests per source and operation since the last reset, and the sandbox's own serving
    seconds (None when the sandbox does not time its answers)."""
    answer = served.call("GET", "requests?summary=1")
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    serving: float | None = None
    summary = answer.get("summary") if isinstance(answer, dict) else None
    if isinstance(summary, dict):
        for operation, figures in (summary.get("operations") or {}).items():
            counts[_source_of(operation)][operation] = int(figures.get("count", 0))
        # Real time with at least one request being answered (parallel answers counted once).
        serving = float(summary.get("busy_seconds", summary.get("seconds", 0.0)))
    else:
        for entry in answer.get("requests", []):
            operation = entry["operation"]
            bucket = counts[_source_of(operation)]
            bucket[operation] = bucket.get(operation, 0) + 1
    return {source: dict(sorted(ops.items())) for source, ops in sorted(counts.items())}, serving


def _rows(data: Path, run_id: str) -> tuple[dict[str, int], dict[str, float]]:
    with duckdb.connect(str(data / WAREHOUSE_FILE), read_only=True) as conn:
        found = conn.execute(
            "SELECT dataset, sum(rows_loaded), sum(seconds) FROM raw.store_fetches "
            "WHERE run_id = ? GROUP BY 1 ORDER BY 1",
            [run_id],
        ).fetchall()
    rows = {dataset: int(n or 0) for dataset, n, _ in found}
    speed = {dataset: (n or 0) / seconds for dataset, n, seconds in found if seconds}
    return rows, speed


def _bench_config(path: Path, world: Path, base_url: str, options: BenchOptions) -> Path:
    config = write_sandbox_config(path, world, base_url, rate_scale=options.rate_scale)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    # The whole tick is measured: no deadline cuts it short.
    raw.setdefault("tick", {})["deadline_seconds"] = 24 * 3600
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return config


def run_bench(options: BenchOptions, *, log: Any = print) -> dict[str, Any]:
    """Measure a cold tick and ``options.ticks`` incremental ones; returns every figure."""
    problems = options.problems()
    if problems:
        raise ValueError("; ".join(problems))
    started = time.monotonic()
    world = world_for(options)
    log(f"world {world} ({time.monotonic() - started:.1f}s)")
    data = options.work_dir / f"run-{os.getpid()}-{int(time.time())}"
    served = ServedWorld(world, options)
    log(f"sandbox serving it at {served.base_url}")
    borrowed: list[str] = []
    try:
        config = _bench_config(data / "bench.yaml", world, served.base_url, options)
        # The sandbox's dummy credentials, for this run only.
        for name, value in load_config(config).env_defaults.items():
            if name not in os.environ:
                os.environ[name] = value
                borrowed.append(name)
        defs = build_definitions(config_file=config, data_directory=data)
        instance = dg.DagsterInstance.ephemeral()
        ticks = []
        for number in range(options.ticks + 1):
            changed: dict[str, Any] = {}
            if number:
                if options.change_rate:
                    changed = served.call("POST", "change", {"rate": options.change_rate})
                served.call("POST", "advance", {"minutes": TICK_MINUTES})
            served.call("DELETE", "requests")
            with recording() as waits:
                begin = time.time()
                result = run_sync(defs, data, instance)
                end = time.time()
            requests, serving = _requests(served)
            rows, speed = _rows(data, result.run_id)
            tick = TickFigures(
                number=number,
                kind="incremental" if number else "cold",
                success=result.run_success,
                wall_seconds=end - begin,
                waiting_seconds=waited_within(waits, begin, end),
                stages=_stages(instance, result.run_id, waits, begin),
                published_after_seconds=_published_after(instance, result.run_id, waits, begin),
                requests=requests,
                sandbox_serving_seconds=serving,
                rows=rows,
                rows_per_second=speed,
                peak_rss_mib=_peak_rss_mib(),
                changed=changed if isinstance(changed, dict) else {},
            )
            ticks.append(tick)
            log(
                f"tick {number} ({tick.kind}): {tick.wall_seconds:.1f}s, waiting "
                f"{tick.waiting_seconds:.1f}s, {sum(sum(o.values()) for o in requests.values())} "
                f"requests{'' if result.run_success else ', FAILED: ' + '; '.join(result.messages)}"
            )
    finally:
        served.stop()
        for name in borrowed:
            os.environ.pop(name, None)
    return {
        "options": {**asdict(options), "work_dir": str(options.work_dir)},
        "world": str(world),
        "data_dir": str(data),
        "ticks": [tick.as_json() for tick in ticks],
    }
