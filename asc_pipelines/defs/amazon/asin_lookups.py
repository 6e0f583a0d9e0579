"""``asin_lookups``: the Amazon catalog's answer for products that have no listing and no ASIN yet.

A product that is eligible for a store, matched by none of its listings and without its own
``amazon_asin`` needs an ASIN before it can be listed. Its look-up identifier (the first valid of
UPC, ISBN, EAN, GTIN, chosen by ``product_matches`` into ``core.product_eligibility``) is searched
with the Catalog Items API 2022-04-01 ``searchCatalogItems``, up to 20 identifiers per request,
and the answer (no ASIN, one, several, variation parents among them) is cached in
``core.asin_lookups`` for ``asin_lookup_max_age_hours``. An empty answer is an answer too.

Each store sends at most ``asin_lookup_requests_per_tick`` requests per tick; what is left waits
for the next tick (the status asset reports those products as ``asin_lookup_pending``).
"""

from datetime import datetime

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig, StoreConfig
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.logic.asin_lookups import KINDS, answer_kind, read_candidates
from asc_pipelines.sources.asin_lookups import StoreLookups, look_up_asins
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import StoreFetch, fetch_all, record_failure
from asc_pipelines.warehouse.asin_lookups import write_lookups
from asc_pipelines.warehouse.records import record_fetch
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import failure_time, settle_source_times

DATASET = "asin_lookups"
OPERATION = "searchCatalogItems"
COUNT_KEYS = ("needed", "looked_up", "pending", "requests", *KINDS)


def _land(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    result: StoreFetch[StoreLookups],
    *,
    now: datetime,
    run_id: str,
) -> tuple[str, int | None, str | None]:
    """Upsert one store's answers, or record why its look-ups failed: (outcome, rows, message)."""
    lookups = result.value if result.ok else None
    error: BaseException | None = result.error
    message = None
    outcome = "failed"
    rows = None
    if lookups is not None:
        try:
            write_lookups(conn, store.marketplace_id, lookups.rows)
            rows, outcome = len(lookups.rows), "ok"
            error = lookups.error
            if lookups.pending:
                message = f"{lookups.pending} identifiers wait for the next tick"
        except Exception as exc:  # this store's answers are asked again next tick
            error = exc
    if error is not None:
        failure = record_failure(
            conn,
            error,
            store_id=store.id,
            default_operation=OPERATION,
            occurred_at=now,
            run_id=run_id,
        )
        outcome, message = "failed", failure
    return outcome, rows, message


def _counts(lookups: StoreLookups | None, rows: int | None) -> dict[str, int | None]:
    """The summary's counts of one store: needed, looked up, pending, requests, and per kind."""
    if lookups is None:
        return dict.fromkeys(COUNT_KEYS)
    written = rows or 0
    answered = lookups.rows if written else []
    return {
        "needed": lookups.needed,
        "looked_up": written,
        "pending": lookups.needed - written,
        "requests": lookups.requests,
        **{k: sum(1 for r in answered if answer_kind(r) == k) for k in KINDS},
    }


@warehouse_asset(
    group="core",
    deps=[dg.AssetKey("product_matches")],
)
def asin_lookups(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    amazon_credentials: AmazonCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """Catalog Items API look-ups for eligible products no listing matches (``core.asin_lookups``).

    Per store: the distinct identifiers (``lookup_type``, ``lookup_gtin14``) of eligible products
    without a matching listing and without ``amazon_asin`` whose cached answer in the store's
    marketplace is missing or older than ``asin_lookup_max_age_hours`` (Amazon's clock). Up to 20
    per searchCatalogItems request, at most ``asin_lookup_requests_per_tick`` requests per store;
    the rest waits for the next tick. Answers are upserted with the ASINs found (possibly none)
    and those that are variation parents.
    """
    cfg: AscConfig = settings.load()
    matching = cfg.matching
    run_id = context.run.run_id
    guard = tick_guard(run_id, cfg)
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        candidates = {s.id: read_candidates(conn, s) for s in cfg.stores}

    def fetch(store_id: str) -> StoreLookups:
        store = cfg.store(store_id)
        return look_up_asins(
            spapi_client(cfg, store, amazon_credentials, guard),
            store.marketplace_id,
            candidates[store_id],
            max_age_hours=matching.asin_lookup_max_age_hours,
            max_requests=matching.asin_lookup_requests_per_tick,
        )

    fetched = fetch_all(
        [s.id for s in cfg.stores], fetch, log=context.log.warning, trace=context.log.debug
    )
    summary: list[list[object]] = []
    per_store: dict[str, dict[str, int]] = {}
    with duckdb.get_connection() as conn:
        times = settle_source_times(
            conn, DATASET, {s: r.value.now for s, r in fetched.items() if r.ok and r.value}
        )
        for store in cfg.stores:
            result: StoreFetch[StoreLookups] = fetched[store.id]
            lookups = result.value if result.ok else None
            now = times[store.id] if lookups is not None else failure_time(conn, store.id)
            outcome, rows, message = _land(conn, store, result, now=now, run_id=run_id)
            record_fetch(
                conn,
                run_id=run_id,
                store_id=store.id,
                dataset=DATASET,
                outcome=outcome,
                rows_loaded=rows,
                rows_rejected=None,
                seconds=result.seconds,
                message=message,
                finished_at=now,
            )
            counts = _counts(lookups, rows)
            if lookups is not None:
                per_store[store.id] = {k: int(v or 0) for k, v in counts.items()}
            seconds = f"{result.seconds:.1f}"
            summary.append([store.id, outcome, *counts.values(), seconds, message])
        metadata = table_metadata(conn, "core.asin_lookups")
        metadata["rows_per_marketplace"] = {
            str(market): int(n)
            for market, n in conn.execute(
                "SELECT marketplace_id, count(*) FROM core.asin_lookups GROUP BY ALL ORDER BY 1"
            ).fetchall()
        }
    metadata["per_store"] = per_store
    metadata["summary"] = markdown_table(
        [
            "store",
            "outcome",
            "needed",
            "looked up",
            "pending",
            "requests",
            "one ASIN",
            "several ASINs",
            "variation parent",
            "nothing found",
            "seconds",
            "message",
        ],
        summary,
    )
    return dg.MaterializeResult(metadata=metadata)
