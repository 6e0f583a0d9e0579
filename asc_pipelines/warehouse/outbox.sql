-- Issue 11, sections 2 and 3: what the pipeline asks Amazon to change, and how it went.
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.listing_outbox (
    change_id VARCHAR PRIMARY KEY,
    idempotency_key VARCHAR NOT NULL,
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    attribute VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    amazon_value VARCHAR,
    priority INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    confirmed_at TIMESTAMPTZ,
    checked_mode VARCHAR,
    last_request JSON,
    submission_id VARCHAR,
    last_verdict VARCHAR,
    last_issues VARCHAR,
    last_error VARCHAR
);
COMMENT ON TABLE core.listing_outbox IS 'Changes to send to Amazon: one row per store, merchant-fulfilled listing, attribute (quantity, price) and value that Amazon did not show, and (stores with push.publish) one offer per Ready to List product to list, from first seen to confirmed by a later listings snapshot (or superseded by a newer value); kept for every store whatever its push mode';
COMMENT ON COLUMN core.listing_outbox.change_id IS 'Id of this change: md5 of idempotency_key and first_seen_at (a value that comes back after being confirmed or superseded is a new change)';
COMMENT ON COLUMN core.listing_outbox.idempotency_key IS 'md5 of store_id, seller_sku, attribute and value: one live change per key, so the same value is never queued twice';
COMMENT ON COLUMN core.listing_outbox.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.listing_outbox.seller_sku IS 'The merchant-fulfilled Amazon listing to change (never an FBA listing); for an offer, the seller SKU of the new listing: the product''s Magento SKU';
COMMENT ON COLUMN core.listing_outbox.attribute IS 'What changes: quantity (fulfillment_availability, DEFAULT channel), price (purchasable_offer, marketplace currency) or offer (a new listing of a Ready to List product: putListingsItem LISTING_OFFER_ONLY with its ASIN, condition, quantity and price)';
COMMENT ON COLUMN core.listing_outbox.value IS 'The value Amazon should show, as core.desired_listings had it when the change was seen (quantity in units, price with 4 decimals, the ASIN of an offer); what is sent is read again from core.desired_listings at send time and must equal it (an offer sends the condition, quantity and price desired then)';
COMMENT ON COLUMN core.listing_outbox.amazon_value IS 'What the listings snapshot showed when the change was first seen (NULL: blank in the report); for an offer, the ASIN of a listing that already holds the seller SKU (NULL: none)';
COMMENT ON COLUMN core.listing_outbox.priority IS 'Send order, lowest first: 0 a quantity dropping to 0 (overselling risk), 1 another quantity, 2 a price, 3 a new listing (offer; sent within what the listing changes left of push.max_patches_per_tick)';
COMMENT ON COLUMN core.listing_outbox.status IS 'pending (to send), sent (recorded before the call; a later tick with no answer sends it again), accepted (Amazon queued it; not done until a snapshot shows it; pending again when a snapshot taken push.resend_after_minutes after the last send still does not show it), invalid (Amazon refused it, or for an offer the pipeline did, last_verdict REFUSED; not resent until the desired value changes), confirmed (a snapshot shows the value), superseded (a newer desired value replaced it), failed (given up after push.max_attempts sends: calls failed in transport, or accepted but never shown)';
COMMENT ON COLUMN core.listing_outbox.attempts IS 'Live sends recorded so far, resends of an accepted change never shown included (previews and dry runs do not count)';
COMMENT ON COLUMN core.listing_outbox.first_seen_at IS 'Tick that first saw the difference, by the sources'' clock (UTC)';
COMMENT ON COLUMN core.listing_outbox.updated_at IS 'Tick of the last change of status or verdict (UTC)';
COMMENT ON COLUMN core.listing_outbox.sent_at IS 'Tick of the last live send, recorded before the call (UTC); NULL if never sent';
COMMENT ON COLUMN core.listing_outbox.confirmed_at IS 'Tick whose listings snapshot first showed the value (UTC); NULL until then';
COMMENT ON COLUMN core.listing_outbox.checked_mode IS 'dry_run or preview when the change was last recorded or validated without being sent, so each mode looks at a change once; NULL otherwise';
COMMENT ON COLUMN core.listing_outbox.last_request IS 'The patchListingsItem body last sent, previewed or (dry_run) that would have been sent: productType and JSON Patch operations; for an offer the putListingsItem body: productType (null in a dry run: looked up when sent), requirements and attributes';
COMMENT ON COLUMN core.listing_outbox.submission_id IS 'Amazon''s submissionId of the last answer';
COMMENT ON COLUMN core.listing_outbox.last_verdict IS 'Amazon''s last answer: ACCEPTED, INVALID or VALID (a preview); WOULD_SEND for a dry run; REFUSED for an offer the pipeline would not send (its seller SKU is longer than 40 characters, has edge spaces or is held by a listing of another ASIN; pending again once that is no longer so); NULL before any';
COMMENT ON COLUMN core.listing_outbox.last_issues IS 'Amazon''s issues of the last answer, one per line: severity code [attributes]: message (for a REFUSED offer, why it was not sent); NULL when none';
COMMENT ON COLUMN core.listing_outbox.last_error IS 'Why the last call failed in transport (throttled, 5xx, refused connection ...), NULL after an answer; or, for a change given up after accepted sends, that no snapshot showed it';

CREATE TABLE IF NOT EXISTS core.listing_product_types (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    product_type VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, seller_sku)
);
COMMENT ON TABLE core.listing_product_types IS 'Amazon product type of each listing the pipeline patched, read once from getListingsItem summaries (a patch must name it)';
COMMENT ON COLUMN core.listing_product_types.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.listing_product_types.seller_sku IS 'The Amazon listing';
COMMENT ON COLUMN core.listing_product_types.product_type IS 'Amazon product type (PRODUCT, HOME, ...) as getListingsItem summaries give it for the store''s marketplace';
COMMENT ON COLUMN core.listing_product_types.fetched_at IS 'Tick that read it (UTC)';

CREATE TABLE IF NOT EXISTS core.listing_feeds (
    feed_ref VARCHAR PRIMARY KEY,
    store_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    messages INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    feed_document_id VARCHAR,
    feed_id VARCHAR,
    submitted_at TIMESTAMPTZ,
    processing_status VARCHAR,
    checked_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    accepted INTEGER,
    invalid INTEGER,
    last_error VARCHAR
);
COMMENT ON TABLE core.listing_feeds IS 'JSON_LISTINGS_FEED uploads: one row per feed the pipeline prepared for a store (many listing changes at once), recorded before its upload, from preparing to done, fatal, cancelled, given up or abandoned';
COMMENT ON COLUMN core.listing_feeds.feed_ref IS 'Our id of the feed, known before Amazon gives it a feedId';
COMMENT ON COLUMN core.listing_feeds.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.listing_feeds.status IS 'preparing (recorded, its changes sent; not yet handed to Amazon), submitted (createFeed answered: polled with getFeed every tick), done (processed: each change accepted or invalid by the processing report), fatal or cancelled (Amazon processed none of it: its changes pending again), given_up (not processed within push.feed_give_up_minutes: cancelled if Amazon still could, its changes sent as patches), abandoned (the process stopped before createFeed answered: its changes pending again)';
COMMENT ON COLUMN core.listing_feeds.messages IS 'Messages in the feed, one per listing (its quantity and price changes together)';
COMMENT ON COLUMN core.listing_feeds.created_at IS 'Tick that prepared the feed (UTC)';
COMMENT ON COLUMN core.listing_feeds.feed_document_id IS 'Amazon''s feedDocumentId of the upload; NULL until createFeedDocument answered';
COMMENT ON COLUMN core.listing_feeds.feed_id IS 'Amazon''s feedId; NULL until createFeed answered';
COMMENT ON COLUMN core.listing_feeds.submitted_at IS 'Tick whose createFeed answered (UTC)';
COMMENT ON COLUMN core.listing_feeds.processing_status IS 'Amazon''s processingStatus at the last getFeed: IN_QUEUE, IN_PROGRESS, DONE, CANCELLED or FATAL';
COMMENT ON COLUMN core.listing_feeds.checked_at IS 'Tick of the last getFeed (UTC)';
COMMENT ON COLUMN core.listing_feeds.finished_at IS 'Tick that recorded the feed done, fatal, cancelled, given up or abandoned (UTC)';
COMMENT ON COLUMN core.listing_feeds.accepted IS 'Messages the processing report accepted (no ERROR issue); NULL before it was read';
COMMENT ON COLUMN core.listing_feeds.invalid IS 'Messages the processing report refused (an ERROR issue); NULL before it was read';
COMMENT ON COLUMN core.listing_feeds.last_error IS 'Why the feed failed or was given up, or the last failed call about it';

CREATE TABLE IF NOT EXISTS core.listing_feed_messages (
    feed_ref VARCHAR NOT NULL,
    message_id INTEGER NOT NULL,
    seller_sku VARCHAR NOT NULL,
    change_ids VARCHAR[] NOT NULL,
    PRIMARY KEY (feed_ref, message_id)
);
COMMENT ON TABLE core.listing_feed_messages IS 'What each message of a JSON_LISTINGS_FEED carries: the listing and the outbox changes it settles, so the processing report (issues by messageId) maps back to them';
COMMENT ON COLUMN core.listing_feed_messages.feed_ref IS 'The feed (core.listing_feeds.feed_ref)';
COMMENT ON COLUMN core.listing_feed_messages.message_id IS 'The message''s messageId in the feed, counted from 1';
COMMENT ON COLUMN core.listing_feed_messages.seller_sku IS 'The Amazon listing the message changes';
COMMENT ON COLUMN core.listing_feed_messages.change_ids IS 'core.listing_outbox.change_id of the changes the message carries';

CREATE TABLE IF NOT EXISTS core.listing_outbox_purges (
    id INTEGER PRIMARY KEY,
    purged_before TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE core.listing_outbox_purges IS 'How far old settled listing changes were purged (one row): confirmed and superseded changes, and ended feeds, from before purged_before are gone from core.listing_outbox and core.listing_feeds; reporting.sync_latency_trend keeps its rows for those days';
COMMENT ON COLUMN core.listing_outbox_purges.id IS 'Always 1 (a single row)';
COMMENT ON COLUMN core.listing_outbox_purges.purged_before IS 'Start of the UTC day before which settled changes were purged (outbox.keep_settled_days before the tick that purged)';
