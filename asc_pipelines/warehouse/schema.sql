-- The raw layer: what Amazon and Magento said, typed, one current snapshot per store and source.
-- Names and columns here are an interface analysts rely on: change them only with a migration.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS reporting;

CREATE TABLE IF NOT EXISTS raw.amazon_listings (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    asin VARCHAR,
    product_id VARCHAR,
    product_id_type VARCHAR,
    item_name VARCHAR,
    item_description VARCHAR,
    listing_id VARCHAR,
    price DECIMAL(18, 2),
    quantity INTEGER,
    pending_quantity INTEGER,
    status VARCHAR,
    fulfillment_channel VARCHAR,
    item_condition VARCHAR,
    open_date TIMESTAMPTZ,
    open_date_raw VARCHAR,
    image_url VARCHAR,
    item_is_marketplace VARCHAR,
    will_ship_internationally VARCHAR,
    expedited_shipping VARCHAR,
    merchant_shipping_group VARCHAR,
    item_note VARCHAR,
    zshop_shipping_fee VARCHAR,
    zshop_category1 VARCHAR,
    zshop_browse_path VARCHAR,
    zshop_storefront_feature VARCHAR,
    zshop_boldface VARCHAR,
    asin2 VARCHAR,
    asin3 VARCHAR,
    add_delete VARCHAR,
    bid_for_featured_placement VARCHAR,
    minimum_order_quantity VARCHAR,
    sell_remainder VARCHAR,
    business_price VARCHAR,
    extra JSON,
    line_number BIGINT,
    report_id VARCHAR,
    snapshot_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, seller_sku)
);
COMMENT ON TABLE raw.amazon_listings IS 'Latest good All Listings report (GET_MERCHANT_LISTINGS_ALL_DATA) per Amazon store: one row per seller SKU. A failed or pending fetch keeps the previous snapshot.';
COMMENT ON COLUMN raw.amazon_listings.store_id IS 'Amazon store (Seller Central account + marketplace) from asc.yaml';
COMMENT ON COLUMN raw.amazon_listings.seller_sku IS 'The seller SKU of the listing (report column seller-sku)';
COMMENT ON COLUMN raw.amazon_listings.asin IS 'Amazon Standard Identification Number (report column asin1)';
COMMENT ON COLUMN raw.amazon_listings.product_id IS 'The identifier the listing was created with (report column product-id)';
COMMENT ON COLUMN raw.amazon_listings.product_id_type IS 'Type of product_id: ASIN, ISBN, UPC or EAN (report codes 1-4); other codes kept as given';
COMMENT ON COLUMN raw.amazon_listings.item_name IS 'Listing title as Amazon holds it (characters outside the report charset arrive as ?)';
COMMENT ON COLUMN raw.amazon_listings.item_description IS 'Listing description as Amazon holds it (report column item-description); NULL when the report has no such column';
COMMENT ON COLUMN raw.amazon_listings.listing_id IS 'Amazon''s own id of the offer (report column listing-id)';
COMMENT ON COLUMN raw.amazon_listings.price IS 'Listing price in the marketplace currency; NULL when the report left it blank';
COMMENT ON COLUMN raw.amazon_listings.quantity IS 'Merchant-fulfilled quantity; NULL for FBA rows and rows left blank';
COMMENT ON COLUMN raw.amazon_listings.pending_quantity IS 'Units held for orders not yet confirmed (report column pending-quantity); NULL when the report has no such column';
COMMENT ON COLUMN raw.amazon_listings.status IS 'Report status (Active, Inactive, Incomplete); NULL when the file has no status column';
COMMENT ON COLUMN raw.amazon_listings.fulfillment_channel IS 'DEFAULT = merchant fulfilled (FBM); AMAZON_NA/AMAZON_EU/... = fulfilled by Amazon (FBA)';
COMMENT ON COLUMN raw.amazon_listings.item_condition IS 'Report condition code (11 = New, 1-4 Used, 5-8 Collectible, 10 Refurbished)';
COMMENT ON COLUMN raw.amazon_listings.open_date IS 'When the listing was created, converted to UTC from the marketplace-localized text';
COMMENT ON COLUMN raw.amazon_listings.open_date_raw IS 'open-date exactly as the report wrote it';
COMMENT ON COLUMN raw.amazon_listings.image_url IS 'Main image URL (report column image-url), as given';
COMMENT ON COLUMN raw.amazon_listings.item_is_marketplace IS 'Legacy flag, as given: y for an Amazon Marketplace offer, n for a zShops one';
COMMENT ON COLUMN raw.amazon_listings.will_ship_internationally IS 'Whether the seller ships abroad (report column will-ship-internationally), as given';
COMMENT ON COLUMN raw.amazon_listings.expedited_shipping IS 'Expedited shipping options offered (report column expedited-shipping), as given';
COMMENT ON COLUMN raw.amazon_listings.merchant_shipping_group IS 'Seller Central shipping template of the listing (report column merchant-shipping-group)';
COMMENT ON COLUMN raw.amazon_listings.item_note IS 'Seller''s note on the item''s condition (report column item-note)';
COMMENT ON COLUMN raw.amazon_listings.zshop_shipping_fee IS 'Legacy zShops column, kept as given (usually empty)';
COMMENT ON COLUMN raw.amazon_listings.zshop_category1 IS 'Legacy zShops column, kept as given (usually empty)';
COMMENT ON COLUMN raw.amazon_listings.zshop_browse_path IS 'Legacy zShops column, kept as given (usually empty)';
COMMENT ON COLUMN raw.amazon_listings.zshop_storefront_feature IS 'Legacy zShops column, kept as given (usually empty)';
COMMENT ON COLUMN raw.amazon_listings.zshop_boldface IS 'Legacy zShops column, kept as given (usually empty)';
COMMENT ON COLUMN raw.amazon_listings.asin2 IS 'Legacy second ASIN column (report column asin2), usually empty';
COMMENT ON COLUMN raw.amazon_listings.asin3 IS 'Legacy third ASIN column (report column asin3), usually empty';
COMMENT ON COLUMN raw.amazon_listings.add_delete IS 'Legacy inventory-loader flag (report column add-delete), usually empty';
COMMENT ON COLUMN raw.amazon_listings.bid_for_featured_placement IS 'Legacy column (report column bid-for-featured-placement), usually empty';
COMMENT ON COLUMN raw.amazon_listings.minimum_order_quantity IS 'Amazon Business minimum order quantity, text as given (31-column reports)';
COMMENT ON COLUMN raw.amazon_listings.sell_remainder IS 'Amazon Business sell-remainder flag, text as given';
COMMENT ON COLUMN raw.amazon_listings.business_price IS 'Amazon Business price in the marketplace currency, text as given (not converted)';
COMMENT ON COLUMN raw.amazon_listings.extra IS 'Report columns this project has no named column for, keyed by their original header';
COMMENT ON COLUMN raw.amazon_listings.line_number IS 'Line of the report file the row came from (header = line 1)';
COMMENT ON COLUMN raw.amazon_listings.report_id IS 'Reports API reportId of the snapshot';
COMMENT ON COLUMN raw.amazon_listings.snapshot_at IS 'When the snapshot was taken, by the Amazon server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.amazon_listing_snapshots (
    store_id VARCHAR NOT NULL,
    report_id VARCHAR,
    snapshot_at TIMESTAMPTZ NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    header_variant VARCHAR,
    charset VARCHAR,
    bytes_downloaded BIGINT,
    run_id VARCHAR
);
COMMENT ON TABLE raw.amazon_listing_snapshots IS 'One row per listing snapshot that replaced a store''s rows in raw.amazon_listings';
COMMENT ON COLUMN raw.amazon_listing_snapshots.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN raw.amazon_listing_snapshots.report_id IS 'Reports API reportId of the report that was loaded';
COMMENT ON COLUMN raw.amazon_listing_snapshots.snapshot_at IS 'When the report was loaded, by the Amazon server clock (UTC); equals raw.amazon_listings.snapshot_at of its rows';
COMMENT ON COLUMN raw.amazon_listing_snapshots.rows_loaded IS 'Listings loaded into raw.amazon_listings';
COMMENT ON COLUMN raw.amazon_listing_snapshots.rows_rejected IS 'Report lines kept in raw.rejected_rows instead';
COMMENT ON COLUMN raw.amazon_listing_snapshots.header_variant IS 'Which known report header layout the file used';
COMMENT ON COLUMN raw.amazon_listing_snapshots.charset IS 'Python codec the report file was decoded with (cp1252, utf-8, shift_jis, ...)';
COMMENT ON COLUMN raw.amazon_listing_snapshots.bytes_downloaded IS 'Bytes of the report document received on the wire (compressed when Amazon sent gzip)';
COMMENT ON COLUMN raw.amazon_listing_snapshots.run_id IS 'Dagster run id of the tick that loaded it';

CREATE TABLE IF NOT EXISTS raw.amazon_listing_issues (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    asin VARCHAR,
    item_status VARCHAR[],
    code VARCHAR,
    message VARCHAR,
    severity VARCHAR,
    categories VARCHAR[],
    attribute_names VARCHAR[],
    enforcement_actions VARCHAR[],
    fetched_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE raw.amazon_listing_issues IS 'Current Amazon issues per listing (Listings Items API, listings with ERROR or WARNING issues): one row per issue';
COMMENT ON COLUMN raw.amazon_listing_issues.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN raw.amazon_listing_issues.seller_sku IS 'The listing the issue is about';
COMMENT ON COLUMN raw.amazon_listing_issues.asin IS 'ASIN of the listing as the Listings Items API returned it; NULL when none';
COMMENT ON COLUMN raw.amazon_listing_issues.item_status IS 'Listing status on Amazon: BUYABLE and/or DISCOVERABLE, empty when neither';
COMMENT ON COLUMN raw.amazon_listing_issues.code IS 'Amazon issue code, e.g. 90220';
COMMENT ON COLUMN raw.amazon_listing_issues.message IS 'Amazon''s human-readable description of the issue, in the marketplace language';
COMMENT ON COLUMN raw.amazon_listing_issues.severity IS 'ERROR, WARNING or INFO';
COMMENT ON COLUMN raw.amazon_listing_issues.categories IS 'Issue categories such as MISSING_ATTRIBUTE, INVALID_PRICE';
COMMENT ON COLUMN raw.amazon_listing_issues.attribute_names IS 'Listing attributes the issue is about';
COMMENT ON COLUMN raw.amazon_listing_issues.enforcement_actions IS 'What Amazon did about it, e.g. LISTING_SUPPRESSED';
COMMENT ON COLUMN raw.amazon_listing_issues.fetched_at IS 'When the issues were fetched, by the Amazon server clock';

CREATE TABLE IF NOT EXISTS raw.amazon_orders (
    store_id VARCHAR NOT NULL,
    amazon_order_id VARCHAR NOT NULL PRIMARY KEY,
    marketplace_id VARCHAR,
    purchase_date TIMESTAMPTZ,
    last_update_date TIMESTAMPTZ,
    order_status VARCHAR,
    fulfillment_channel VARCHAR,
    sales_channel VARCHAR,
    order_type VARCHAR,
    currency VARCHAR,
    order_total DECIMAL(18, 2),
    number_of_items_shipped INTEGER,
    number_of_items_unshipped INTEGER,
    is_business_order BOOLEAN,
    is_prime BOOLEAN,
    order_json JSON,
    fetched_at TIMESTAMPTZ NOT NULL,
    items_fetched_at TIMESTAMPTZ
);
COMMENT ON TABLE raw.amazon_orders IS 'Amazon orders (Orders API v0), fetched incrementally by LastUpdateDate and deduplicated on AmazonOrderId';
COMMENT ON COLUMN raw.amazon_orders.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN raw.amazon_orders.amazon_order_id IS 'AmazonOrderId, e.g. 113-1234567-1234567; unique across stores';
COMMENT ON COLUMN raw.amazon_orders.marketplace_id IS 'Amazon marketplace id of the order (MarketplaceId, e.g. ATVPDKIKX0DER for US)';
COMMENT ON COLUMN raw.amazon_orders.purchase_date IS 'When the order was placed (PurchaseDate), UTC';
COMMENT ON COLUMN raw.amazon_orders.last_update_date IS 'When Amazon last changed the order (LastUpdateDate), UTC; incremental fetches follow it';
COMMENT ON COLUMN raw.amazon_orders.order_status IS 'Pending, Unshipped, PartiallyShipped, Shipped, Canceled, ...';
COMMENT ON COLUMN raw.amazon_orders.fulfillment_channel IS 'MFN = shipped by the merchant (FBM), AFN = fulfilled by Amazon (FBA)';
COMMENT ON COLUMN raw.amazon_orders.sales_channel IS 'Where it was sold, e.g. Amazon.com, Amazon.co.uk';
COMMENT ON COLUMN raw.amazon_orders.order_type IS 'StandardOrder, LongLeadTimeOrder, Preorder, BackOrder or SourcingOnDemandOrder';
COMMENT ON COLUMN raw.amazon_orders.currency IS 'ISO 4217 currency of order_total (OrderTotal.CurrencyCode); NULL when Amazon gave no total';
COMMENT ON COLUMN raw.amazon_orders.order_total IS 'OrderTotal.Amount in currency; NULL for Pending orders (Amazon omits it)';
COMMENT ON COLUMN raw.amazon_orders.number_of_items_shipped IS 'Units of the order already shipped';
COMMENT ON COLUMN raw.amazon_orders.number_of_items_unshipped IS 'Units of the order not shipped yet';
COMMENT ON COLUMN raw.amazon_orders.is_business_order IS 'True for an Amazon Business order';
COMMENT ON COLUMN raw.amazon_orders.is_prime IS 'True for an order placed with Prime shipping';
COMMENT ON COLUMN raw.amazon_orders.order_json IS 'The Order object as Amazon returned it';
COMMENT ON COLUMN raw.amazon_orders.fetched_at IS 'When this version of the order was fetched, by the Amazon server clock (UTC)';
COMMENT ON COLUMN raw.amazon_orders.items_fetched_at IS 'When the order items were last fetched; NULL = still to fetch (the next tick does)';

CREATE TABLE IF NOT EXISTS raw.amazon_order_items (
    store_id VARCHAR NOT NULL,
    amazon_order_id VARCHAR NOT NULL,
    order_item_id VARCHAR NOT NULL,
    asin VARCHAR,
    seller_sku VARCHAR,
    title VARCHAR,
    quantity_ordered INTEGER,
    quantity_shipped INTEGER,
    currency VARCHAR,
    item_price DECIMAL(18, 2),
    condition_id VARCHAR,
    item_json JSON,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (amazon_order_id, order_item_id)
);
COMMENT ON TABLE raw.amazon_order_items IS 'Lines of Amazon orders (getOrderItems), deduplicated on AmazonOrderId + OrderItemId';
COMMENT ON COLUMN raw.amazon_order_items.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN raw.amazon_order_items.amazon_order_id IS 'The order (raw.amazon_orders.amazon_order_id)';
COMMENT ON COLUMN raw.amazon_order_items.order_item_id IS 'OrderItemId: the line, unique within the order';
COMMENT ON COLUMN raw.amazon_order_items.asin IS 'ASIN sold';
COMMENT ON COLUMN raw.amazon_order_items.seller_sku IS 'Seller SKU of the listing sold (matches raw.amazon_listings.seller_sku)';
COMMENT ON COLUMN raw.amazon_order_items.title IS 'Product title as shown on the order';
COMMENT ON COLUMN raw.amazon_order_items.quantity_ordered IS 'Units ordered on the line';
COMMENT ON COLUMN raw.amazon_order_items.quantity_shipped IS 'Units of the line already shipped';
COMMENT ON COLUMN raw.amazon_order_items.currency IS 'ISO 4217 currency of item_price (ItemPrice.CurrencyCode)';
COMMENT ON COLUMN raw.amazon_order_items.item_price IS 'ItemPrice.Amount: the line total for quantity_ordered units';
COMMENT ON COLUMN raw.amazon_order_items.condition_id IS 'Condition of the item sold: New, Used, Collectible, Refurbished or Club';
COMMENT ON COLUMN raw.amazon_order_items.item_json IS 'The OrderItem object as Amazon returned it';
COMMENT ON COLUMN raw.amazon_order_items.fetched_at IS 'When the line was fetched, by the Amazon server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.magento_products (
    sku VARCHAR NOT NULL PRIMARY KEY,
    entity_id BIGINT,
    type_id VARCHAR,
    name VARCHAR,
    status INTEGER,
    visibility INTEGER,
    price DECIMAL(18, 4),
    website_codes VARCHAR[],
    asin VARCHAR,
    upc VARCHAR,
    ean VARCHAR,
    isbn VARCHAR,
    gtin VARCHAR,
    condition VARCHAR,
    required_options INTEGER,
    salable_qty BIGINT,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    fetched_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE raw.magento_products IS 'The Magento catalog (REST /V1/products, global scope): one row per product, kept current by updated_at increments plus a periodic full pull';
COMMENT ON COLUMN raw.magento_products.sku IS 'Magento SKU: the product key everywhere (core tables call it magento_sku)';
COMMENT ON COLUMN raw.magento_products.entity_id IS 'Magento product entity id';
COMMENT ON COLUMN raw.magento_products.type_id IS 'Magento product type: simple, virtual, configurable, bundle, grouped or downloadable';
COMMENT ON COLUMN raw.magento_products.name IS 'Product name (global scope)';
COMMENT ON COLUMN raw.magento_products.status IS '1 = enabled, 2 = disabled';
COMMENT ON COLUMN raw.magento_products.visibility IS '1 Not Visible Individually, 2 Catalog, 3 Search, 4 Catalog and Search';
COMMENT ON COLUMN raw.magento_products.price IS 'Magento price at global scope, in the catalog''s base currency';
COMMENT ON COLUMN raw.magento_products.website_codes IS 'Codes of the Magento websites the product is assigned to';
COMMENT ON COLUMN raw.magento_products.asin IS 'ASIN from the configured attribute (default amazon_asin)';
COMMENT ON COLUMN raw.magento_products.upc IS 'UPC as entered in Magento (not validated here)';
COMMENT ON COLUMN raw.magento_products.ean IS 'EAN as entered in Magento (configured attribute, default ean; not validated here)';
COMMENT ON COLUMN raw.magento_products.isbn IS 'ISBN as entered in Magento (configured attribute, default isbn; not validated here)';
COMMENT ON COLUMN raw.magento_products.gtin IS 'GTIN as entered in Magento (configured attribute, default gtin; not validated here)';
COMMENT ON COLUMN raw.magento_products.condition IS 'Amazon condition from the configured attribute (default amazon_condition)';
COMMENT ON COLUMN raw.magento_products.required_options IS '1 when the product has required options (cannot be listed as is)';
COMMENT ON COLUMN raw.magento_products.salable_qty IS 'Sum of enabled MSI source item quantities, floored; 0 without source items';
COMMENT ON COLUMN raw.magento_products.created_at IS 'Magento created_at (UTC)';
COMMENT ON COLUMN raw.magento_products.updated_at IS 'Magento updated_at (UTC); stock changes do not move it';
COMMENT ON COLUMN raw.magento_products.fetched_at IS 'When this row was last fetched, by the Magento server clock';

CREATE TABLE IF NOT EXISTS raw.magento_source_items (
    sku VARCHAR NOT NULL,
    source_code VARCHAR NOT NULL,
    quantity DECIMAL(18, 4),
    status INTEGER,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sku, source_code)
);
COMMENT ON TABLE raw.magento_source_items IS 'Magento MSI source items (stock per source), pulled in full every tick because stock changes do not bump product updated_at';
COMMENT ON COLUMN raw.magento_source_items.sku IS 'Magento SKU of the product';
COMMENT ON COLUMN raw.magento_source_items.source_code IS 'MSI source (warehouse) code, e.g. default';
COMMENT ON COLUMN raw.magento_source_items.quantity IS 'Units at the source (Magento allows fractional quantities)';
COMMENT ON COLUMN raw.magento_source_items.status IS '1 = in stock / enabled, 0 = out of stock / disabled';
COMMENT ON COLUMN raw.magento_source_items.fetched_at IS 'When the source items were pulled, by the Magento server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.magento_store_views (
    store_view_code VARCHAR NOT NULL PRIMARY KEY,
    store_view_id BIGINT NOT NULL,
    website_id BIGINT NOT NULL,
    website_code VARCHAR,
    store_group_id BIGINT,
    is_default_view BOOLEAN NOT NULL,
    is_active BOOLEAN NOT NULL,
    base_currency_code VARCHAR,
    default_display_currency_code VARCHAR,
    fetched_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE raw.magento_store_views IS 'Magento store views (REST /V1/store/storeViews, storeGroups and storeConfigs), read when magento.price_scope is website or a store converts at Magento''s rate: which website each view belongs to and the currency its prices are in';
COMMENT ON COLUMN raw.magento_store_views.store_view_code IS 'Store view code, as in /rest/<code>/V1/...';
COMMENT ON COLUMN raw.magento_store_views.store_view_id IS 'Store view id (0 is the admin view, not kept here)';
COMMENT ON COLUMN raw.magento_store_views.website_id IS 'Id of the website the view belongs to';
COMMENT ON COLUMN raw.magento_store_views.website_code IS 'Code of that website (a store''s website in asc.yaml)';
COMMENT ON COLUMN raw.magento_store_views.store_group_id IS 'Store group (Magento''s "store") the view belongs to';
COMMENT ON COLUMN raw.magento_store_views.is_default_view IS 'True for the default view of its website''s default store group: the view a store''s website prices are read through unless asc.yaml names one';
COMMENT ON COLUMN raw.magento_store_views.is_active IS 'Whether the view is enabled in Magento';
COMMENT ON COLUMN raw.magento_store_views.base_currency_code IS 'Base currency of the view''s website (storeConfigs): the currency of the prices read through the view';
COMMENT ON COLUMN raw.magento_store_views.default_display_currency_code IS 'Currency the website shows shoppers by default (storeConfigs)';
COMMENT ON COLUMN raw.magento_store_views.fetched_at IS 'When it was read, by the Magento server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.magento_website_prices (
    store_view_code VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    price DECIMAL(18, 4),
    updated_at TIMESTAMPTZ,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_view_code, sku)
);
COMMENT ON TABLE raw.magento_website_prices IS 'Each product''s price for a website, read through one of its store views (REST /rest/<view>/V1/products, fields sku, price, updated_at) when magento.price_scope is website; only the views a store reads; pulled with the catalog, incrementally by updated_at';
COMMENT ON COLUMN raw.magento_website_prices.store_view_code IS 'The store view the price was read through (raw.magento_store_views)';
COMMENT ON COLUMN raw.magento_website_prices.sku IS 'Magento SKU of the product';
COMMENT ON COLUMN raw.magento_website_prices.price IS 'Price at that website, in the website''s base currency (Magento answers with the global value where the website has none); NULL when the product has no price';
COMMENT ON COLUMN raw.magento_website_prices.updated_at IS 'Magento updated_at of the product (UTC)';
COMMENT ON COLUMN raw.magento_website_prices.fetched_at IS 'When this row was last fetched, by the Magento server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.magento_currency_rates (
    scope_code VARCHAR NOT NULL,
    base_currency_code VARCHAR NOT NULL,
    currency_to VARCHAR NOT NULL,
    rate DECIMAL(24, 12),
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope_code, currency_to)
);
COMMENT ON TABLE raw.magento_currency_rates IS 'Magento''s currency rates (REST /rest/<scope>/V1/directory/currency, Stores > Currency Rates), read every catalog pull for the global scope and each store view a store reads, when a store converts at Magento''s rate (price.currency_rate: magento) or magento.price_scope is website';
COMMENT ON COLUMN raw.magento_currency_rates.scope_code IS 'all (the global scope) or the store view code the rates were read through';
COMMENT ON COLUMN raw.magento_currency_rates.base_currency_code IS 'Base currency of that scope: the currency the rate converts from';
COMMENT ON COLUMN raw.magento_currency_rates.currency_to IS 'An allowed currency of that scope: the currency the rate converts into';
COMMENT ON COLUMN raw.magento_currency_rates.rate IS 'Units of currency_to per unit of base_currency_code; NULL when Magento has no rate for them';
COMMENT ON COLUMN raw.magento_currency_rates.fetched_at IS 'When it was read, by the Magento server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.api_errors (
    store_id VARCHAR,
    operation VARCHAR NOT NULL,
    http_status INTEGER,
    code VARCHAR,
    message VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE raw.api_errors IS 'Every failed fetch: which store (or magento), which operation, what the service said. Never contains credentials.';
COMMENT ON COLUMN raw.api_errors.store_id IS 'Amazon store id, or magento for the Magento catalog';
COMMENT ON COLUMN raw.api_errors.operation IS 'SP-API operationId (createReport, getOrders, ...) or magento.* operation';
COMMENT ON COLUMN raw.api_errors.http_status IS 'HTTP status, NULL for connection failures and parse errors';
COMMENT ON COLUMN raw.api_errors.code IS 'Error code the service gave (QuotaExceeded, invalid_grant, FATAL, ...) or the failure kind';
COMMENT ON COLUMN raw.api_errors.message IS 'What went wrong, credentials removed, at most 2,000 characters';
COMMENT ON COLUMN raw.api_errors.occurred_at IS 'When, by the source server clock (UTC); this machine''s clock when the server never answered';
COMMENT ON COLUMN raw.api_errors.run_id IS 'Dagster run id of the tick';

CREATE TABLE IF NOT EXISTS raw.rejected_rows (
    source VARCHAR NOT NULL,
    store_id VARCHAR,
    line_number BIGINT,
    raw_line VARCHAR,
    reason VARCHAR NOT NULL,
    rejected_at TIMESTAMPTZ NOT NULL,
    report_id VARCHAR
);
COMMENT ON TABLE raw.rejected_rows IS 'Input rows of the current snapshot (per source and store) that could not be loaded, with the reason; nothing is dropped silently';
COMMENT ON COLUMN raw.rejected_rows.source IS 'Where the row came from, e.g. amazon_listings_report';
COMMENT ON COLUMN raw.rejected_rows.store_id IS 'Amazon store id the report belongs to';
COMMENT ON COLUMN raw.rejected_rows.line_number IS 'Line of the report file (header = line 1)';
COMMENT ON COLUMN raw.rejected_rows.raw_line IS 'The line as received (decoded), tabs included';
COMMENT ON COLUMN raw.rejected_rows.reason IS 'Why the line was not loaded; several reasons joined with ''; '' (wrong field count, bad bytes, price/quantity not a number, open-date unparseable, empty or duplicate seller-sku)';
COMMENT ON COLUMN raw.rejected_rows.rejected_at IS 'Snapshot time of the report, by the Amazon server clock (UTC)';
COMMENT ON COLUMN raw.rejected_rows.report_id IS 'Reports API reportId of the report the line came from';

CREATE TABLE IF NOT EXISTS raw.store_fetches (
    run_id VARCHAR,
    store_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    rows_loaded BIGINT,
    rows_rejected BIGINT,
    seconds DOUBLE,
    message VARCHAR,
    finished_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ
);
-- Files from before the column get it empty (older rows have no machine time).
ALTER TABLE raw.store_fetches ADD COLUMN IF NOT EXISTS recorded_at TIMESTAMPTZ;
COMMENT ON TABLE raw.store_fetches IS 'One row per store, dataset and tick: did the fetch succeed (ok), wait for Amazon (pending) or fail (failed)';
COMMENT ON COLUMN raw.store_fetches.run_id IS 'Dagster run id of the tick';
COMMENT ON COLUMN raw.store_fetches.store_id IS 'Amazon store id, or magento for the Magento catalog';
COMMENT ON COLUMN raw.store_fetches.dataset IS 'amazon_listings, amazon_listing_issues, amazon_orders, asin_lookups, magento_catalog or amazon_listing_pushes (a store whose push.mode sends: rows_loaded listings sent, rows_rejected refused)';
COMMENT ON COLUMN raw.store_fetches.outcome IS 'ok, pending (report still processing; kept for the next tick) or failed (see raw.api_errors)';
COMMENT ON COLUMN raw.store_fetches.rows_loaded IS 'Rows landed by the fetch (report listings, issues, orders fetched, products fetched, identifiers answered by the catalog); NULL when nothing landed (report pending, or failed before writing)';
COMMENT ON COLUMN raw.store_fetches.rows_rejected IS 'Report lines rejected into raw.rejected_rows (listings only); NULL otherwise';
COMMENT ON COLUMN raw.store_fetches.seconds IS 'Wall-clock seconds the fetch took on this machine';
COMMENT ON COLUMN raw.store_fetches.message IS 'Note or failure message (e.g. report still processing, orders waiting for their lines); NULL when there is none';
COMMENT ON COLUMN raw.store_fetches.finished_at IS 'When the fetch finished, by the source server clock (UTC), never earlier than the store''s previous fetch. A failed fetch is placed on the same timeline: the store''s last answered time plus the time this machine counted since (this machine''s clock when the store never answered). The tick''s time (reporting.pipeline_clock)';
COMMENT ON COLUMN raw.store_fetches.recorded_at IS 'When the row was written, by this machine''s clock (UTC): what places a failed fetch on the source''s timeline; NULL on rows from before the column';

CREATE TABLE IF NOT EXISTS raw.report_requests (
    store_id VARCHAR NOT NULL,
    report_type VARCHAR NOT NULL,
    report_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    document_id VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, report_type)
);
COMMENT ON TABLE raw.report_requests IS 'Report requests still in flight at Amazon; the next tick picks them up instead of asking again';
COMMENT ON COLUMN raw.report_requests.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN raw.report_requests.report_type IS 'Reports API report type, e.g. GET_MERCHANT_LISTINGS_ALL_DATA';
COMMENT ON COLUMN raw.report_requests.report_id IS 'Reports API reportId of the request';
COMMENT ON COLUMN raw.report_requests.status IS 'processingStatus last seen: IN_QUEUE or IN_PROGRESS (a request leaves this table when its report is loaded, ends FATAL or CANCELLED, or is abandoned)';
COMMENT ON COLUMN raw.report_requests.requested_at IS 'When the report was requested, by the Amazon server clock (UTC); a request too old is abandoned';
COMMENT ON COLUMN raw.report_requests.document_id IS 'reportDocumentId once Amazon has finished the report; NULL until then';
COMMENT ON COLUMN raw.report_requests.updated_at IS 'Last tick that checked the request, by the Amazon server clock (UTC)';

CREATE TABLE IF NOT EXISTS raw.source_watermarks (
    store_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    watermark TIMESTAMPTZ,
    last_full_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, dataset)
);
COMMENT ON TABLE raw.source_watermarks IS 'How far each incremental fetch got: the next tick asks only for what changed since (minus an overlap)';
COMMENT ON COLUMN raw.source_watermarks.store_id IS 'Amazon store id, or magento for the Magento catalog';
COMMENT ON COLUMN raw.source_watermarks.dataset IS 'amazon_orders (by LastUpdateDate) or magento_catalog (by updated_at)';
COMMENT ON COLUMN raw.source_watermarks.watermark IS 'Where the next incremental fetch starts (minus an overlap), by the source''s clock (UTC); NULL before the first fetch';
COMMENT ON COLUMN raw.source_watermarks.last_full_at IS 'Last full reconciliation (Magento catalog)';
COMMENT ON COLUMN raw.source_watermarks.updated_at IS 'When the watermark last moved, by the source server clock (UTC)';
