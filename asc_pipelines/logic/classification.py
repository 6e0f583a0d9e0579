"""The classification path: every listing and listable product into its Amazon Sales Channel tab.

The order, written here and nowhere else:

1. identifiers normalized to GTIN-14 (``core.identifier_cache``; only values not seen before),
2. each store's listings matched to Magento products (``core.product_matches`` and friends),
3. every product judged against every store's listing rules (``core.product_eligibility``),
4. every listing and every unlisted eligible product given its tab (``core.listing_status``).

Between 3 and 4 the pipeline asks Amazon's catalog for the ASINs of eligible products no listing
matches (the ``asin_lookups`` asset); step 4 reads whatever ``core.asin_lookups`` holds. So the
``product_matches`` asset runs :func:`match_products` (1-3) and ``listings_by_status`` runs
:func:`classify_listings` (4); tests and the benchmark run both with :func:`classify`.

Rows of stores no longer in ``asc.yaml`` are dropped. ``computed_at`` is the tick's time by the
sources' clock, passed in by the caller; the machine's clock only measures how long each step
took. No Dagster here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from asc_pipelines.config import AscConfig
from asc_pipelines.logic.eligibility import refresh_eligibility
from asc_pipelines.logic.identifiers import refresh_identifier_cache
from asc_pipelines.logic.matching import refresh_matches
from asc_pipelines.logic.status import refresh_status
from asc_pipelines.warehouse.transaction import transaction


@dataclass
class ClassificationRun:
    """What a run of (part of) the path did: identifiers normalized, seconds per step.

    The steps are ``normalize``, ``match``, ``eligibility`` and ``status``, in that order.
    """

    identifiers_normalized: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step of the path."""
        started = time.monotonic()
        yield
        self.seconds[name] = time.monotonic() - started


def _drop_unconfigured_stores(conn: duckdb.DuckDBPyConnection, table: str, cfg: AscConfig) -> None:
    conn.execute(
        f"DELETE FROM {table} WHERE store_id NOT IN (SELECT unnest(?::VARCHAR[]))",
        [[store.id for store in cfg.stores]],
    )


def match_products(
    conn: duckdb.DuckDBPyConnection, cfg: AscConfig, *, computed_at: datetime
) -> ClassificationRun:
    """Steps 1-3: normalize new identifiers, then match and judge eligibility in one transaction.

    The identifier cache is committed on its own: it only ever grows, and a value normalized
    is right whatever happens to the matches.
    """
    run = ClassificationRun()
    with run.step("normalize"):
        run.identifiers_normalized = refresh_identifier_cache(conn)
    with transaction(conn):
        with run.step("match"):
            refresh_matches(conn, seller_sku_attribute=cfg.matching.seller_sku_attribute)
        with run.step("eligibility"):
            _drop_unconfigured_stores(conn, "core.product_eligibility", cfg)
            for store in cfg.stores:
                refresh_eligibility(conn, store, computed_at=computed_at)
    return run


def classify_listings(
    conn: duckdb.DuckDBPyConnection, cfg: AscConfig, *, computed_at: datetime
) -> None:
    """Step 4: every store's ``core.listing_status`` rebuilt in one transaction."""
    with transaction(conn):
        _drop_unconfigured_stores(conn, "core.listing_status", cfg)
        for store in cfg.stores:
            refresh_status(
                conn,
                store_id=store.id,
                marketplace_id=store.marketplace_id,
                computed_at=computed_at,
            )


def classify(
    conn: duckdb.DuckDBPyConnection, cfg: AscConfig, *, computed_at: datetime
) -> ClassificationRun:
    """The whole path, 1-4, with the catalog look-ups already in ``core.asin_lookups``."""
    run = match_products(conn, cfg, computed_at=computed_at)
    with run.step("status"):
        classify_listings(conn, cfg, computed_at=computed_at)
    return run
