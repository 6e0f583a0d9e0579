"""``amazon_listing_pushes``: the outbox sent to Amazon, per store, as its ``push.mode`` says:
changes to listings first, then (``push.publish``) new listings of Ready to List products."""

import time
from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig, push_paused
from asc_pipelines.defs.core.listing_updates import listing_updates
from asc_pipelines.defs.metadata import markdown_table
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.publishing import SUMMARY_HEADERS as OFFER_HEADERS
from asc_pipelines.sync.publishing import publish_store, summary_columns
from asc_pipelines.sync.pushes import SUMMARY_HEADERS, push_store, summary_row
from asc_pipelines.sync.tick_time import fetch_time
from asc_pipelines.warehouse.records import record_fetch
from asc_pipelines.warehouse.schema import ensure_schema

DATASET = "amazon_listing_pushes"


@warehouse_asset(group="amazon", deps=[listing_updates])
def amazon_listing_pushes(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    amazon_credentials: AmazonCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """The outbox's pending changes sent to Amazon (Listings Items ``patchListingsItem``), and
    Ready to List products listed (``putListingsItem``) in stores with ``push.publish``.

    Per store and ``push.mode``: ``off`` (the default) or ``ASC_PUSH_PAUSED`` set: nothing;
    ``dry_run``: the patch that would be sent recorded on the change, no call; ``preview``: sent
    with ``mode=VALIDATION_PREVIEW``, Amazon's verdict recorded, nothing changes; ``live``: one
    patch per listing (quantity and price together), most urgent first, at most
    ``push.max_patches_per_tick`` listings, each recorded as ``sent`` before the call.
    ``ACCEPTED`` changes wait for a later listings snapshot to be confirmed; ``INVALID`` ones
    are a ``push_rejected`` sync issue. In ``live``, at least ``push.feed_threshold`` listings
    due go as one ``JSON_LISTINGS_FEED`` instead, followed across ticks (``getFeed`` once a
    tick, its processing report read back by messageId; given up after
    ``push.feed_give_up_minutes``, its changes then patched).

    With ``push.publish: true``, after its listing changes a store lists its Ready to List
    products with an ASIN, oldest first, one ``putListingsItem`` each
    (``requirements=LISTING_OFFER_ONLY``: the ASIN, condition, quantity and price), in the same
    mode, within what is left of ``push.max_patches_per_tick``; each shows in Active once a
    listings report shows it. ``publish: false`` (the default): nothing is listed.
    """
    cfg: AscConfig = settings.load()
    paused = push_paused()
    if paused:
        context.log.warning("ASC_PUSH_PAUSED is set: nothing is sent to Amazon this tick")
    guard = tick_guard(context.run.run_id, cfg)
    rows = []
    offers_sent = feed_messages = 0
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        # Alone (no fetch in this run), the sends are stamped at the last recorded tick, so
        # their raw.store_fetches rows never move the sources' clock to this machine's.
        now = fetch_time(conn, context.run.run_id, or_last_recorded=True) or datetime.now(UTC)
        for store in cfg.stores:
            sending = not paused and store.push.mode in ("preview", "live")
            client = spapi_client(cfg, store, amazon_credentials, guard) if sending else None
            started = time.monotonic()
            pushes = push_store(
                conn, store, client, paused=paused, now=now, run_id=context.run.run_id
            )
            # New listings get what the listing changes left of the tick's budget, and none
            # when the tick's deadline already stopped the store.
            left = max(store.push.max_patches_per_tick - pushes.listings, 0)
            offers = publish_store(
                conn,
                store,
                client,
                paused=paused,
                limit=0 if pushes.stopped else left,
                now=now,
                run_id=context.run.run_id,
            )
            offers_sent += offers.offers
            feed_messages += pushes.feeds.messages_sent
            rows.append([*summary_row(pushes), *summary_columns(offers)])
            errors = [*pushes.errors, *offers.errors]
            for error in errors:
                context.log.warning(f"store {store.id}: {error}")
            if pushes.mode in ("off", "paused"):
                continue
            stopped = pushes.stopped or offers.stopped
            record_fetch(
                conn,
                run_id=context.run.run_id,
                store_id=store.id,
                dataset=DATASET,
                outcome="failed"
                if pushes.failed_calls or offers.failed_calls or pushes.feeds.errors or stopped
                else "ok",
                rows_loaded=pushes.listings + pushes.feeds.messages_sent + offers.offers,
                rows_rejected=pushes.invalid + offers.invalid,
                seconds=time.monotonic() - started,
                message=stopped or (errors[0] if errors else None),
                finished_at=now,
            )
    return dg.MaterializeResult(
        metadata={
            "paused": paused,
            "listings_sent": sum(row[2] for row in rows),
            "feed_messages_sent": feed_messages,
            "offers_sent": offers_sent,
            "summary": markdown_table(
                [*SUMMARY_HEADERS, *OFFER_HEADERS],
                rows,
            ),
        }
    )
