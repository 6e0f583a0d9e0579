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

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines import constants
from asc_pipelines.config import AscConfig, StoreConfig
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sources.catalog import match_identifiers
from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import StoreFetch, fetch_all, record_failure
from asc_pipelines.warehouse.records import record_fetch
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import failure_time, settle_source_times
from asc_pipelines.warehouse.transaction import transaction

DATASET = "asin_lookups"
OPERATION = "searchCatalogItems"
# The identifier types core.product_eligibility.lookup_type holds (Catalog Items API names).
LOOKUP_TYPES = ("UPC", "ISBN", "EAN", "GTIN")
BATCH_SIZE = constants.CATALOG_SEARCH_MAX_IDENTIFIERS
INCLUDED_DATA = ("summaries", "identifiers", "relationships")
# How an answer reads: no ASIN, several ASINs, one variation parent, one listable ASIN.
KINDS = ("single", "several", "variation_parent", "nothing")
COUNT_KEYS = ("needed", "looked_up", "pending", "requests", *KINDS)

# Distinct identifiers of a store's products that need an ASIN from the catalog, with the time of
# the marketplace's cached answer (NULL when never asked); the age check uses Amazon's clock.
_CANDIDATES_SQL = f"""
SELECT
    e.lookup_type,
    e.lookup_gtin14,
    min(e.lookup_value) AS lookup_value,
    any_value(epoch_ms(l.looked_up_at)) AS looked_up_ms,
    count(*) AS products
FROM core.product_eligibility e
LEFT JOIN core.asin_lookups l
    ON l.marketplace_id = ? AND l.identifier_type = e.lookup_type AND l.gtin14 = e.lookup_gtin14
WHERE e.store_id = ?
  AND e.eligible
  AND e.amazon_asin IS NULL
  AND e.lookup_gtin14 IS NOT NULL
  AND e.lookup_value IS NOT NULL
  AND e.lookup_type IN ({", ".join(f"'{t}'" for t in LOOKUP_TYPES)})
  AND NOT EXISTS (
      SELECT 1 FROM core.product_matches m
      WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku
  )
GROUP BY e.lookup_type, e.lookup_gtin14
ORDER BY e.lookup_type, e.lookup_gtin14
"""


@dataclass(frozen=True)
class Candidate:
    """One identifier a store's unlisted products are waiting on."""

    lookup_type: str
    gtin14: str
    value: str
    looked_up_ms: int | None
    products: int


@dataclass(frozen=True)
class LookupRow:
    """One ``core.asin_lookups`` row."""

    identifier_type: str
    gtin14: str
    identifier: str
    asins: tuple[str, ...]
    variation_parent_asins: tuple[str, ...]
    looked_up_at: datetime

    @property
    def kind(self) -> str:
        """How the status asset will read it: nothing, several, variation_parent or single."""
        if not self.asins:
            return "nothing"
        if len(self.asins) > 1:
            return "several"
        if self.variation_parent_asins:
            return "variation_parent"
        return "single"


@dataclass
class StoreLookups:
    """What one store's look-ups of this tick produced."""

    needed: int = 0
    requests: int = 0
    rows: list[LookupRow] = field(default_factory=list)
    error: SourceError | None = None  # a request failed; the rows before it are kept
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def pending(self) -> int:
        return self.needed - len(self.rows)


def read_candidates(conn: duckdb.DuckDBPyConnection, store: StoreConfig) -> list[Candidate]:
    """Every distinct identifier the store's eligible, unlisted, ASIN-less products carry."""
    rows = conn.execute(_CANDIDATES_SQL, [store.marketplace_id, store.id]).fetchall()
    return [Candidate(t, g, v, None if ms is None else int(ms), int(n)) for t, g, v, ms, n in rows]


def due(candidates: list[Candidate], now: datetime, max_age_hours: float) -> list[Candidate]:
    """The candidates without an answer younger than ``max_age_hours`` at ``now``."""
    cutoff_ms = (now - timedelta(hours=max_age_hours)).timestamp() * 1000
    return [c for c in candidates if c.looked_up_ms is None or c.looked_up_ms <= cutoff_ms]


def batches(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Requests in order: per identifier type, up to 20 identifiers each."""
    result: list[list[Candidate]] = []
    for lookup_type in sorted({c.lookup_type for c in candidates}):
        same = [c for c in candidates if c.lookup_type == lookup_type]
        result += [same[i : i + BATCH_SIZE] for i in range(0, len(same), BATCH_SIZE)]
    return result


def _write_lookups(
    conn: duckdb.DuckDBPyConnection, marketplace_id: str, rows: list[LookupRow]
) -> None:
    """Upsert a store's answers, all or nothing."""
    if not rows:
        return
    with transaction(conn):
        conn.executemany(
            "INSERT OR REPLACE INTO core.asin_lookups "
            "(marketplace_id, identifier_type, gtin14, identifier, asins, "
            "variation_parent_asins, looked_up_at) "
            "VALUES (?, ?, ?, ?, ?::VARCHAR[], ?::VARCHAR[], ?)",
            [
                [
                    marketplace_id,
                    row.identifier_type,
                    row.gtin14,
                    row.identifier,
                    list(row.asins),
                    list(row.variation_parent_asins),
                    row.looked_up_at,
                ]
                for row in rows
            ],
        )


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
        client = spapi_client(cfg, store, amazon_credentials, guard)
        client.ensure_access_token()  # fails fast on bad credentials; learns Amazon's clock
        todo = due(candidates[store_id], client.server_now(), matching.asin_lookup_max_age_hours)
        result = StoreLookups(needed=len(todo))
        for batch in batches(todo)[: matching.asin_lookup_requests_per_tick]:
            values = [c.value for c in batch]
            identifiers_type = batch[0].lookup_type
            result.requests += 1
            try:
                items = client.search_catalog_items(
                    store.marketplace_id, values, identifiers_type, included_data=INCLUDED_DATA
                )
            except SourceError as exc:  # the answers so far are kept; the rest waits a tick
                result.error = exc
                break
            matches = match_identifiers(values, identifiers_type, items, store.marketplace_id)
            answered_at = client.server_now()
            for candidate in batch:
                match = matches[candidate.value]
                result.rows.append(
                    LookupRow(
                        identifier_type=candidate.lookup_type,
                        gtin14=candidate.gtin14,
                        identifier=candidate.value,
                        asins=match.asins,
                        variation_parent_asins=match.variation_parent_asins,
                        looked_up_at=answered_at,
                    )
                )
        result.now = client.server_now()
        return result

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
            error: BaseException | None = result.error
            message = None
            outcome = "failed"
            rows = None
            if lookups is not None:
                try:
                    _write_lookups(conn, store.marketplace_id, lookups.rows)
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
            counts: dict[str, int | None] = dict.fromkeys(COUNT_KEYS)
            if lookups is not None:
                written = rows or 0
                answered = lookups.rows if written else []
                counts = {
                    "needed": lookups.needed,
                    "looked_up": written,
                    "pending": lookups.needed - written,
                    "requests": lookups.requests,
                    **{k: sum(1 for r in answered if r.kind == k) for k in KINDS},
                }
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
