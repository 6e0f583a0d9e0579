"""Run one sync tick in-process through Dagster (`asc sync`, `asc demo`) and summarize it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import dagster as dg
import duckdb

from asc_pipelines.defs.core.status import ALL_STATUSES_TAGS
from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME
from asc_pipelines.defs.operations.stale_runs import clear_runs_of_dead_processes, process_tags
from asc_pipelines.logic.outbox import STATUSES as OUTBOX_STATUSES
from asc_pipelines.logic.status import STATUSES
from asc_pipelines.warehouse.publish import readable_files
from asc_pipelines.warehouse.schema import PUBLISHED_FILE, REPORTS_DIR, WAREHOUSE_FILE

# The one instance configuration: runs started by `asc sync` / `asc demo` / `make dev` use the same
# file an operator copies for a deployment (deploy/dagster.yaml links to it; deploy/README.md
# explains every setting).
DAGSTER_YAML = resources.files("asc_pipelines").joinpath("dagster.yaml").read_text("utf-8")
# The first line of the file earlier versions wrote into <data_dir>/dagster_home: still ours.
_EARLIER_HEADER = "# Instance settings for runs started by `asc sync` / `asc demo` / `make dev`."

SUMMARY_TABLES = (
    "raw.amazon_listings",
    "raw.amazon_listing_issues",
    "raw.amazon_orders",
    "raw.amazon_order_items",
    "raw.rejected_rows",
    "raw.api_errors",
)


def prepare_dagster_home(data_dir: Path) -> Path:
    """Use ``$DAGSTER_HOME`` if set, else ``<data_dir>/dagster_home`` (created, telemetry off)."""
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])
    home = (data_dir / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # Our own file is refreshed when the project's settings change; a file someone wrote by
    # hand is left alone.
    ours = not config.exists() or config.read_text(encoding="utf-8").startswith(
        (DAGSTER_YAML.splitlines()[0], _EARLIER_HEADER)
    )
    if ours:
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@dataclass
class SyncResult:
    """How a tick went: the run, and per store and dataset ok / pending / failed."""

    run_id: str
    run_success: bool
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def every_store_ok(self) -> bool:
        return self.run_success and all(
            outcome == "ok" for datasets in self.outcomes.values() for outcome in datasets.values()
        )

    def failed_fetches(self) -> list[tuple[str, str]]:
        """(store, dataset) of every fetch of this tick that failed."""
        return [
            (store, dataset)
            for store, datasets in sorted(self.outcomes.items())
            for dataset, outcome in sorted(datasets.items())
            if outcome == "failed"
        ]

    def headline(self) -> str:
        """One line that says whether the tick did its job, and how much of it failed."""
        fetches = sum(len(datasets) for datasets in self.outcomes.values())
        failed = self.failed_fetches()
        run = "succeeded" if self.run_success else "FAILED"
        if not failed:
            pending = fetches - sum(
                outcome == "ok" for d in self.outcomes.values() for outcome in d.values()
            )
            waiting = f", {pending} waiting for Amazon" if pending else ""
            return f"Sync run {self.run_id}: {run}; {fetches} fetches ok{waiting}"
        stores = sorted({store for store, _ in failed})
        return (
            f"Sync run {self.run_id}: {run}, but {len(failed)} of {fetches} fetches FAILED "
            f"({len(stores)} of {len(self.outcomes)} stores: {', '.join(stores)})"
        )


def one_line(text: str, limit: int = 240) -> str:
    """A message as one line of at most ``limit`` characters (the summary is for people)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def run_sync(
    defs: dg.Definitions,
    data_dir: Path,
    instance: dg.DagsterInstance | None = None,
    *,
    log_level: str = "WARNING",
) -> SyncResult:
    """Execute the sync job once, in this process, exactly as the schedule's runs execute it."""
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    if instance is None:
        prepare_dagster_home(data_dir)
        instance = dg.DagsterInstance.get()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    # A tick killed mid-run would otherwise hold the writer pool's slot for ever.
    clear_runs_of_dead_processes(instance, found_by="asc before its next tick")
    tags = {**ALL_STATUSES_TAGS, **process_tags()}
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config, tags=tags
    )
    sync = SyncResult(run_id=result.run_id, run_success=result.success)
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.event_specific_data is not None:
                error = getattr(event.event_specific_data, "error", None)
                if error is not None:
                    # Dagster wraps the asset's exception ("Error occurred while executing
                    # op ..."); the asset's own message is the one that explains.
                    while getattr(error, "cause", None) is not None:
                        error = error.cause
                    sync.messages.append(one_line(f"{event.step_key}: {error.message}", 600))
    for store_id, dataset, outcome, message in _fetch_outcomes(data_dir, result.run_id):
        sync.outcomes.setdefault(store_id, {})[dataset] = outcome
        if outcome != "ok" and message:
            sync.messages.append(one_line(f"{store_id} {dataset} {outcome}: {message}"))
    return sync


def _fetch_outcomes(data_dir: Path, run_id: str) -> list[tuple[str, str, str, str | None]]:
    """This run's per-store outcomes: from the analysts' copy (published at the end of every
    successful run, and reading it never contends with the pipeline), else, when the run stopped
    before publishing (a blocking check), from the private file, which the finished run released."""
    for conn in readable_files(data_dir, (PUBLISHED_FILE, WAREHOUSE_FILE)):
        try:
            rows = conn.execute(
                "SELECT store_id, dataset, outcome, message FROM raw.store_fetches "
                "WHERE run_id = ? ORDER BY store_id, dataset",
                [run_id],
            ).fetchall()
        except duckdb.CatalogException:
            rows = []
        if rows:
            return rows
    return []


def _status_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Listings and listable products per store and Amazon Sales Channel tab."""
    rows = conn.execute(
        "SELECT store_id, status, count(*) FROM core.listing_status GROUP BY ALL"
    ).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for store_id, status, count in rows:
        counts.setdefault(store_id, {})[status] = int(count)
    lines = [
        f"{'core.listing_status':<32}{store_id:<12}{sum(c.values()):>10}  "
        + ", ".join(f"{status} {c.get(status, 0)}" for status in STATUSES)
        for store_id, c in sorted(counts.items())
    ]
    return lines


def _issue_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Open sync issues per store and severity."""
    rows = conn.execute(
        "SELECT store_id, count(*), count(*) FILTER (WHERE severity = 'error') "
        "FROM core.sync_issues WHERE resolved_at IS NULL GROUP BY ALL ORDER BY 1"
    ).fetchall()
    return [
        f"{'core.sync_issues (open)':<32}{store_id:<12}{total:>10}  errors {errors}"
        for store_id, total, errors in rows
    ]


def _outbox_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Changes for Amazon per store and status: with ``push.mode: live``, how many went out and
    how many a later listings report showed (``confirmed``)."""
    try:
        rows = conn.execute(
            "SELECT store_id, status, count(*) FROM core.listing_outbox GROUP BY ALL"
        ).fetchall()
    except duckdb.CatalogException:  # a file written before the outbox existed
        return []
    counts: dict[str, dict[str, int]] = {}
    for store_id, status, count in rows:
        counts.setdefault(store_id, {})[status] = int(count)
    return [
        f"{'core.listing_outbox':<32}{store_id:<12}{sum(c.values()):>10}  "
        + ", ".join(f"{status} {c.get(status, 0)}" for status in OUTBOX_STATUSES)
        for store_id, c in sorted(counts.items())
    ]


def summary_text(data_dir: Path, sync: SyncResult) -> str:
    """Rows per table and store, where the files are, and how to open the UI."""
    lines = [sync.headline()]
    for store_id, datasets in sorted(sync.outcomes.items()):
        parts = ", ".join(f"{d}={o}" for d, o in sorted(datasets.items()))
        lines.append(f"  {store_id:<10} {parts}")
    lines.extend(f"  ! {m}" for m in sync.messages)
    published = data_dir / PUBLISHED_FILE
    source = published if published.exists() else data_dir / WAREHOUSE_FILE
    if source.exists():
        conn = duckdb.connect(str(source), read_only=True)
        try:
            lines.append("")
            lines.append(f"{'table':<32}{'store':<12}{'rows':>10}")
            for table in SUMMARY_TABLES:
                per_store = conn.execute(
                    f"SELECT coalesce(store_id, '-'), count(*) FROM {table} GROUP BY ALL ORDER BY 1"
                ).fetchall()
                if not per_store:
                    lines.append(f"{table:<32}{'(all)':<12}{0:>10}")
                for store_id, count in per_store:
                    lines.append(f"{table:<32}{store_id:<12}{count:>10}")
            lines.extend(_status_lines(conn))
            lines.extend(_issue_lines(conn))
            lines.extend(_outbox_lines(conn))
            count = conn.execute("SELECT count(*) FROM raw.magento_products").fetchone()[0]
            lines.append(f"{'raw.magento_products':<32}{'magento':<12}{count:>10}")
            count = conn.execute("SELECT count(*) FROM raw.magento_source_items").fetchone()[0]
            lines.append(f"{'raw.magento_source_items':<32}{'magento':<12}{count:>10}")
        finally:
            conn.close()
    lines += [
        "",
        f"Pipeline's private DuckDB file: {(data_dir / WAREHOUSE_FILE).resolve()}",
        f"Analysts' copy (open read-only): {published.resolve()}",
    ]
    index = data_dir / REPORTS_DIR / "index.html"
    if index.exists():
        lines.append(f"Report pages (open in a browser): {index.resolve()}")
    lines += [
        f'  .venv/bin/python -c "import duckdb; '
        f"duckdb.connect('{published.resolve()}', read_only=True).sql('SHOW ALL TABLES').show()\"",
        "Dagster UI: make dev   (then open http://127.0.0.1:3000)",
    ]
    return "\n".join(lines)
