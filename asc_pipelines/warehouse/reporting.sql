-- History and trends: core.listing_history (what changed, when) and the reporting schema analysts
-- query (asc_pipelines/logic/history.py, asc_pipelines/logic/trends.py). Times are UTC; a day is a
-- UTC calendar day. Tables are rebuilt by the trend assets after every tick; views read them.

CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS reporting;

CREATE TABLE IF NOT EXISTS core.listing_history (
    store_id VARCHAR NOT NULL,
    listing_key VARCHAR NOT NULL,
    seller_sku VARCHAR,
    magento_sku VARCHAR,
    asin VARCHAR,
    status VARCHAR NOT NULL,
    reason_code VARCHAR NOT NULL,
    reason_detail VARCHAR,
    price DECIMAL(18, 2),
    quantity BIGINT,
    changed VARCHAR[] NOT NULL,
    status_since TIMESTAMPTZ NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to TIMESTAMPTZ
);
COMMENT ON TABLE core.listing_history IS 'One row per store and listing (or unlisted product) per change of status, reason, price, quantity or matched product, valid from valid_from until valid_to (the current row has valid_to NULL). A tick that changes nothing adds nothing; a listing that leaves every tab, or whose store leaves asc.yaml, gets its row closed.';
COMMENT ON COLUMN core.listing_history.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.listing_history.listing_key IS 'What the row is about: listing:<seller_sku> for an Amazon listing, product:<magento_sku> for an unlisted Magento product';
COMMENT ON COLUMN core.listing_history.seller_sku IS 'Amazon seller SKU; NULL for unlisted products';
COMMENT ON COLUMN core.listing_history.magento_sku IS 'Matched Magento product; NULL for listings that match none';
COMMENT ON COLUMN core.listing_history.asin IS 'ASIN of the listing, or the ASIN an unlisted product would be listed under';
COMMENT ON COLUMN core.listing_history.status IS 'Amazon Sales Channel tab: active, ready_to_list, inactive, ineligible, incomplete, ended or new_third_party';
COMMENT ON COLUMN core.listing_history.reason_code IS 'Why it is in that tab (as core.listing_status.reason_code)';
COMMENT ON COLUMN core.listing_history.reason_detail IS 'Human detail of the reason as first seen in this row';
COMMENT ON COLUMN core.listing_history.price IS 'Amazon listing price (listings) or the Magento price it would be listed at (unlisted products)';
COMMENT ON COLUMN core.listing_history.quantity IS 'Amazon quantity (listings; NULL for FBA) or the quantity it would be listed with (unlisted products)';
COMMENT ON COLUMN core.listing_history.changed IS 'What changed against the previous row: [new] for the first row (or the first after a gap), else some of status, reason, price, quantity, match (the Magento product or ASIN)';
COMMENT ON COLUMN core.listing_history.status_since IS 'When the listing entered its current status (earlier than valid_from when only reason, price or quantity changed)';
COMMENT ON COLUMN core.listing_history.valid_from IS 'Tick that first saw this state, by the sources'' clock';
COMMENT ON COLUMN core.listing_history.valid_to IS 'Tick that first saw a different state (or no longer saw the listing at all); NULL for the current state';

CREATE TABLE IF NOT EXISTS core.listing_history_ticks (
    store_id VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    rows_added BIGINT NOT NULL,
    rows_closed BIGINT NOT NULL,
    PRIMARY KEY (store_id, observed_at)
);
COMMENT ON TABLE core.listing_history_ticks IS 'One row per store and tick recorded into core.listing_history, changes or not: which ticks the history has seen (a tick older than the last one is refused).';
COMMENT ON COLUMN core.listing_history_ticks.store_id IS 'Amazon store id';
COMMENT ON COLUMN core.listing_history_ticks.observed_at IS 'The tick, by the sources'' clock';
COMMENT ON COLUMN core.listing_history_ticks.rows_added IS 'History rows the tick opened (new listings and changes)';
COMMENT ON COLUMN core.listing_history_ticks.rows_closed IS 'Listings that left every tab at the tick (rows closed with no successor)';

CREATE TABLE IF NOT EXISTS core.listing_status_moves (
    store_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    moved_at TIMESTAMPTZ NOT NULL,
    entries BIGINT NOT NULL,
    exits BIGINT NOT NULL
);
COMMENT ON TABLE core.listing_status_moves IS 'Per store, tick and status: listings that entered and left the tab, written with core.listing_history at each tick (what listing_status_trend sums, so it never rescans the history)';
COMMENT ON COLUMN core.listing_status_moves.store_id IS 'Amazon store id';
COMMENT ON COLUMN core.listing_status_moves.status IS 'Amazon Sales Channel tab';
COMMENT ON COLUMN core.listing_status_moves.moved_at IS 'The tick, by the sources'' clock';
COMMENT ON COLUMN core.listing_status_moves.entries IS 'Listings that entered the tab at the tick (new ones included)';
COMMENT ON COLUMN core.listing_status_moves.exits IS 'Listings that left the tab at the tick (for another tab or for none)';

CREATE TABLE IF NOT EXISTS reporting.listing_status_trend (
    store_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    grain VARCHAR NOT NULL,
    bucket_start TIMESTAMPTZ NOT NULL,
    listings BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    exits BIGINT NOT NULL
);
COMMENT ON TABLE reporting.listing_status_trend IS 'Listing counts per store, status and time bucket: 5-minute buckets for the last 2 days, hourly for the last 90 days, daily for all time. Grain: store_id, status, grain, bucket_start.';
COMMENT ON COLUMN reporting.listing_status_trend.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.listing_status_trend.status IS 'Amazon Sales Channel tab (all seven appear for every bucket, zero included)';
COMMENT ON COLUMN reporting.listing_status_trend.grain IS '5min, hour or day';
COMMENT ON COLUMN reporting.listing_status_trend.bucket_start IS 'Start of the bucket (UTC)';
COMMENT ON COLUMN reporting.listing_status_trend.listings IS 'Listings in the status at the end of the bucket (for the current bucket: now)';
COMMENT ON COLUMN reporting.listing_status_trend.entries IS 'Listings that entered the status during the bucket (new listings included)';
COMMENT ON COLUMN reporting.listing_status_trend.exits IS 'Listings that left the status during the bucket (for another status or for no tab)';

CREATE TABLE IF NOT EXISTS reporting.sales_trend (
    store_id VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    day DATE NOT NULL,
    orders BIGINT NOT NULL,
    canceled_orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    revenue DECIMAL(18, 2) NOT NULL,
    average_order_value DECIMAL(18, 2),
    orders_7d BIGINT NOT NULL,
    revenue_7d DECIMAL(18, 2) NOT NULL,
    orders_30d BIGINT NOT NULL,
    revenue_30d DECIMAL(18, 2) NOT NULL
);
COMMENT ON TABLE reporting.sales_trend IS 'Amazon sales per store, marketplace currency and UTC purchase day, every day from the store''s first order (at most three years back) to the last tick, zero days included. Canceled orders count only in canceled_orders. Grain: store_id, currency, day.';
COMMENT ON COLUMN reporting.sales_trend.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.sales_trend.currency IS 'Currency of the order totals (the marketplace currency)';
COMMENT ON COLUMN reporting.sales_trend.day IS 'UTC calendar day of the purchase date';
COMMENT ON COLUMN reporting.sales_trend.orders IS 'Orders placed that day and not canceled';
COMMENT ON COLUMN reporting.sales_trend.canceled_orders IS 'Orders placed that day and canceled since';
COMMENT ON COLUMN reporting.sales_trend.units IS 'Units ordered in the orders counted in orders';
COMMENT ON COLUMN reporting.sales_trend.revenue IS 'Order totals of the orders counted in orders (the item prices when Amazon has not priced a Pending order yet)';
COMMENT ON COLUMN reporting.sales_trend.average_order_value IS 'revenue / orders; NULL on days without orders';
COMMENT ON COLUMN reporting.sales_trend.orders_7d IS 'Orders in the 7 days ending on day';
COMMENT ON COLUMN reporting.sales_trend.revenue_7d IS 'Revenue in the 7 days ending on day';
COMMENT ON COLUMN reporting.sales_trend.orders_30d IS 'Orders in the 30 days ending on day';
COMMENT ON COLUMN reporting.sales_trend.revenue_30d IS 'Revenue in the 30 days ending on day';

CREATE TABLE IF NOT EXISTS reporting.sales_totals (
    store_id VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    orders_7d BIGINT NOT NULL,
    units_7d BIGINT NOT NULL,
    revenue_7d DECIMAL(18, 2) NOT NULL,
    orders_30d BIGINT NOT NULL,
    units_30d BIGINT NOT NULL,
    revenue_30d DECIMAL(18, 2) NOT NULL,
    orders_lifetime BIGINT NOT NULL,
    revenue_lifetime DECIMAL(18, 2) NOT NULL,
    as_of TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE reporting.sales_totals IS 'Amazon Sales Channel store dashboard figures: sales of the last 7 and 30 days and lifetime, per store and currency, canceled orders excluded. Grain: store_id, currency.';
COMMENT ON COLUMN reporting.sales_totals.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.sales_totals.currency IS 'Currency of the order totals';
COMMENT ON COLUMN reporting.sales_totals.orders_7d IS 'Orders in the 7 UTC days ending on the last tick''s day';
COMMENT ON COLUMN reporting.sales_totals.units_7d IS 'Units in those orders';
COMMENT ON COLUMN reporting.sales_totals.revenue_7d IS 'Revenue of those orders';
COMMENT ON COLUMN reporting.sales_totals.orders_30d IS 'Orders in the 30 UTC days ending on the last tick''s day';
COMMENT ON COLUMN reporting.sales_totals.units_30d IS 'Units in those orders';
COMMENT ON COLUMN reporting.sales_totals.revenue_30d IS 'Revenue of those orders';
COMMENT ON COLUMN reporting.sales_totals.orders_lifetime IS 'Every order fetched so far, canceled ones excluded';
COMMENT ON COLUMN reporting.sales_totals.revenue_lifetime IS 'Revenue of those orders';
COMMENT ON COLUMN reporting.sales_totals.as_of IS 'The tick the figures were computed at';

CREATE TABLE IF NOT EXISTS reporting.sync_issue_trend (
    store_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    day DATE NOT NULL,
    opened BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    open_at_end_of_day BIGINT NOT NULL,
    median_age_minutes DOUBLE
);
COMMENT ON TABLE reporting.sync_issue_trend IS 'Sync issues per store, kind and UTC day, every day from the first issue to the last tick (zero days included). Grain: store_id, kind, day.';
COMMENT ON COLUMN reporting.sync_issue_trend.store_id IS 'Amazon store id, or magento';
COMMENT ON COLUMN reporting.sync_issue_trend.kind IS 'Sync issue kind (as core.sync_issues.kind)';
COMMENT ON COLUMN reporting.sync_issue_trend.day IS 'UTC calendar day';
COMMENT ON COLUMN reporting.sync_issue_trend.opened IS 'Issues first seen that day';
COMMENT ON COLUMN reporting.sync_issue_trend.resolved IS 'Issues resolved that day';
COMMENT ON COLUMN reporting.sync_issue_trend.open_at_end_of_day IS 'Issues open at the end of the day (for the last tick''s day: open at the last tick)';
COMMENT ON COLUMN reporting.sync_issue_trend.median_age_minutes IS 'Median age in minutes of the issues open at the end of the day; NULL when none is open';

CREATE TABLE IF NOT EXISTS reporting.store_health (
    store_id VARCHAR NOT NULL PRIMARY KEY,
    store_name VARCHAR,
    marketplace_id VARCHAR,
    last_successful_snapshot_at TIMESTAMPTZ,
    snapshot_age_minutes DOUBLE,
    active BIGINT NOT NULL,
    ready_to_list BIGINT NOT NULL,
    inactive BIGINT NOT NULL,
    ineligible BIGINT NOT NULL,
    incomplete BIGINT NOT NULL,
    ended BIGINT NOT NULL,
    new_third_party BIGINT NOT NULL,
    open_errors BIGINT NOT NULL,
    open_warnings BIGINT NOT NULL,
    fetches_24h BIGINT NOT NULL,
    failed_fetches_24h BIGINT NOT NULL,
    api_error_rate_24h DOUBLE,
    api_errors_24h BIGINT NOT NULL,
    as_of TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE reporting.store_health IS 'One row per configured store: the table an on-call engineer reads first. Grain: store_id.';
COMMENT ON COLUMN reporting.store_health.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN reporting.store_health.store_name IS 'Store name from asc.yaml (the id when none is set)';
COMMENT ON COLUMN reporting.store_health.marketplace_id IS 'Amazon marketplace id';
COMMENT ON COLUMN reporting.store_health.last_successful_snapshot_at IS 'When the last listings report that loaded was fetched; NULL when none ever did';
COMMENT ON COLUMN reporting.store_health.snapshot_age_minutes IS 'Minutes between that snapshot and as_of';
COMMENT ON COLUMN reporting.store_health.active IS 'Listings in the Active tab now';
COMMENT ON COLUMN reporting.store_health.ready_to_list IS 'Products in the Ready to List tab now';
COMMENT ON COLUMN reporting.store_health.inactive IS 'Listings in the Inactive tab now';
COMMENT ON COLUMN reporting.store_health.ineligible IS 'Listings in the Ineligible tab now';
COMMENT ON COLUMN reporting.store_health.incomplete IS 'Listings and products in the Incomplete tab now';
COMMENT ON COLUMN reporting.store_health.ended IS 'Listings in the Ended tab now';
COMMENT ON COLUMN reporting.store_health.new_third_party IS 'Listings in the New Third Party tab now';
COMMENT ON COLUMN reporting.store_health.open_errors IS 'Open sync issues of severity error (the store''s own; Magento-wide ones are under store magento in sync_issue_trend)';
COMMENT ON COLUMN reporting.store_health.open_warnings IS 'Open sync issues of severity warning';
COMMENT ON COLUMN reporting.store_health.fetches_24h IS 'Dataset fetches (listings report, listing issues, orders, ASIN look-ups) in the 24 hours before as_of';
COMMENT ON COLUMN reporting.store_health.failed_fetches_24h IS 'Of those, the ones that failed';
COMMENT ON COLUMN reporting.store_health.api_error_rate_24h IS 'failed_fetches_24h / fetches_24h; NULL when there was no fetch';
COMMENT ON COLUMN reporting.store_health.api_errors_24h IS 'Rows in raw.api_errors for the store in the 24 hours before as_of (each failed call, retries included)';
COMMENT ON COLUMN reporting.store_health.as_of IS 'The last tick, by the sources'' clock';

-- Views: the stable surface for analysts. Each reads the tables above.

CREATE OR REPLACE VIEW reporting.pipeline_clock AS
SELECT max(finished_at) AS last_tick_at, CAST(timezone('UTC', max(finished_at)) AS DATE) AS today
FROM raw.store_fetches;
COMMENT ON VIEW reporting.pipeline_clock IS 'The last tick''s time and UTC day by the sources'' clock: what "today" and "yesterday" mean in the example questions. One row.';
COMMENT ON COLUMN reporting.pipeline_clock.last_tick_at IS 'When the last tick fetched its data';
COMMENT ON COLUMN reporting.pipeline_clock.today IS 'UTC day of the last tick';

CREATE OR REPLACE VIEW reporting.listing_changes AS
SELECT
    h.store_id,
    h.listing_key,
    h.seller_sku,
    h.magento_sku,
    h.asin,
    h.valid_from AS changed_at,
    CAST(timezone('UTC', h.valid_from) AS DATE) AS day,
    h.changed,
    -- "Before" is the row that ended as this one began; after a gap (the listing had left every
    -- tab) there is none, and a listing's first row has none either: neither is a change.
    CASE
        WHEN lag(h.valid_to) OVER w = h.valid_from THEN 'changed'
        WHEN lag(h.valid_from) OVER w IS NULL THEN 'first_seen'
        ELSE 'reappeared'
    END AS change_kind,
    CASE WHEN lag(h.valid_to) OVER w = h.valid_from THEN lag(h.status) OVER w END
        AS previous_status,
    h.status,
    CASE WHEN lag(h.valid_to) OVER w = h.valid_from THEN lag(h.reason_code) OVER w END
        AS previous_reason_code,
    h.reason_code,
    h.reason_detail,
    CASE WHEN lag(h.valid_to) OVER w = h.valid_from THEN lag(h.price) OVER w END
        AS previous_price,
    h.price,
    CASE WHEN lag(h.valid_to) OVER w = h.valid_from THEN lag(h.quantity) OVER w END
        AS previous_quantity,
    h.quantity
FROM core.listing_history AS h
WINDOW w AS (PARTITION BY h.store_id, h.listing_key ORDER BY h.valid_from);
COMMENT ON VIEW reporting.listing_changes IS 'One row per row of core.listing_history: a real change of a listing (change_kind changed) with its before and after values, or a first observation (change_kind first_seen or reappeared) with no before. A listing leaving every tab shows as valid_to of its last row in core.listing_history. Grain: store_id, listing_key, changed_at.';
COMMENT ON COLUMN reporting.listing_changes.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.listing_changes.listing_key IS 'listing:<seller_sku> or product:<magento_sku>';
COMMENT ON COLUMN reporting.listing_changes.seller_sku IS 'Amazon seller SKU; NULL for unlisted products';
COMMENT ON COLUMN reporting.listing_changes.magento_sku IS 'Matched Magento product';
COMMENT ON COLUMN reporting.listing_changes.asin IS 'ASIN';
COMMENT ON COLUMN reporting.listing_changes.changed_at IS 'Tick that saw the change (UTC)';
COMMENT ON COLUMN reporting.listing_changes.day IS 'UTC day of changed_at';
COMMENT ON COLUMN reporting.listing_changes.changed IS '[new] for a listing seen for the first time (or back after leaving every tab), else some of status, reason, price, quantity, match';
COMMENT ON COLUMN reporting.listing_changes.change_kind IS 'changed: a real change against the row that ended as this one began (previous_* hold its values); first_seen: the listing''s first row in the history (a new listing, or one its store had when first recorded), not a change; reappeared: its first row after leaving every tab, nothing to compare with. Count transitions (e.g. "went inactive") over changed only';
COMMENT ON COLUMN reporting.listing_changes.previous_status IS 'Status before the change; NULL unless change_kind is changed';
COMMENT ON COLUMN reporting.listing_changes.status IS 'Status after the change (for first_seen and reappeared: the status it was first seen in)';
COMMENT ON COLUMN reporting.listing_changes.previous_reason_code IS 'Reason before the change; NULL unless change_kind is changed';
COMMENT ON COLUMN reporting.listing_changes.reason_code IS 'Reason after the change (for inactive: Amazon''s issue code, or not_provided)';
COMMENT ON COLUMN reporting.listing_changes.reason_detail IS 'Human detail of the new reason';
COMMENT ON COLUMN reporting.listing_changes.previous_price IS 'Price before the change; always NULL when change_kind is not changed';
COMMENT ON COLUMN reporting.listing_changes.price IS 'Price after the change';
COMMENT ON COLUMN reporting.listing_changes.previous_quantity IS 'Quantity before the change; always NULL when change_kind is not changed';
COMMENT ON COLUMN reporting.listing_changes.quantity IS 'Quantity after the change';

CREATE OR REPLACE VIEW reporting.current_listings AS
SELECT
    h.store_id,
    h.listing_key,
    h.seller_sku,
    h.magento_sku,
    h.asin,
    h.status,
    h.reason_code,
    h.reason_detail,
    h.price,
    h.quantity,
    h.status_since,
    (epoch(c.last_tick_at) - epoch(h.status_since)) / 86400.0 AS days_in_status
FROM core.listing_history AS h
CROSS JOIN reporting.pipeline_clock AS c
WHERE h.valid_to IS NULL;
COMMENT ON VIEW reporting.current_listings IS 'Every listing and unlisted product as of the last tick, with how long it has been in its tab. Grain: store_id, listing_key.';
COMMENT ON COLUMN reporting.current_listings.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.current_listings.listing_key IS 'listing:<seller_sku> or product:<magento_sku>';
COMMENT ON COLUMN reporting.current_listings.seller_sku IS 'Amazon seller SKU; NULL for unlisted products';
COMMENT ON COLUMN reporting.current_listings.magento_sku IS 'Matched Magento product';
COMMENT ON COLUMN reporting.current_listings.asin IS 'ASIN';
COMMENT ON COLUMN reporting.current_listings.status IS 'Amazon Sales Channel tab';
COMMENT ON COLUMN reporting.current_listings.reason_code IS 'Why it is in that tab';
COMMENT ON COLUMN reporting.current_listings.reason_detail IS 'Human detail of the reason';
COMMENT ON COLUMN reporting.current_listings.price IS 'Current price (Amazon''s, or the Magento price for unlisted products)';
COMMENT ON COLUMN reporting.current_listings.quantity IS 'Current quantity';
COMMENT ON COLUMN reporting.current_listings.status_since IS 'When it entered its tab';
COMMENT ON COLUMN reporting.current_listings.days_in_status IS 'Days from status_since to the last tick';

CREATE OR REPLACE VIEW reporting.sync_issue_durations AS
SELECT
    i.store_id,
    i.kind,
    i.severity,
    i.subject,
    i.first_seen_at,
    i.resolved_at,
    i.resolved_at IS NULL AS still_open,
    (epoch(coalesce(i.resolved_at, c.last_tick_at)) - epoch(i.first_seen_at)) / 60.0
        AS open_minutes
FROM core.sync_issues AS i
CROSS JOIN reporting.pipeline_clock AS c;
COMMENT ON VIEW reporting.sync_issue_durations IS 'How long every sync issue stayed open (or has been open so far). Grain: one row per issue.';
COMMENT ON COLUMN reporting.sync_issue_durations.store_id IS 'Amazon store id, or magento';
COMMENT ON COLUMN reporting.sync_issue_durations.kind IS 'Sync issue kind';
COMMENT ON COLUMN reporting.sync_issue_durations.severity IS 'warning or error (as of the last tick that saw it)';
COMMENT ON COLUMN reporting.sync_issue_durations.subject IS 'What the issue is about (seller SKU, operation, dataset)';
COMMENT ON COLUMN reporting.sync_issue_durations.first_seen_at IS 'Tick that opened it';
COMMENT ON COLUMN reporting.sync_issue_durations.resolved_at IS 'Tick that no longer saw it; NULL while open';
COMMENT ON COLUMN reporting.sync_issue_durations.still_open IS 'True while the issue is open';
COMMENT ON COLUMN reporting.sync_issue_durations.open_minutes IS 'Minutes from first_seen_at to resolved_at, or to the last tick while open';

-- Issue 11, section 5: how long a change takes from first seen to shown by Amazon
-- (asc_pipelines/logic/sync_latency.py).
CREATE TABLE IF NOT EXISTS reporting.sync_latency (
    store_id VARCHAR NOT NULL,
    change_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    attribute VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    confirmed_at TIMESTAMPTZ,
    latency_minutes DOUBLE,
    sent_to_confirmed_minutes DOUBLE,
    waiting_minutes DOUBLE
);
COMMENT ON TABLE reporting.sync_latency IS 'One row per change of core.listing_outbox first seen by the last tick: how long Amazon took to show it (sync latency), or how long it has been waiting. Times by the sources'' clock (UTC); the clock starts at the tick that first saw the difference (Magento''s own updated_at is not used: stock changes do not move it, a later edit overwrites it, and a change of asc.yaml has none). Grain: store_id, change_id.';
COMMENT ON COLUMN reporting.sync_latency.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.sync_latency.change_id IS 'The change (core.listing_outbox.change_id)';
COMMENT ON COLUMN reporting.sync_latency.seller_sku IS 'The merchant-fulfilled listing changed';
COMMENT ON COLUMN reporting.sync_latency.attribute IS 'quantity or price';
COMMENT ON COLUMN reporting.sync_latency.value IS 'The value Amazon should show (as core.listing_outbox.value)';
COMMENT ON COLUMN reporting.sync_latency.status IS 'The change''s outbox status at the last tick: confirmed, superseded, or one still waiting (pending, sent, accepted, invalid, failed)';
COMMENT ON COLUMN reporting.sync_latency.first_seen_at IS 'Tick that first saw the difference between what Amazon showed and what it should show (UTC): where the latency starts';
COMMENT ON COLUMN reporting.sync_latency.sent_at IS 'Tick of the last live send (UTC); NULL if never sent (push mode off, dry_run or preview, or still queued)';
COMMENT ON COLUMN reporting.sync_latency.confirmed_at IS 'Tick whose listings snapshot first showed the value (UTC); NULL until then';
COMMENT ON COLUMN reporting.sync_latency.latency_minutes IS 'Sync latency: minutes from first_seen_at to confirmed_at; NULL until confirmed';
COMMENT ON COLUMN reporting.sync_latency.sent_to_confirmed_minutes IS 'Amazon''s part of the latency: minutes from the last live send to confirmed_at; NULL unless sent and confirmed';
COMMENT ON COLUMN reporting.sync_latency.waiting_minutes IS 'Minutes from first_seen_at to the last tick for a change neither confirmed nor superseded yet; NULL otherwise';

CREATE TABLE IF NOT EXISTS reporting.sync_latency_trend (
    store_id VARCHAR NOT NULL,
    day DATE NOT NULL,
    changes_seen BIGINT NOT NULL,
    confirmed BIGINT NOT NULL,
    superseded BIGINT NOT NULL,
    p50_minutes DOUBLE,
    p95_minutes DOUBLE,
    max_minutes DOUBLE,
    unconfirmed_at_end_of_day BIGINT NOT NULL
);
COMMENT ON TABLE reporting.sync_latency_trend IS 'Sync latency per store and UTC day, every day from the store''s first change to the last tick (zero days included): how many changes were seen, confirmed and superseded, the median and 95th percentile latency of the changes confirmed that day, and how many were still waiting at the end of it. Grain: store_id, day.';
COMMENT ON COLUMN reporting.sync_latency_trend.store_id IS 'Amazon store id';
COMMENT ON COLUMN reporting.sync_latency_trend.day IS 'UTC calendar day';
COMMENT ON COLUMN reporting.sync_latency_trend.changes_seen IS 'Changes first seen that day';
COMMENT ON COLUMN reporting.sync_latency_trend.confirmed IS 'Changes Amazon was first seen to show that day';
COMMENT ON COLUMN reporting.sync_latency_trend.superseded IS 'Changes replaced that day by a newer desired value before Amazon showed them';
COMMENT ON COLUMN reporting.sync_latency_trend.p50_minutes IS 'Median sync latency (minutes, interpolated) of the changes confirmed that day; NULL when none was';
COMMENT ON COLUMN reporting.sync_latency_trend.p95_minutes IS '95th percentile sync latency (minutes, interpolated) of the changes confirmed that day; NULL when none was';
COMMENT ON COLUMN reporting.sync_latency_trend.max_minutes IS 'Longest sync latency (minutes) of the changes confirmed that day; NULL when none was';
COMMENT ON COLUMN reporting.sync_latency_trend.unconfirmed_at_end_of_day IS 'Changes seen but neither confirmed nor superseded at the end of the day (for the last tick''s day: at the last tick); they are not in the percentiles';
