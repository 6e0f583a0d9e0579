-- Sync issues: every problem the pipeline sees between Amazon and Magento, opened, kept and resolved
-- tick by tick (asc_pipelines/logic/sync_issues.py). Open issues have resolved_at NULL.

CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.sync_issues (
    issue_id VARCHAR NOT NULL PRIMARY KEY,
    store_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    sku VARCHAR,
    subject VARCHAR NOT NULL,
    detail VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    escalated_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ
);
COMMENT ON TABLE core.sync_issues IS 'One row per sync problem (price or quantity mismatch, unmatched or ambiguous listing, Amazon listing error, invalid identifier, stale store, repeated API failure, price out of bounds): opened when first seen, last_seen_at moved every tick it is still there, resolved_at set when it is gone. A problem that comes back later is a new issue.';
COMMENT ON COLUMN core.sync_issues.issue_id IS 'Stable id of the issue: md5 of store_id|kind|subject|first_seen_at (ISO-8601 UTC)';
COMMENT ON COLUMN core.sync_issues.store_id IS 'Amazon store id, or magento for Magento products and Magento API failures';
COMMENT ON COLUMN core.sync_issues.kind IS 'price_mismatch, quantity_mismatch, unmatched_listing, ambiguous_match, amazon_listing_error, invalid_identifier, stale_store, api_failure, price_out_of_bounds, push_rejected, push_failed or slow_sync';
COMMENT ON COLUMN core.sync_issues.severity IS 'warning or error, from kind and escalated_at alone: error for amazon_listing_error, stale_store, api_failure, price_out_of_bounds, push_rejected and push_failed, and for a price or quantity mismatch once escalated_at is set; warning otherwise';
COMMENT ON COLUMN core.sync_issues.sku IS 'Amazon seller SKU (listing kinds, Amazon identifiers) or Magento SKU (Magento identifiers, a Ready to List product''s price_out_of_bounds; the listing of push_rejected, push_failed and slow_sync); NULL for stale_store and api_failure';
COMMENT ON COLUMN core.sync_issues.subject IS 'What the issue is about, unique among a store''s open issues of a kind: the seller SKU, "<sku> <attribute>" for invalid_identifier and "<seller sku> <attribute>" for push_rejected, push_failed and slow_sync, "<magento sku> (ready to list)" for price_out_of_bounds of a product not listed yet, the operation for api_failure, the dataset for stale_store';
COMMENT ON COLUMN core.sync_issues.detail IS 'Human detail as of the last tick it was seen: both prices (and the Magento price when the desired one differs from it), the out-of-bounds price, both quantities, Amazon''s codes and messages, the bad value, the last error message';
COMMENT ON COLUMN core.sync_issues.first_seen_at IS 'Tick that opened the issue, by the sources'' clock (UTC)';
COMMENT ON COLUMN core.sync_issues.last_seen_at IS 'Last tick that still saw the problem';
COMMENT ON COLUMN core.sync_issues.escalated_at IS 'Tick that raised a mismatch to error after escalate_after_minutes; NULL when never escalated';
COMMENT ON COLUMN core.sync_issues.resolved_at IS 'First tick that no longer saw the problem; NULL while the issue is open';

CREATE TABLE IF NOT EXISTS core.sync_issue_events (
    event_id BIGINT NOT NULL PRIMARY KEY,
    issue_id VARCHAR NOT NULL,
    change VARCHAR NOT NULL,
    event_at TIMESTAMPTZ NOT NULL,
    store_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    sku VARCHAR,
    detail VARCHAR
);
COMMENT ON TABLE core.sync_issue_events IS 'Append-only log of what happened to sync issues: one row when an issue opened, one when it escalated, one when it resolved. event_id only grows, so a reader that remembers the last event_id it saw (the alerting sensor does) never misses or repeats one, whatever the clocks do.';
COMMENT ON COLUMN core.sync_issue_events.event_id IS 'Position in the log: 1, 2, 3, ... in the order the ticks recorded them (within a tick: openings, then escalations, then resolutions; errors first)';
COMMENT ON COLUMN core.sync_issue_events.issue_id IS 'The issue (core.sync_issues.issue_id)';
COMMENT ON COLUMN core.sync_issue_events.change IS 'opened, escalated (a mismatch open for escalate_after_minutes became an error) or resolved';
COMMENT ON COLUMN core.sync_issue_events.event_at IS 'Tick that recorded it, by the sources'' clock (UTC)';
COMMENT ON COLUMN core.sync_issue_events.store_id IS 'Amazon store id, or magento for Magento products and Magento API failures';
COMMENT ON COLUMN core.sync_issue_events.kind IS 'The issue''s kind (see core.sync_issues.kind)';
COMMENT ON COLUMN core.sync_issue_events.severity IS 'The issue''s severity right after the event: warning or error';
COMMENT ON COLUMN core.sync_issue_events.sku IS 'Seller SKU or Magento SKU the issue is about; NULL for store-wide kinds';
COMMENT ON COLUMN core.sync_issue_events.detail IS 'The issue''s human detail at the event';
