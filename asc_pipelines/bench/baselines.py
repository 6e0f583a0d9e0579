"""The two baselines ``asc bench`` measures our work against (issue 12), written here, in the bench.

1. `report_decode`: one store's listings report, as Amazon serves it (gzip, or plain bytes),
   decoded and loaded by our pipeline vs decoded the way python-amazon-sp-api and Airbyte's
   connector do it (protocols.md 9.1, 9.2): the whole document read into memory,
   ``zlib.decompress(data, 15 + 32)``, decoded to one string, ``csv.DictReader(delimiter="\\t")``
   into a list of dicts, every row held. Time and peak memory of each, and the two ratios.
2. `classification_floor`: matching, eligibility, classification and sync issues as the tick runs
   them, vs a "floor": the same joins written directly in four DuckDB statements over the loaded
   raw tables, the least work a hand-written query needs. Time of each and their ratio.

Neither touches the warehouse it is given: the report is read, the warehouse is copied.
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from asc_pipelines import constants
from asc_pipelines.config import AscConfig, load_config
from asc_pipelines.logic.classification import classify
from asc_pipelines.logic.desired_listings import refresh_desired_listings
from asc_pipelines.logic.listing_rules import TEXT_ATTRIBUTES
from asc_pipelines.logic.sync_issues import ensure_sync_issue_schema, refresh_sync_issues
from asc_pipelines.sandbox.listings_file import CHARSET_CODECS, detect_charset
from asc_pipelines.sources.download import GZIP_MAGIC, DownloadedReport, python_charset
from asc_pipelines.sources.listings_report import stage_listing_report
from asc_pipelines.sources.listings_snapshot import REPORT_TYPE, land_listing_report
from asc_pipelines.sources.report_flow import ReportOutcome
from asc_pipelines.warehouse.report_requests import ReportRequest
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import latest_recorded_tick
from asc_pipelines.warehouse.transaction import transaction

# The pipeline's connection settings (definitions.DUCKDB_CONNECTION_CONFIG), repeated here so that
# the measuring child processes need not import Dagster; a test keeps the two equal.
DUCKDB_CONFIG: dict[str, Any] = {"memory_limit": "4GB", "threads": 2}
# download._download decompresses with gzip.open + shutil.copyfileobj in blocks of this size.
GUNZIP_BLOCK = 1 << 20
MIB = 1024 * 1024
_CHILD_TIMEOUT_SECONDS = 3600.0
_CHILD_CODE = "import sys; from asc_pipelines.bench.baselines import _child; _child(sys.argv[1])"
_SNAPSHOT_AT = datetime(2026, 1, 1, tzinfo=UTC)  # stamps the loaded rows; nothing reads it


class BaselineError(RuntimeError):
    """A baseline could not be measured, or the two sides disagree about the data."""


# ---------------------------------------------------------------------------------------------
# 1. Listings report: our decode and load vs a PSA/Airbyte-style decode
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideMeasure:
    """One side of the decode comparison, as measured in its own child process.

    ``seconds``: wall time of the work; ``cpu_seconds``: the process's user + system CPU time
    for it (DuckDB works on two threads, the baseline on one); ``peak_mib``: its peak resident
    memory above what the process held just before the work (see `report_decode`); ``rows``:
    report lines it loaded; ``rejected``: lines refused (ours only).
    """

    seconds: float
    cpu_seconds: float
    peak_mib: float
    rows: int
    rejected: int = 0


@dataclass(frozen=True)
class DecodeComparison:
    """Our report decode + load vs the PSA/Airbyte-style decode of the same bytes.

    ``time_ratio`` = baseline seconds / our seconds (above 1: we are faster);
    ``memory_ratio`` = our peak MiB / the baseline's (below 1: we use less).
    ``ours_staged``: our path without the swap into ``raw.amazon_listings`` (gunzip, then the
    report staged, checked and typed in DuckDB temp tables), where the time goes;
    ``staged_time_ratio`` and ``staged_memory_ratio`` compare it with the baseline the same way.
    """

    report: str
    compressed: bool
    file_bytes: int  # the report file as served (gzip bytes when compressed)
    text_bytes: int  # after decompression
    charset: str  # Python codec
    ours: SideMeasure
    baseline: SideMeasure
    time_ratio: float
    memory_ratio: float
    memory_method: str
    ours_staged: SideMeasure
    staged_time_ratio: float
    staged_memory_ratio: float

    def as_dict(self) -> dict[str, Any]:
        """Every figure, for ``--json``."""
        return {
            "report": self.report,
            "compressed": self.compressed,
            "file_bytes": self.file_bytes,
            "text_bytes": self.text_bytes,
            "charset": self.charset,
            "ours": vars(self.ours).copy(),
            "baseline": vars(self.baseline).copy(),
            "time_ratio": self.time_ratio,
            "memory_ratio": self.memory_ratio,
            "memory_method": self.memory_method,
            "ours_staged": vars(self.ours_staged).copy(),
            "staged_time_ratio": self.staged_time_ratio,
            "staged_memory_ratio": self.staged_memory_ratio,
        }


@dataclass(frozen=True)
class ServedReport:
    """A store's listings report file as the sandbox serves it, and how to read it."""

    path: Path
    charset: str  # Python codec
    marketplace_code: str
    store_id: str


def served_report(world_dir: Path, store_id: str, dest: Path) -> ServedReport:
    """Write ``store_id``'s GET_MERCHANT_LISTINGS_ALL_DATA document to ``dest`` as the sandbox
    serves it for a world not yet changed (``reports_api``: the store's untouched
    ``listings.tsv``, ``gzip.compress(..., mtime=0)``), with the charset its download names."""
    spec = json.loads((Path(world_dir) / "world.json").read_text(encoding="utf-8"))
    store = next((s for s in spec.get("stores", []) if s.get("id") == store_id), None)
    if store is None:
        raise BaselineError(f"world {world_dir}: no store {store_id!r} in world.json")
    raw = (Path(world_dir) / "amazon" / store_id / "listings.tsv").read_bytes()
    market = constants.marketplace(store["marketplace"])
    java_charset = store.get("report_charset") or detect_charset(raw, market.report_charset)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(gzip.compress(raw, mtime=0))
    return ServedReport(dest, CHARSET_CODECS[java_charset], market.code, store_id)


def report_decode(
    report: Path,
    *,
    charset: str = "cp1252",
    marketplace_code: str = "US",
    store_id: str = "us",
    work_dir: Path | None = None,
) -> DecodeComparison:
    """Time and peak memory of our decode + load of ``report`` vs the PSA/Airbyte-style decode.

    ``report`` is the document as downloaded (gzip or plain; sniffed like the pipeline does);
    ``charset`` is what its download's Content-Type names (Java or Python name).

    Ours is exactly the pipeline's path from the downloaded bytes to the warehouse: gunzip to a
    file as ``sources.download`` does (``gzip.open`` + ``shutil.copyfileobj``), then
    ``land_listing_report`` (the ``amazon_listings_snapshot`` asset's call: stage the report,
    check it against the snapshot guard, swap it into ``raw.amazon_listings`` in one
    transaction) on a fresh warehouse file with the pipeline's DuckDB settings (4 GB, 2 threads).
    Measured once more without the swap (``ours_staged``: ``stage_listing_report`` alone), to
    show where our time goes. The baseline reads the file into memory,
    ``zlib.decompress(data, 15 + 32)``, decodes it with the same charset and keeps
    ``list(csv.DictReader(io.StringIO(text), delimiter="\\t", quoting=csv.QUOTE_NONE))``
    (Amazon's file has no quoting; with the default quoting a field starting with ``"`` would
    swallow the following lines, so the counts would not compare).

    Memory, fairly for both: DuckDB allocates outside Python's allocator, so ``tracemalloc``
    would see almost none of ours. Each side runs in a fresh child process (``python -c``); after
    its imports and set-up (ours: the empty warehouse's schema) the child collects garbage, reads
    its resident set (``VmRSS``) and resets the kernel's high-water mark (``5`` written to
    ``/proc/self/clear_refs``), does the work, and reports ``VmHWM - VmRSS before``: the peak
    resident memory the work added. Where the mark cannot be reset (not Linux) it uses
    ``ru_maxrss`` (the whole life's peak) minus the same baseline, which can only overstate.
    The sides run one after the other, never together, and none shares the parent's memory.

    Raises `BaselineError` when a side fails or when the sides disagree on the number of data
    lines (ours: rows loaded + lines rejected; the baseline: rows read).
    """
    report = Path(report)
    if not report.is_file():
        raise BaselineError(f"listings report {report}: no such file")
    codec = python_charset(charset)
    with report.open("rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
    file_bytes = report.stat().st_size
    text_bytes = _uncompressed_size(report) if compressed else file_bytes
    with _work_dir(work_dir) as work:
        args = {
            "report": str(report),
            "charset": codec,
            "marketplace_code": marketplace_code,
            "store_id": store_id,
            "work_dir": str(work),
            "duckdb_config": DUCKDB_CONFIG,
        }
        ours_raw = _run_child("ours", args)
        staged_raw = _run_child("ours_staged", args)
        baseline_raw = _run_child("baseline", args)
    ours = SideMeasure(**ours_raw["measure"])
    staged = SideMeasure(**staged_raw["measure"])
    baseline = SideMeasure(**baseline_raw["measure"])
    check_same_rows(report, ours, baseline)
    check_same_rows(report, staged, baseline)
    return DecodeComparison(
        report=str(report),
        compressed=compressed,
        file_bytes=file_bytes,
        text_bytes=text_bytes,
        charset=codec,
        ours=ours,
        baseline=baseline,
        time_ratio=_ratio(baseline.seconds, ours.seconds),
        memory_ratio=_ratio(ours.peak_mib, baseline.peak_mib),
        memory_method=ours_raw["method"],
        ours_staged=staged,
        staged_time_ratio=_ratio(baseline.seconds, staged.seconds),
        staged_memory_ratio=_ratio(staged.peak_mib, baseline.peak_mib),
    )


def check_same_rows(report: Path, ours: SideMeasure, baseline: SideMeasure) -> None:
    """Both sides must have read the same data lines: ours loaded or rejected each one."""
    if ours.rows + ours.rejected != baseline.rows:
        raise BaselineError(
            f"listings report {report}: our parser accounted for {ours.rows + ours.rejected} lines "
            f"({ours.rows} loaded, {ours.rejected} rejected), csv.DictReader read {baseline.rows}"
        )


def _uncompressed_size(report: Path) -> int:
    size = 0
    with gzip.open(report, "rb") as source:
        while block := source.read(GUNZIP_BLOCK):
            size += len(block)
    return size


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("inf")


@contextmanager
def _work_dir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="asc-bench-") as tmp:
        yield Path(tmp)


def _run_child(side: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one side in a fresh interpreter; its last stdout line is the JSON result."""
    payload = json.dumps({"side": side, **args})
    done = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and a fixed program
        [sys.executable, "-c", _CHILD_CODE, payload],
        capture_output=True,
        text=True,
        timeout=_CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise BaselineError(
            f"listings report {args['report']}: the {side} side failed "
            f"(exit {done.returncode}): {tail or 'no output'}"
        )
    return json.loads(lines[-1])


def _child(payload: str) -> None:
    """Entry point of a measuring child: do one side once, print its figures as one JSON line."""
    args = json.loads(payload)
    side = args.pop("side")
    swap = side == "ours"
    work = _baseline_work(**args) if side == "baseline" else _ours_work(**args, swap=swap)
    measure, method = _measured(work)
    print(json.dumps({"measure": measure, "method": method}))


def _ours_work(
    *,
    report: str,
    charset: str,
    marketplace_code: str,
    store_id: str,
    work_dir: str,
    duckdb_config: dict[str, Any],
    swap: bool,
) -> Callable[[], tuple[int, int]]:
    """Set up a fresh warehouse; return the pipeline's own decode + load of ``report`` (without
    ``swap``: only its staging, the part of ``land_listing_report`` before the swap)."""
    work = Path(work_dir) / "ours"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    conn = duckdb.connect(str(work / "warehouse.duckdb"), config=duckdb_config)
    ensure_schema(conn)
    source = Path(report)
    downloaded = work / f"{store_id}.listings.tsv"
    with source.open("rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
    if not compressed:
        # download._download renames the plain file into place: nothing to time.
        shutil.copyfile(source, downloaded)

    def load() -> tuple[int, int]:
        if compressed:
            with gzip.open(source, "rb") as packed, downloaded.open("wb") as target:
                shutil.copyfileobj(packed, target, GUNZIP_BLOCK)
        outcome = ReportOutcome(
            "done",
            ReportRequest("bench-1", REPORT_TYPE, _SNAPSHOT_AT, "DONE", "bench-doc-1"),
            DownloadedReport(downloaded, charset, source.stat().st_size, compressed),
            "",
        )
        if not swap:
            with stage_listing_report(
                conn,
                downloaded,
                charset=charset,
                marketplace_code=marketplace_code,
                store_id=store_id,
                work_dir=work / "staging",
            ) as staged:
                return staged.rows, staged.rejected
        landed = land_listing_report(
            conn,
            outcome,
            store_id=store_id,
            marketplace_code=marketplace_code,
            work_dir=work / "staging",
            now=_SNAPSHOT_AT,
            run_id="bench",
            max_shrink_share=0.5,
        )
        return landed.rows or 0, landed.rejected or 0

    return load


def _baseline_work(*, report: str, charset: str, **_: Any) -> Callable[[], tuple[int, int]]:
    """The PSA/Airbyte-style decode: everything in memory, every row a dict, all rows kept."""
    source = Path(report)
    kept: list[Any] = []

    def decode() -> tuple[int, int]:
        data = source.read_bytes()
        if data[:2] == GZIP_MAGIC:
            data = zlib.decompress(data, 15 + 32)
        text = data.decode(charset)
        rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
        kept.append(rows)  # held until measured, as those tools hand the list on
        return len(rows), 0

    return decode


def _measured(work: Callable[[], tuple[int, int]]) -> tuple[dict[str, Any], str]:
    gc.collect()
    before_kib = _proc_status_kib("VmRSS")
    reset = before_kib is not None and _reset_peak()
    if before_kib is None:
        before_kib = _ru_maxrss_kib()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    rows, rejected = work()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    peak_kib = _proc_status_kib("VmHWM") if reset else None
    method = "VmHWM after clear_refs, minus VmRSS before"
    if peak_kib is None:
        peak_kib = _ru_maxrss_kib()
        method = "ru_maxrss minus RSS before (an upper bound)"
    measure = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": max(peak_kib - before_kib, 0) / 1024,
        "rows": rows,
        "rejected": rejected,
    }
    return measure, method


def _proc_status_kib(key: str) -> int | None:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _ru_maxrss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------------------------
# 2. Matching + classification + sync issues vs a bare-DuckDB floor
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloorComparison:
    """Our matching, eligibility, classification and sync issues vs the bare-DuckDB floor.

    ``ratio`` = our seconds / the floor's (how many times the minimum our path takes).
    ``*_steps``: seconds per step. ``listing_rows``: listings classified (both sides the same,
    checked); ``*_statuses``: rows per status; ``*_mismatches``: price and quantity mismatches
    (ours: open issues of those kinds after the tick).
    """

    warehouse: str
    stores: int
    products: int
    listings: int
    ours_seconds: float
    floor_seconds: float
    ratio: float
    ours_steps: dict[str, float]
    floor_steps: dict[str, float]
    listing_rows: int
    ours_statuses: dict[str, int]
    floor_statuses: dict[str, int]
    ours_mismatches: int
    floor_mismatches: int
    identifiers_normalized: int
    tick_time: str
    omitted: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Every figure, for ``--json``."""
        return dict(vars(self))


# What the floor leaves out of our path (FloorComparison.omitted, and classification_floor's doc).
FLOOR_OMITS = [
    "listing rules (rule:<n>) and conditions in eligibility",
    "Ready to List vs incomplete by catalog look-ups and match history (ended)",
    "reason codes and texts",
    "website price scope, Magento currency rates, rounding rules and price bounds",
    "sync issue lifecycle (keep, resolve, escalate, severity, events) and the kinds other than "
    "price/quantity mismatch, unmatched/ambiguous listing and Amazon listing error",
    "match history, match candidates and identifier problems tables",
    "writing core tables and transactions (the floor writes temp tables only)",
]

_MISMATCH_KINDS = ["price_mismatch", "quantity_mismatch"]


def classification_floor(
    warehouse: Path,
    config: AscConfig | Path,
    *,
    now: datetime | None = None,
    empty_identifier_cache: bool = False,
    repeats: int = 1,
    work_dir: Path | None = None,
) -> FloorComparison:
    """Time our path and the bare-DuckDB floor on a copy of ``warehouse`` (after a sync tick).

    Ours, as a tick runs it (``classify``: normalize identifiers, match, eligibility, status;
    ``refresh_desired_listings``, which the mismatches compare against; ``refresh_sync_issues``),
    at ``now`` (default: the warehouse's latest tick, so the issues are judged again at the same
    time). ``empty_identifier_cache``: start with ``core.identifier_cache`` empty, as a first
    tick (default: as the warehouse is, as a next tick sees it). ``repeats``: run each side that
    many times and keep its fastest run (the first run of each pays for cold caches).

    The floor, on a new connection to the same copy, in four statements over the raw tables and
    ``asc.yaml``'s stores: identifiers normalized to GTIN-14 in SQL (check digits, ISBN-10 to 13);
    listings matched by seller SKU, then ASIN, then GTIN (the first rule with candidates decides,
    one candidate is a match); eligibility (listable type, enabled, in the website, salable above
    the threshold) and a status per listing (new_third_party, ineligible, incomplete, inactive,
    active) and per unlisted eligible product; price and quantity mismatches of active
    merchant-fulfilled listings, unmatched and ambiguous listings and Amazon listing errors.
    It leaves out `FLOOR_OMITS`. Both must classify the same number of listing rows, else
    `BaselineError`.
    """
    cfg = config if isinstance(config, AscConfig) else load_config(config)
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise BaselineError(f"warehouse {warehouse}: no such file")
    column = cfg.matching.seller_sku_attribute
    if column not in TEXT_ATTRIBUTES:
        raise BaselineError(f"matching.seller_sku_attribute {column!r} is not a product column")
    if repeats < 1:
        raise BaselineError(f"repeats must be at least 1, got {repeats}")
    with _work_dir(work_dir) as work:
        copy = work / "floor-warehouse.duckdb"
        shutil.copyfile(warehouse, copy)
        wal = warehouse.with_name(warehouse.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        with duckdb.connect(str(copy), config=DUCKDB_CONFIG) as conn:
            ensure_schema(conn)
            ensure_sync_issue_schema(conn)
            tick = now or latest_recorded_tick(conn) or datetime.now(UTC)
            ours_runs = []
            for _ in range(repeats):
                if empty_identifier_cache:
                    conn.execute("DELETE FROM core.identifier_cache")
                ours_runs.append(_our_path(conn, cfg, tick))
            ours = min(ours_runs, key=_PathRun.seconds)
            products, listings = conn.execute(
                "SELECT (SELECT count(*) FROM raw.magento_products), "
                "(SELECT count(*) FROM raw.amazon_listings WHERE list_contains(?, store_id))",
                [[s.id for s in cfg.stores]],
            ).fetchone() or (0, 0)
        with duckdb.connect(str(copy), config=DUCKDB_CONFIG) as conn:
            floor = min(
                (_floor_path(conn, cfg, column) for _ in range(repeats)), key=_PathRun.seconds
            )
    if ours.listing_rows != floor.listing_rows:
        raise BaselineError(
            f"warehouse {warehouse}: our path classified {ours.listing_rows} listing rows, "
            f"the floor {floor.listing_rows}"
        )
    ours_seconds, floor_seconds = ours.seconds(), floor.seconds()
    return FloorComparison(
        warehouse=str(warehouse),
        stores=len(cfg.stores),
        products=int(products),
        listings=int(listings),
        ours_seconds=ours_seconds,
        floor_seconds=floor_seconds,
        ratio=_ratio(ours_seconds, floor_seconds),
        ours_steps=ours.steps,
        floor_steps=floor.steps,
        listing_rows=ours.listing_rows,
        ours_statuses=ours.statuses,
        floor_statuses=floor.statuses,
        ours_mismatches=ours.mismatches,
        floor_mismatches=floor.mismatches,
        identifiers_normalized=ours.identifiers_normalized,
        tick_time=tick.isoformat(),
        omitted=list(FLOOR_OMITS),
    )


@dataclass
class _PathRun:
    steps: dict[str, float]
    listing_rows: int
    statuses: dict[str, int]
    mismatches: int
    identifiers_normalized: int = 0

    def seconds(self) -> float:
        return sum(self.steps.values())


def _statuses(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[int, dict[str, int]]:
    rows = conn.execute(
        f"SELECT status, count(*), count(seller_sku) FROM {table} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return sum(int(r[2]) for r in rows), {str(r[0]): int(r[1]) for r in rows}


def _our_path(conn: duckdb.DuckDBPyConnection, cfg: AscConfig, now: datetime) -> _PathRun:
    run = classify(conn, cfg, computed_at=now)
    steps = dict(run.seconds)
    started = time.perf_counter()
    refresh_desired_listings(conn, cfg, computed_at=now)
    steps["desired_listings"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(conn):
        refresh_sync_issues(
            conn,
            now=now,
            settings=cfg.sync_issues,
            store_ids=[s.id for s in cfg.stores],
            live_store_ids=[s.id for s in cfg.stores if s.push.mode == "live"],
        )
    steps["sync_issues"] = time.perf_counter() - started
    listing_rows, statuses = _statuses(conn, "core.listing_status")
    [(mismatches,)] = conn.execute(
        "SELECT count(*) FROM core.sync_issues "
        "WHERE resolved_at IS NULL AND list_contains(?, kind)",
        [_MISMATCH_KINDS],
    ).fetchall()
    return _PathRun(steps, listing_rows, statuses, int(mismatches), run.identifiers_normalized)


# Check digits as a hand-written query computes them: mod 10 with weights 1, 3 from the right
# (EAN/UPC/GTIN, ISBN-13), mod 11 for ISBN-10, and the EAN-13 check digit of 978 + 9 digits.
_FLOOR_MACROS = """
CREATE OR REPLACE TEMP MACRO floor_mod10_ok(s) AS list_sum(list_transform(string_split(s, ''),
    lambda d, i: (ascii(d) - 48) * CASE WHEN (length(s) - i) % 2 = 0 THEN 1 ELSE 3 END)) % 10 = 0;
CREATE OR REPLACE TEMP MACRO floor_isbn10_ok(s) AS list_sum(list_transform(string_split(s, ''),
    lambda d, i: CASE WHEN d = 'X' THEN 10 ELSE ascii(d) - 48 END * (11 - i))) % 11 = 0;
CREATE OR REPLACE TEMP MACRO floor_check13(s) AS CAST((10 - list_sum(list_transform(
    string_split(s, ''), lambda d, i: (ascii(d) - 48) * CASE WHEN i % 2 = 1 THEN 1 ELSE 3 END))
    % 10) % 10 AS VARCHAR);
"""

_FLOOR_STORES_SQL = """
CREATE OR REPLACE TEMP TABLE floor_stores (
    store_id VARCHAR, website VARCHAR, threshold BIGINT, max_qty BIGINT, buffer BIGINT,
    rate DECIMAL(18, 6), adjust_percent DECIMAL(18, 4), adjust_amount DECIMAL(18, 4))
"""

_FLOOR_IDENTIFIERS_SQL = """
CREATE OR REPLACE TEMP TABLE floor_identifiers AS
WITH seen AS (
    SELECT DISTINCT kind, value FROM (
        SELECT 'upc' AS kind, upc AS value FROM raw.magento_products WHERE upc IS NOT NULL
        UNION ALL SELECT 'ean', ean FROM raw.magento_products WHERE ean IS NOT NULL
        UNION ALL SELECT 'isbn', isbn FROM raw.magento_products WHERE isbn IS NOT NULL
        UNION ALL SELECT 'gtin', gtin FROM raw.magento_products WHERE gtin IS NOT NULL
        UNION ALL SELECT lower(product_id_type), product_id FROM raw.amazon_listings
            WHERE product_id_type IN ('UPC', 'EAN', 'ISBN') AND product_id IS NOT NULL
    )
),
compact AS (
    SELECT kind, value, upper(replace(replace(trim(value), ' ', ''), '-', '')) AS c FROM seen
)
SELECT kind, value,
    CASE
        WHEN kind = 'isbn' AND regexp_full_match(c, '[0-9]{9}[0-9X]') AND floor_isbn10_ok(c)
            THEN '0978' || left(c, 9) || floor_check13('978' || left(c, 9))
        WHEN kind = 'isbn' AND regexp_full_match(c, '97[89][0-9]{10}') AND floor_mod10_ok(c)
            THEN '0' || c
        WHEN kind <> 'isbn' AND regexp_full_match(c, '[0-9]+') AND floor_mod10_ok(c) AND (
                (kind = 'upc' AND (length(c) = 12 OR (length(c) = 13 AND c[1] = '0')))
                OR (kind = 'ean' AND length(c) IN (8, 13))
                OR (kind = 'gtin' AND length(c) IN (8, 12, 13, 14)))
            THEN lpad(c, 14, '0')
    END AS gtin14
FROM compact
"""

_FLOOR_MATCHES_SQL = """
CREATE OR REPLACE TEMP TABLE floor_matches AS
WITH listings AS (
    SELECT l.store_id, l.seller_sku, l.asin, i.gtin14
    FROM raw.amazon_listings l
    JOIN floor_stores s USING (store_id)
    LEFT JOIN floor_identifiers i
        ON i.kind = lower(l.product_id_type) AND i.value = l.product_id
),
product_gtins AS (
    SELECT p.sku, i.gtin14 FROM raw.magento_products p
    JOIN floor_identifiers i ON i.kind = 'upc' AND i.value = p.upc AND i.gtin14 IS NOT NULL
    UNION ALL SELECT p.sku, i.gtin14 FROM raw.magento_products p
    JOIN floor_identifiers i ON i.kind = 'ean' AND i.value = p.ean AND i.gtin14 IS NOT NULL
    UNION ALL SELECT p.sku, i.gtin14 FROM raw.magento_products p
    JOIN floor_identifiers i ON i.kind = 'isbn' AND i.value = p.isbn AND i.gtin14 IS NOT NULL
    UNION ALL SELECT p.sku, i.gtin14 FROM raw.magento_products p
    JOIN floor_identifiers i ON i.kind = 'gtin' AND i.value = p.gtin AND i.gtin14 IS NOT NULL
),
candidates AS (
    SELECT l.store_id, l.seller_sku, 1 AS rule, p.sku
    FROM listings l JOIN raw.magento_products p ON p.{sku_column} = l.seller_sku
    UNION ALL
    SELECT l.store_id, l.seller_sku, 2, p.sku
    FROM listings l JOIN raw.magento_products p ON upper(trim(p.asin)) = upper(l.asin)
    UNION ALL
    SELECT l.store_id, l.seller_sku, 3, g.sku
    FROM listings l JOIN product_gtins g ON g.gtin14 = l.gtin14
),
per_rule AS (
    SELECT store_id, seller_sku, rule, count(DISTINCT sku) AS n, min(sku) AS sku
    FROM candidates GROUP BY ALL
),
decided AS (
    SELECT store_id, seller_sku, arg_min(n, rule) AS n, arg_min(sku, rule) AS sku
    FROM per_rule GROUP BY ALL
)
SELECT l.store_id, l.seller_sku, CASE WHEN d.n = 1 THEN d.sku END AS magento_sku,
    coalesce(d.n, 0) AS candidates
FROM listings l LEFT JOIN decided d USING (store_id, seller_sku)
"""

_FLOOR_STATUS_SQL = """
CREATE OR REPLACE TEMP TABLE floor_status AS
WITH products AS (
    SELECT s.store_id, p.sku, p.asin,
        list_contains(['simple', 'virtual'], p.type_id) AND coalesce(p.required_options, 0) <> 1
            AND p.status = 1 AND coalesce(list_contains(p.website_codes, s.website), false)
            AND coalesce(p.salable_qty, 0) > s.threshold AS eligible
    FROM raw.magento_products p CROSS JOIN floor_stores s
),
issues AS (
    SELECT store_id, seller_sku,
        bool_or(severity = 'ERROR' AND list_contains(categories, 'MISSING_ATTRIBUTE'))
            AS missing_attribute,
        bool_or(list_contains(enforcement_actions, 'LISTING_SUPPRESSED')) AS suppressed
    FROM raw.amazon_listing_issues GROUP BY ALL
)
SELECT m.store_id, m.seller_sku, m.magento_sku, m.candidates,
    CASE
        WHEN m.magento_sku IS NULL THEN 'new_third_party'
        WHEN NOT p.eligible THEN 'ineligible'
        WHEN coalesce(i.missing_attribute, false) OR lower(trim(l.status)) = 'incomplete'
            THEN 'incomplete'
        WHEN lower(trim(l.status)) = 'inactive' OR coalesce(i.suppressed, false) THEN 'inactive'
        ELSE 'active'
    END AS status
FROM floor_matches m
JOIN raw.amazon_listings l USING (store_id, seller_sku)
LEFT JOIN products p ON p.store_id = m.store_id AND p.sku = m.magento_sku
LEFT JOIN issues i ON i.store_id = m.store_id AND i.seller_sku = m.seller_sku
UNION ALL
SELECT p.store_id, NULL, p.sku, NULL,
    CASE WHEN NULLIF(trim(p.asin), '') IS NOT NULL THEN 'ready_to_list' ELSE 'incomplete' END
FROM products p
WHERE p.eligible AND NOT EXISTS (
    SELECT 1 FROM floor_matches m WHERE m.store_id = p.store_id AND m.magento_sku = p.sku)
"""

_FLOOR_ISSUES_SQL = """
CREATE OR REPLACE TEMP TABLE floor_issues AS
WITH fbm AS (
    SELECT st.store_id, st.seller_sku, l.price AS amazon_price, l.quantity AS amazon_qty,
        round(p.price * s.rate * (1 + s.adjust_percent / 100) + s.adjust_amount, 2)
            AS desired_price,
        greatest(least(p.salable_qty, coalesce(s.max_qty, p.salable_qty)) - s.buffer, 0)
            AS desired_qty
    FROM floor_status st
    JOIN raw.amazon_listings l ON l.store_id = st.store_id AND l.seller_sku = st.seller_sku
    JOIN raw.magento_products p ON p.sku = st.magento_sku
    JOIN floor_stores s ON s.store_id = st.store_id
    WHERE st.status = 'active' AND upper(coalesce(l.fulfillment_channel, 'DEFAULT')) = 'DEFAULT'
)
SELECT store_id, seller_sku, 'price_mismatch' AS kind FROM fbm
WHERE abs(amazon_price - desired_price) > $tolerance
UNION ALL
SELECT store_id, seller_sku, 'quantity_mismatch' FROM fbm WHERE amazon_qty <> desired_qty
UNION ALL
SELECT store_id, seller_sku,
    CASE WHEN candidates = 0 THEN 'unmatched_listing' ELSE 'ambiguous_match' END
FROM floor_status WHERE status = 'new_third_party'
UNION ALL
SELECT DISTINCT i.store_id, i.seller_sku, 'amazon_listing_error'
FROM raw.amazon_listing_issues i JOIN floor_stores s USING (store_id)
WHERE upper(i.severity) = 'ERROR'
"""


def _floor_path(conn: duckdb.DuckDBPyConnection, cfg: AscConfig, sku_column: str) -> _PathRun:
    steps: dict[str, float] = {}

    def step(name: str, sql: str, params: dict[str, Any] | None = None) -> None:
        started = time.perf_counter()
        conn.execute(sql, params or {})
        steps[name] = time.perf_counter() - started

    conn.execute(_FLOOR_MACROS)
    conn.execute(_FLOOR_STORES_SQL)
    conn.executemany(
        "INSERT INTO floor_stores VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                s.id,
                s.website,
                s.out_of_stock_threshold,
                s.max_listed_quantity,
                s.quantity_buffer,
                s.price.currency_rate if isinstance(s.price.currency_rate, Decimal) else 1,
                s.price.adjust_percent,
                s.price.adjust_amount,
            ]
            for s in cfg.stores
        ],
    )
    step("identifiers", _FLOOR_IDENTIFIERS_SQL)
    step("match", _FLOOR_MATCHES_SQL.format(sku_column=sku_column))
    step("status", _FLOOR_STATUS_SQL)
    step("issues", _FLOOR_ISSUES_SQL, {"tolerance": cfg.sync_issues.price_tolerance})
    listing_rows, statuses = _statuses(conn, "floor_status")
    [(mismatches,)] = conn.execute(
        "SELECT count(*) FROM floor_issues WHERE list_contains(?, kind)", [_MISMATCH_KINDS]
    ).fetchall()
    return _PathRun(steps, listing_rows, statuses, int(mismatches))
