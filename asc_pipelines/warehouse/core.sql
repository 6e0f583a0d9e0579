-- The core layer: identifiers, matches, eligibility, ASIN look-ups and listing statuses.
-- Rebuilt from the raw layer every tick except the caches (identifier_cache, asin_lookups) and
-- match_history, which remembers which product a store's listings have matched.

CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.identifier_cache (
    kind VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    gtin14 VARCHAR,
    problem VARCHAR,
    PRIMARY KEY (kind, value)
);
COMMENT ON TABLE core.identifier_cache IS 'Every identifier value seen, normalized once with python-stdnum: UPC-A, EAN-8/13, GTIN-14 and ISBN-10/13 as a 14-digit GTIN, or the problem that made it unusable';
COMMENT ON COLUMN core.identifier_cache.kind IS 'upc, ean, isbn or gtin';
COMMENT ON COLUMN core.identifier_cache.value IS 'The value exactly as Magento or Amazon gave it';
COMMENT ON COLUMN core.identifier_cache.gtin14 IS '14-digit GTIN; NULL when the value is unusable';
COMMENT ON COLUMN core.identifier_cache.problem IS 'Why the value is unusable (bad check digit, wrong length, not digits); NULL when usable';

CREATE TABLE IF NOT EXISTS core.identifier_problems (
    source VARCHAR NOT NULL,
    store_id VARCHAR,
    sku VARCHAR NOT NULL,
    attribute VARCHAR NOT NULL,
    value VARCHAR,
    problem VARCHAR NOT NULL
);
COMMENT ON TABLE core.identifier_problems IS 'Identifiers that cannot be used for matching (bad check digit, wrong length): never guessed, reported here';
COMMENT ON COLUMN core.identifier_problems.source IS 'magento (a product attribute) or amazon (a listing''s product-id)';
COMMENT ON COLUMN core.identifier_problems.store_id IS 'The Amazon store for amazon rows; NULL for Magento products';
COMMENT ON COLUMN core.identifier_problems.sku IS 'Magento SKU or Amazon seller SKU';
COMMENT ON COLUMN core.identifier_problems.attribute IS 'upc, ean, isbn, gtin, or product-id for Amazon';
COMMENT ON COLUMN core.identifier_problems.value IS 'The identifier exactly as Magento or Amazon gave it';
COMMENT ON COLUMN core.identifier_problems.problem IS 'Why it is unusable: check digit does not match, wrong number of digits, not a number, not a valid prefix, <n> digits is not a valid <TYPE> length, or empty';

CREATE TABLE IF NOT EXISTS core.product_matches (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    asin VARCHAR,
    magento_sku VARCHAR,
    method VARCHAR,
    candidate_count INTEGER NOT NULL,
    shared_product BOOLEAN NOT NULL,
    matched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, seller_sku)
);
COMMENT ON TABLE core.product_matches IS 'Every Amazon listing of the latest snapshot and the Magento product it matches, by the first rule that finds candidates: seller_sku, then asin, then product_id';
COMMENT ON COLUMN core.product_matches.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.product_matches.seller_sku IS 'The Amazon listing (raw.amazon_listings.seller_sku)';
COMMENT ON COLUMN core.product_matches.asin IS 'ASIN of the listing, as in the report';
COMMENT ON COLUMN core.product_matches.magento_sku IS 'The matched product; NULL when no rule found a candidate or the deciding rule found several';
COMMENT ON COLUMN core.product_matches.method IS 'The deciding rule: seller_sku, asin or product_id; NULL when no rule found a candidate';
COMMENT ON COLUMN core.product_matches.candidate_count IS 'Candidates the deciding rule found: 1 = matched, 2+ = ambiguous (see core.match_candidates), 0 = none';
COMMENT ON COLUMN core.product_matches.shared_product IS 'Another listing of the same store matches the same product (e.g. an FBA and an FBM offer)';
COMMENT ON COLUMN core.product_matches.matched_at IS 'When the match was computed (the snapshot time of the listing)';

CREATE TABLE IF NOT EXISTS core.match_candidates (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    magento_sku VARCHAR NOT NULL
);
COMMENT ON TABLE core.match_candidates IS 'The products an ambiguous listing could be: every candidate of its deciding rule';
COMMENT ON COLUMN core.match_candidates.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.match_candidates.seller_sku IS 'The ambiguous Amazon listing';
COMMENT ON COLUMN core.match_candidates.method IS 'The deciding rule that found several candidates: seller_sku, asin or product_id';
COMMENT ON COLUMN core.match_candidates.magento_sku IS 'One candidate Magento product';

CREATE TABLE IF NOT EXISTS core.match_history (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR NOT NULL,
    magento_sku VARCHAR NOT NULL,
    first_matched_at TIMESTAMPTZ NOT NULL,
    last_matched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, seller_sku, magento_sku)
);
COMMENT ON TABLE core.match_history IS 'Which products each store''s listings have matched, ever: how a product no longer listed is known to have Ended';
COMMENT ON COLUMN core.match_history.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.match_history.seller_sku IS 'The Amazon listing';
COMMENT ON COLUMN core.match_history.magento_sku IS 'A Magento product the listing matched';
COMMENT ON COLUMN core.match_history.first_matched_at IS 'Snapshot time (Amazon server clock, UTC) of the first listing report that matched them';
COMMENT ON COLUMN core.match_history.last_matched_at IS 'Snapshot time (Amazon server clock, UTC) of the latest listing report that matched them';

CREATE TABLE IF NOT EXISTS core.product_eligibility (
    store_id VARCHAR NOT NULL,
    magento_sku VARCHAR NOT NULL,
    eligible BOOLEAN NOT NULL,
    ineligible_reason VARCHAR,
    salable_qty BIGINT,
    listed_qty BIGINT,
    condition_type VARCHAR,
    amazon_asin VARCHAR,
    lookup_type VARCHAR,
    lookup_value VARCHAR,
    lookup_gtin14 VARCHAR,
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, magento_sku)
);
COMMENT ON TABLE core.product_eligibility IS 'Every Magento product judged against every store''s listing rules';
COMMENT ON COLUMN core.product_eligibility.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.product_eligibility.magento_sku IS 'The Magento product (raw.magento_products.sku)';
COMMENT ON COLUMN core.product_eligibility.eligible IS 'True when every eligibility check and listing rule of the store holds';
COMMENT ON COLUMN core.product_eligibility.ineligible_reason IS 'First failing rule: unsupported_type, disabled, not_in_website, out_of_stock or rule:<n>; NULL when eligible';
COMMENT ON COLUMN core.product_eligibility.salable_qty IS 'Salable quantity (raw.magento_products.salable_qty) the stock check used';
COMMENT ON COLUMN core.product_eligibility.listed_qty IS 'Quantity the listing should show: salable quantity capped by the store''s maximum';
COMMENT ON COLUMN core.product_eligibility.condition_type IS 'Listings Items conditionType (new_new, used_like_new, ...) from the product or the store default; NULL when it cannot be resolved';
COMMENT ON COLUMN core.product_eligibility.amazon_asin IS 'The product''s own ASIN attribute, when set (no look-up needed)';
COMMENT ON COLUMN core.product_eligibility.lookup_type IS 'The identifier a catalog look-up uses: the first valid of UPC, ISBN, EAN, GTIN';
COMMENT ON COLUMN core.product_eligibility.lookup_value IS 'That identifier as stored in Magento';
COMMENT ON COLUMN core.product_eligibility.lookup_gtin14 IS 'That identifier as a 14-digit GTIN';
COMMENT ON COLUMN core.product_eligibility.computed_at IS 'Tick that judged it, by the sources'' clock (UTC)';

CREATE TABLE IF NOT EXISTS core.asin_lookups (
    marketplace_id VARCHAR NOT NULL,
    identifier_type VARCHAR NOT NULL,
    gtin14 VARCHAR NOT NULL,
    identifier VARCHAR NOT NULL,
    asins VARCHAR[] NOT NULL,
    variation_parent_asins VARCHAR[] NOT NULL,
    looked_up_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (marketplace_id, identifier_type, gtin14)
);
COMMENT ON TABLE core.asin_lookups IS 'Catalog Items API searchCatalogItems results by identifier, re-used for 24 hours';
COMMENT ON COLUMN core.asin_lookups.marketplace_id IS 'Amazon marketplace id searched (e.g. ATVPDKIKX0DER); answers differ by marketplace';
COMMENT ON COLUMN core.asin_lookups.identifier_type IS 'Catalog Items identifiersType searched: UPC, ISBN, EAN or GTIN';
COMMENT ON COLUMN core.asin_lookups.gtin14 IS 'The identifier as a 14-digit GTIN: with identifier_type, the cache key';
COMMENT ON COLUMN core.asin_lookups.identifier IS 'The identifier as sent to Amazon (as stored in Magento)';
COMMENT ON COLUMN core.asin_lookups.asins IS 'ASINs the catalog returned for the identifier: none, one, or several (ambiguous)';
COMMENT ON COLUMN core.asin_lookups.variation_parent_asins IS 'Those of asins that are variation parents (cannot be listed as is)';
COMMENT ON COLUMN core.asin_lookups.looked_up_at IS 'When Amazon answered, by the Amazon server clock (UTC); answers older than asin_lookup_max_age_hours are asked again';

CREATE TABLE IF NOT EXISTS core.listing_status (
    store_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    reason_code VARCHAR NOT NULL,
    reason_detail VARCHAR,
    seller_sku VARCHAR,
    asin VARCHAR,
    magento_sku VARCHAR,
    computed_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE core.listing_status IS 'Current Amazon Sales Channel status of every listing (keyed by seller_sku) and every unlisted eligible product (keyed by magento_sku), per store';
COMMENT ON COLUMN core.listing_status.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.listing_status.status IS 'active, ready_to_list, inactive, ineligible, incomplete, ended or new_third_party';
COMMENT ON COLUMN core.listing_status.reason_code IS 'Machine-readable reason, e.g. listed, no_catalog_match, out_of_stock, rule:2, amazon_missing_attribute, asin_resolved';
COMMENT ON COLUMN core.listing_status.reason_detail IS 'Human detail: attribute names, Amazon''s message, how an ASIN was resolved';
COMMENT ON COLUMN core.listing_status.seller_sku IS 'The Amazon listing; NULL for products not listed';
COMMENT ON COLUMN core.listing_status.asin IS 'ASIN of the listing, or the ASIN an unlisted product would be listed under (its amazon_asin or the one catalog answer); NULL when unknown';
COMMENT ON COLUMN core.listing_status.magento_sku IS 'The Magento product; NULL for listings that match none';
COMMENT ON COLUMN core.listing_status.computed_at IS 'Tick that classified it, by the sources'' clock (UTC)';

CREATE TABLE IF NOT EXISTS core.desired_listings (
    store_id VARCHAR NOT NULL,
    seller_sku VARCHAR,
    magento_sku VARCHAR NOT NULL,
    asin VARCHAR,
    status VARCHAR NOT NULL,
    fulfillment_channel VARCHAR NOT NULL,
    salable_qty BIGINT,
    quantity BIGINT,
    magento_price DECIMAL(18, 4),
    currency VARCHAR NOT NULL,
    currency_rate DECIMAL(18, 6),
    calculated_price DECIMAL(18, 4),
    price DECIMAL(18, 4),
    price_withheld_reason VARCHAR,
    condition_type VARCHAR,
    handling_time INTEGER,
    computed_at TIMESTAMPTZ NOT NULL,
    price_source VARCHAR,
    price_store_view VARCHAR,
    magento_currency VARCHAR,
    currency_rate_source VARCHAR
);
ALTER TABLE core.desired_listings ADD COLUMN IF NOT EXISTS price_source VARCHAR;
ALTER TABLE core.desired_listings ADD COLUMN IF NOT EXISTS price_store_view VARCHAR;
ALTER TABLE core.desired_listings ADD COLUMN IF NOT EXISTS magento_currency VARCHAR;
ALTER TABLE core.desired_listings ADD COLUMN IF NOT EXISTS currency_rate_source VARCHAR;
COMMENT ON TABLE core.desired_listings IS 'What Amazon should show, per store: one row per listing matched to a Magento product (any channel, any tab) and one per Ready to List product; what price_mismatch and quantity_mismatch compare Amazon against, and what a later step sends';
COMMENT ON COLUMN core.desired_listings.store_id IS 'Amazon store id from asc.yaml';
COMMENT ON COLUMN core.desired_listings.seller_sku IS 'The Amazon listing; NULL for a Ready to List product (not listed yet)';
COMMENT ON COLUMN core.desired_listings.magento_sku IS 'The Magento product the listing sells, or the Ready to List product';
COMMENT ON COLUMN core.desired_listings.asin IS 'ASIN of the listing, or the ASIN a Ready to List product would be listed under';
COMMENT ON COLUMN core.desired_listings.status IS 'The row''s tab in core.listing_status (active, inactive, ineligible, incomplete, ready_to_list)';
COMMENT ON COLUMN core.desired_listings.fulfillment_channel IS 'Who ships: DEFAULT (the merchant) or Amazon''s channel (AMAZON_NA, AMAZON_EU, ...) as the listings report gives it; DEFAULT for Ready to List products, which are listed merchant-fulfilled';
COMMENT ON COLUMN core.desired_listings.salable_qty IS 'Magento salable quantity of the product (core.product_eligibility.salable_qty)';
COMMENT ON COLUMN core.desired_listings.quantity IS 'Units the listing should offer: the salable quantity capped by max_listed_quantity, minus quantity_buffer, never below 0; 0 when the product is not eligible for the store (at or below out_of_stock_threshold, or failing a listing rule); NULL for Amazon-fulfilled (FBA) listings, whose quantity is Amazon''s';
COMMENT ON COLUMN core.desired_listings.magento_price IS 'Magento price the listing price is made from, in magento_currency: the website''s price (raw.magento_website_prices) when magento.price_scope is website and the website has one, else the global price (raw.magento_products.price); see price_source';
COMMENT ON COLUMN core.desired_listings.currency IS 'ISO 4217 currency of the marketplace: the currency of calculated_price and price';
COMMENT ON COLUMN core.desired_listings.currency_rate IS 'Marketplace currency per unit of magento_currency, as applied (the store''s price.currency_rate, or Magento''s own rate to 6 decimals: see currency_rate_source); NULL when magento_price is taken as it is';
COMMENT ON COLUMN core.desired_listings.calculated_price IS 'magento_price converted at currency_rate, adjusted by price.adjust_percent then price.adjust_amount, rounded to price.round_to; before the minimum and maximum price hold';
COMMENT ON COLUMN core.desired_listings.price IS 'Price the listing should show, in currency: calculated_price when it lies within price.minimum_price and price.maximum_price; NULL when withheld';
COMMENT ON COLUMN core.desired_listings.price_withheld_reason IS 'Why price is NULL: no_magento_price, no_currency_rate (magento_currency differs from the marketplace''s and no rate converts it), below_minimum_price or above_maximum_price (the latter two open a price_out_of_bounds sync issue); NULL when a price is desired';
COMMENT ON COLUMN core.desired_listings.condition_type IS 'Listings Items conditionType (new_new, used_like_new, ...) from the product or the store''s default_condition; NULL when it cannot be resolved';
COMMENT ON COLUMN core.desired_listings.handling_time IS 'Days to ship (Amazon''s lead_time_to_ship_max_days) from the store''s handling_time; NULL to leave the listing''s own';
COMMENT ON COLUMN core.desired_listings.computed_at IS 'Tick that computed it, by the sources'' clock (UTC)';
COMMENT ON COLUMN core.desired_listings.price_source IS 'Which Magento price magento_price is: website (read through price_store_view, magento.price_scope website) or global (raw.magento_products.price: the catalog''s price scope is global, or the website has no price for the product); NULL without a price';
COMMENT ON COLUMN core.desired_listings.price_store_view IS 'Store view whose REST scope gave the website price (the store''s store_view, or its website''s default view); NULL when the price scope is global';
COMMENT ON COLUMN core.desired_listings.magento_currency IS 'ISO 4217 currency of magento_price: the website''s base currency for a website price, price.magento_currency or Magento''s base currency for the global price; NULL when unknown (taken to be what price.currency_rate converts from)';
COMMENT ON COLUMN core.desired_listings.currency_rate_source IS 'Where currency_rate comes from: config (price.currency_rate in asc.yaml) or magento (Magento''s rate, raw.magento_currency_rates); NULL when no rate was applied';
