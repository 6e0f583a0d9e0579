"""Listing history: what each listing's tab, reason, price and quantity were, and since when.

``core.listing_history`` is a slowly changing dimension (type 2) over the tick-by-tick state in
``core.listing_status``: each tick, listings whose status, reason, price, quantity or matched
product (Magento SKU, ASIN) differ from their open row get that row closed (``valid_to`` = the
tick) and a new open row; listings that left every tab get their row closed; new listings get a
first row; listings that did not change get nothing. Everything is set-based SQL, a few
statements per tick; ``core.listing_history_ticks`` registers every tick recorded.

The history is a change-only encoding of the sequence of per-tick states (``reason_detail`` as
first seen in a row): the state at any recorded tick is ``valid_from <= t AND (valid_to IS NULL
OR valid_to > t)``, and replaying a sequence of states tick by tick (``rebuild_listing_history``)
gives back the same table. The raw layer keeps only the current snapshot, so the per-tick states
live on in this table, not in ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from asc_pipelines.warehouse.counts import counts_by_key

# The current state of every listing and unlisted product, in the history's columns. Listings
# carry Amazon's price and quantity; unlisted products the Magento price and the quantity they
# would be listed with.
CURRENT_STATE_SQL = """
SELECT
    s.store_id,
    CASE WHEN s.seller_sku IS NOT NULL THEN 'listing:' || s.seller_sku
         ELSE 'product:' || s.magento_sku END AS listing_key,
    s.seller_sku,
    s.magento_sku,
    s.asin,
    s.status,
    s.reason_code,
    s.reason_detail,
    CASE WHEN s.seller_sku IS NOT NULL THEN l.price
         ELSE CAST(p.price AS DECIMAL(18, 2)) END AS price,
    CASE WHEN s.seller_sku IS NOT NULL THEN CAST(l.quantity AS BIGINT)
         ELSE e.listed_qty END AS quantity
FROM core.listing_status AS s
LEFT JOIN raw.amazon_listings AS l
    ON s.seller_sku IS NOT NULL AND l.store_id = s.store_id AND l.seller_sku = s.seller_sku
LEFT JOIN raw.magento_products AS p
    ON s.seller_sku IS NULL AND p.sku = s.magento_sku
LEFT JOIN core.product_eligibility AS e
    ON s.seller_sku IS NULL AND e.store_id = s.store_id AND e.magento_sku = s.magento_sku
WHERE s.store_id IN (SELECT unnest($stores::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY s.store_id, listing_key ORDER BY s.status) = 1
"""

STATE_COLUMNS = (
    "store_id, listing_key, seller_sku, magento_sku, asin, status, reason_code, reason_detail, "
    "price, quantity"
)


@dataclass
class HistoryTick:
    """What one tick added to the history, per store."""

    observed_at: datetime
    new: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, datetime] = field(default_factory=dict)

    @property
    def rows_added(self) -> int:
        return sum(self.new.values()) + sum(self.changed.values())


def record_listing_history(
    conn: duckdb.DuckDBPyConnection,
    *,
    observed_at: datetime,
    store_ids: list[str],
    state_sql: str = CURRENT_STATE_SQL,
    state_params: dict[str, object] | None = None,
) -> HistoryTick:
    """Merge the state as of ``observed_at`` into ``core.listing_history`` for ``store_ids``.

    ``state_sql`` yields :data:`STATE_COLUMNS` (default: the current classification); it gets
    the ``$stores`` parameter plus ``state_params``. Every tick is registered in
    ``core.listing_history_ticks``. Recording the last tick again replaces what it recorded, so a
    re-run is idempotent; a store whose last recorded tick is later than ``observed_at`` (a clock
    that went backwards) is skipped and reported in ``skipped``.
    The caller owns the transaction.
    """
    tick = HistoryTick(observed_at=observed_at)
    # The last tick recorded per store: from the tick register, or (a history older than the
    # register) from the history's own last change.
    latest = dict(
        conn.execute(
            """
            SELECT store_id, max(t) FROM (
                SELECT store_id, observed_at AS t FROM core.listing_history_ticks
                UNION ALL
                SELECT store_id, greatest(valid_from, coalesce(valid_to, valid_from))
                FROM core.listing_history
            ) WHERE store_id IN (SELECT unnest($stores::VARCHAR[])) GROUP BY store_id
            """,
            {"stores": store_ids},
        ).fetchall()
    )
    stores = []
    for store in store_ids:
        if latest.get(store) is not None and latest[store] > observed_at:
            tick.skipped[store] = latest[store]
        else:
            stores.append(store)
    if not stores:
        return tick
    params = {"stores": stores, "t": observed_at}

    # Recording a tick again: undo what the earlier recording of this same tick did.
    for table, column in (
        ("core.listing_history", "valid_from"),
        ("core.listing_history_ticks", "observed_at"),
        ("core.listing_status_moves", "moved_at"),
    ):
        conn.execute(
            f"DELETE FROM {table} WHERE {column} = $t "
            "AND store_id IN (SELECT unnest($stores::VARCHAR[]))",
            params,
        )
    conn.execute(
        "UPDATE core.listing_history SET valid_to = NULL WHERE valid_to = $t "
        "AND store_id IN (SELECT unnest($stores::VARCHAR[]))",
        params,
    )

    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE history_state AS SELECT {STATE_COLUMNS} FROM ({state_sql})",
        {**(state_params or {}), "stores": stores},
    )
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE history_changes AS
        SELECT
            n.*,
            o.listing_key IS NULL AS is_new,
            o.status AS previous_status,
            CASE WHEN o.listing_key IS NULL THEN ['new']
                 ELSE list_filter([
                     CASE WHEN n.status IS DISTINCT FROM o.status THEN 'status' END,
                     CASE WHEN n.reason_code IS DISTINCT FROM o.reason_code THEN 'reason' END,
                     CASE WHEN n.price IS DISTINCT FROM o.price THEN 'price' END,
                     CASE WHEN n.quantity IS DISTINCT FROM o.quantity THEN 'quantity' END,
                     CASE WHEN n.magento_sku IS DISTINCT FROM o.magento_sku
                               OR n.asin IS DISTINCT FROM o.asin THEN 'match' END
                 ], lambda x: x IS NOT NULL) END AS changed,
            CASE WHEN o.status = n.status THEN o.status_since ELSE $t END AS status_since
        FROM temp.history_state AS n
        LEFT JOIN core.listing_history AS o
            ON o.valid_to IS NULL AND o.store_id = n.store_id AND o.listing_key = n.listing_key
        WHERE o.listing_key IS NULL
           OR n.status IS DISTINCT FROM o.status
           OR n.reason_code IS DISTINCT FROM o.reason_code
           OR n.price IS DISTINCT FROM o.price
           OR n.quantity IS DISTINCT FROM o.quantity
           OR n.magento_sku IS DISTINCT FROM o.magento_sku
           OR n.asin IS DISTINCT FROM o.asin
        """,
        {"t": observed_at},
    )
    tick.new = counts_by_key(
        conn,
        "SELECT store_id, count(*) FROM temp.history_changes WHERE is_new GROUP BY store_id",
    )
    tick.changed = counts_by_key(
        conn,
        "SELECT store_id, count(*) FROM temp.history_changes WHERE NOT is_new GROUP BY store_id",
    )
    # Listings that left every tab: their open row closes, nothing new opens.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE history_gone AS
        SELECT o.store_id, o.status FROM core.listing_history AS o
        WHERE o.valid_to IS NULL AND o.store_id IN (SELECT unnest($stores::VARCHAR[]))
          AND NOT EXISTS (SELECT 1 FROM temp.history_state AS n
                          WHERE n.store_id = o.store_id AND n.listing_key = o.listing_key)
        """,
        {"stores": stores},
    )
    tick.closed = counts_by_key(
        conn, "SELECT store_id, count(*) FROM temp.history_gone GROUP BY store_id"
    )
    # Tab entries and exits of this tick, for the status trend.
    conn.execute(
        """
        INSERT INTO core.listing_status_moves
        SELECT store_id, status, $t, sum(entries), sum(exits) FROM (
            SELECT store_id, status, 1 AS entries, 0 AS exits FROM temp.history_changes
            WHERE previous_status IS DISTINCT FROM status
            UNION ALL
            SELECT store_id, previous_status, 0, 1 FROM temp.history_changes
            WHERE NOT is_new AND previous_status IS DISTINCT FROM status
            UNION ALL
            SELECT store_id, status, 0, 1 FROM temp.history_gone
        ) GROUP BY store_id, status
        """,
        {"t": observed_at},
    )
    conn.execute(
        """
        UPDATE core.listing_history AS o SET valid_to = $t
        WHERE o.valid_to IS NULL AND o.store_id IN (SELECT unnest($stores::VARCHAR[]))
          AND (
              EXISTS (SELECT 1 FROM temp.history_changes AS c
                      WHERE NOT c.is_new AND c.store_id = o.store_id
                        AND c.listing_key = o.listing_key)
              OR NOT EXISTS (SELECT 1 FROM temp.history_state AS n
                             WHERE n.store_id = o.store_id AND n.listing_key = o.listing_key)
          )
        """,
        params,
    )
    conn.execute(
        f"""
        INSERT INTO core.listing_history
            ({STATE_COLUMNS}, changed, status_since, valid_from, valid_to)
        SELECT {STATE_COLUMNS}, changed, status_since, $t, NULL FROM temp.history_changes
        """,
        {"t": observed_at},
    )
    for temp in ("history_state", "history_changes", "history_gone"):
        conn.execute(f"DROP TABLE temp.{temp}")
    conn.execute(
        "INSERT INTO core.listing_history_ticks "
        "SELECT s, $t, $added::JSON->>s, $closed::JSON->>s "
        "FROM (SELECT unnest($stores::VARCHAR[]) AS s)",
        {
            "t": observed_at,
            "stores": stores,
            "added": {s: tick.new.get(s, 0) + tick.changed.get(s, 0) for s in stores},
            "closed": {s: tick.closed.get(s, 0) for s in stores},
        },
    )
    return tick


def close_removed_stores(
    conn: duckdb.DuckDBPyConnection, *, observed_at: datetime, store_ids: list[str]
) -> dict[str, int]:
    """Close the open rows of stores no longer configured (their listings left every tab).

    Returns the rows closed per store. The caller owns the transaction.
    """
    params = {"t": observed_at, "stores": store_ids}
    closed = counts_by_key(
        conn,
        "SELECT store_id, count(*) FROM core.listing_history WHERE valid_to IS NULL "
        "AND valid_from <= $t AND store_id NOT IN (SELECT unnest($stores::VARCHAR[])) "
        "GROUP BY store_id",
        params,
    )
    conn.execute(
        "INSERT INTO core.listing_status_moves SELECT store_id, status, $t, 0, count(*) "
        "FROM core.listing_history WHERE valid_to IS NULL AND valid_from <= $t "
        "AND store_id NOT IN (SELECT unnest($stores::VARCHAR[])) GROUP BY store_id, status",
        params,
    )
    conn.execute(
        "UPDATE core.listing_history SET valid_to = $t WHERE valid_to IS NULL "
        "AND valid_from <= $t AND store_id NOT IN (SELECT unnest($stores::VARCHAR[]))",
        params,
    )
    return closed


def rebuild_listing_history(conn: duckdb.DuckDBPyConnection, snapshots: str) -> int:
    """Replace ``core.listing_history`` with the history of a sequence of per-tick states.

    ``snapshots`` names a table or view with ``observed_at`` plus :data:`STATE_COLUMNS`: the full
    state of each store at each tick (a tick is seen through its rows, so a tick at which a store
    had no listing at all cannot be expressed and closes nothing).
    The states are replayed in time order through :func:`record_listing_history`, so a rebuild
    and the tick-by-tick history agree row for row. Returns the rows of the rebuilt table.
    """
    ticks = conn.execute(
        f"SELECT DISTINCT observed_at, store_id FROM {snapshots} ORDER BY observed_at, store_id"
    ).fetchall()
    for table in ("listing_history", "listing_history_ticks", "listing_status_moves"):
        conn.execute(f"DELETE FROM core.{table}")
    for observed_at, store_id in ticks:
        record_listing_history(
            conn,
            observed_at=observed_at,
            store_ids=[store_id],
            state_sql=(
                f"SELECT {STATE_COLUMNS} FROM {snapshots} WHERE observed_at = $observed_at "
                "AND store_id IN (SELECT unnest($stores::VARCHAR[]))"
            ),
            state_params={"observed_at": observed_at},
        )
    return int(conn.execute("SELECT count(*) FROM core.listing_history").fetchone()[0])


def stores_with_a_listings_report(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Stores whose first listings report has loaded: only they have a history worth recording
    (until then their tabs hold the whole catalog as unlisted products)."""
    rows = conn.execute("SELECT DISTINCT store_id FROM raw.amazon_listing_snapshots").fetchall()
    return {store_id for (store_id,) in rows}


def current_rows_per_store(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Open (current) rows of ``core.listing_history`` per store, in store order."""
    return counts_by_key(
        conn,
        "SELECT store_id, count(*) FROM core.listing_history WHERE valid_to IS NULL "
        "GROUP BY store_id ORDER BY store_id",
    )
