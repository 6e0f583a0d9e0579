"""The order an announcement lists sync issues in: errors first, then by how urgent the kind is."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from asc_pipelines.dashboard.charts import ISSUE_KIND_COLORS
from asc_pipelines.logic.announcements import KINDS_BY_URGENCY, announcement_since
from asc_pipelines.logic.sync_issues import KINDS
from asc_pipelines.warehouse.schema import ensure_schema

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def _open(conn: duckdb.DuckDBPyConnection, kind: str, severity: str) -> None:
    """One open issue and its 'opened' event, as ``refresh_sync_issues`` records them."""
    conn.execute(
        "INSERT INTO core.sync_issues (issue_id, store_id, kind, severity, sku, subject, detail,"
        " first_seen_at, last_seen_at, escalated_at, resolved_at)"
        " VALUES ($id, 'us', $kind, $severity, 'SKU-1', 'SKU-1', '', $t, $t,"
        " CASE WHEN $severity = 'error' AND $kind LIKE '%_mismatch' THEN $t::TIMESTAMPTZ END,"
        " NULL)",
        {"id": kind, "kind": kind, "severity": severity, "t": T0},
    )
    conn.execute(
        "INSERT INTO core.sync_issue_events SELECT"
        " (SELECT coalesce(max(event_id), 0) + 1 FROM core.sync_issue_events),"
        " issue_id, 'opened', $t, store_id, kind, severity, sku, detail"
        " FROM core.sync_issues WHERE issue_id = $id",
        {"id": kind, "t": T0},
    )


def test_every_sync_issue_kind_has_a_place_in_the_urgency_order() -> None:
    missing = [kind for kind in KINDS if kind not in KINDS_BY_URGENCY]
    assert not missing, f"give these kinds a place in KINDS_BY_URGENCY: {missing}"


def test_a_price_held_back_by_its_bounds_comes_after_the_escalated_mismatches() -> None:
    conn = duckdb.connect()
    ensure_schema(conn)
    _open(conn, "invalid_identifier", "warning")
    _open(conn, "price_out_of_bounds", "error")
    _open(conn, "price_mismatch", "error")
    _open(conn, "quantity_mismatch", "error")
    _open(conn, "amazon_listing_error", "error")

    shown = [issue["kind"] for issue in announcement_since(conn, {}).most_urgent]

    assert shown == [
        "amazon_listing_error",
        "quantity_mismatch",
        "price_mismatch",
        "price_out_of_bounds",
        "invalid_identifier",
    ]


def test_every_sync_issue_kind_has_its_own_colour_on_the_issues_chart() -> None:
    missing = [kind for kind in KINDS if kind not in ISSUE_KIND_COLORS]
    assert not missing, f"give these kinds a colour in ISSUE_KIND_COLORS: {missing}"
    colours = list(ISSUE_KIND_COLORS.values())
    assert len(set(colours)) == len(colours)
