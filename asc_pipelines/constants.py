"""Facts about Amazon and Magento that both the clients and the sandbox rely on.

Only constants live here (marketplace ids, usage plans, enums, date formats). Serialization and
parsing are written twice on purpose, once in ``sources/`` and once in ``sandbox/``, so that each
side can catch the other's mistakes; sharing them here would hide those mistakes on both sides.
Sources: ``../shared/docs/protocols.md`` (sections cited inline).
"""

from __future__ import annotations

from dataclasses import dataclass

# ISO 4217 minor units of the marketplace currencies that have no cents (all others have 2).
CURRENCY_DECIMALS = {"JPY": 0}


@dataclass(frozen=True)
class Marketplace:
    """One Amazon marketplace (a country site) as Seller Central knows it."""

    code: str
    marketplace_id: str
    region: str  # NA, EU or FE: picks the SP-API endpoint
    currency: str
    sales_channel: str  # Order.SalesChannel, e.g. "Amazon.com"
    # strptime formats of the listing report's `open-date` (without the trailing zone
    # abbreviation), in the order the client's parser tries them (protocols.md 2.7). The sandbox
    # writes open dates from its own table (sandbox/open_dates.py), not from this one.
    open_date_formats: tuple[str, ...]
    report_charset: str  # the charset Amazon names in the report download's Content-Type
    locale: str
    country: str  # as Amazon's marketplace-ids list names it, e.g. "United Kingdom"

    @property
    def currency_decimals(self) -> int:
        """Decimals of the marketplace currency's smallest unit (ISO 4217 minor unit): a price
        Amazon shows is a whole number of them (JPY 0, every other marketplace currency 2)."""
        return CURRENCY_DECIMALS.get(self.currency, 2)

    @property
    def name(self) -> str:
        """The marketplace as merchants call it: its storefront's domain, e.g. ``Amazon.co.uk``
        (the same text Amazon gives as an order's ``SalesChannel``)."""
        return self.sales_channel


_ISO = "%Y-%m-%d %H:%M:%S"
_DMY = "%d/%m/%Y %H:%M:%S"
_DMY_DOT = "%d.%m.%Y %H:%M:%S"
_YMD_SLASH = "%Y/%m/%d %H:%M:%S"

# protocols.md 1.3 (ids) and 2.7 (date formats, charsets); country names from Amazon's
# marketplace-ids list (developer-docs.amazon.com/sp-api/docs/marketplace-ids). "GB" is accepted
# as an alias of "UK".
MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in (
        Marketplace(
            "US",
            "ATVPDKIKX0DER",
            "NA",
            "USD",
            "Amazon.com",
            (_ISO,),
            "Cp1252",
            "en_US",
            "United States of America",
        ),
        Marketplace(
            "CA", "A2EUQ1WTGCTBG2", "NA", "CAD", "Amazon.ca", (_ISO,), "Cp1252", "en_CA", "Canada"
        ),
        Marketplace(
            "MX",
            "A1AM78C64UM0Y8",
            "NA",
            "MXN",
            "Amazon.com.mx",
            (_ISO, _DMY),
            "Cp1252",
            "es_MX",
            "Mexico",
        ),
        Marketplace(
            "BR",
            "A2Q3Y263D00KWC",
            "NA",
            "BRL",
            "Amazon.com.br",
            (_ISO, _DMY),
            "Cp1252",
            "pt_BR",
            "Brazil",
        ),
        Marketplace(
            "UK",
            "A1F83G8C2ARO7P",
            "EU",
            "GBP",
            "Amazon.co.uk",
            (_DMY, _ISO),
            "Cp1252",
            "en_GB",
            "United Kingdom",
        ),
        Marketplace(
            "DE",
            "A1PA6795UKMFR9",
            "EU",
            "EUR",
            "Amazon.de",
            (_ISO, _DMY_DOT, _DMY),
            "Cp1252",
            "de_DE",
            "Germany",
        ),
        Marketplace(
            "FR",
            "A13V1IB3VIYZZH",
            "EU",
            "EUR",
            "Amazon.fr",
            (_ISO, _DMY),
            "Cp1252",
            "fr_FR",
            "France",
        ),
        Marketplace(
            "IT",
            "APJ6JRA9NG5V4",
            "EU",
            "EUR",
            "Amazon.it",
            (_ISO, _DMY),
            "Cp1252",
            "it_IT",
            "Italy",
        ),
        Marketplace(
            "ES",
            "A1RKKUPIHCS9HS",
            "EU",
            "EUR",
            "Amazon.es",
            (_ISO, _DMY),
            "Cp1252",
            "es_ES",
            "Spain",
        ),
        Marketplace(
            "NL",
            "A1805IZSGTT6HS",
            "EU",
            "EUR",
            "Amazon.nl",
            (_ISO, _DMY),
            "Cp1252",
            "nl_NL",
            "Netherlands",
        ),
        Marketplace(
            "JP",
            "A1VC38T7YXB528",
            "FE",
            "JPY",
            "Amazon.co.jp",
            (_YMD_SLASH, _ISO),
            "Windows-31J",
            "ja_JP",
            "Japan",
        ),
        Marketplace(
            "AU",
            "A39IBJ37TRP1C6",
            "FE",
            "AUD",
            "Amazon.com.au",
            (_DMY, _ISO),
            "Cp1252",
            "en_AU",
            "Australia",
        ),
    )
}
MARKETPLACE_ALIASES: dict[str, str] = {"GB": "UK"}


def marketplace(code: str) -> Marketplace:
    """The marketplace for a code such as ``US`` or ``UK`` (``GB`` accepted); KeyError names it."""
    key = MARKETPLACE_ALIASES.get(code.upper(), code.upper())
    try:
        return MARKETPLACES[key]
    except KeyError:
        known = ", ".join(sorted(MARKETPLACES))
        raise KeyError(f"unknown marketplace code {code!r}; known codes: {known}") from None


# SP-API production endpoints per region (protocols.md 1.3) and the LWA token endpoint (1.1).
SPAPI_ENDPOINTS: dict[str, str] = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL
LWA_TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class UsagePlan:
    """An SP-API operation's default usage plan: a token bucket of `burst` refilled at `rate`/s."""

    rate: float
    burst: int


# Default usage plans (protocols.md 2.1, 3, 4, 5.1). Keyed by the model's operationId.
USAGE_PLANS: dict[str, UsagePlan] = {
    "getReports": UsagePlan(0.0222, 10),
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "cancelReport": UsagePlan(0.0222, 10),
    "getReportDocument": UsagePlan(0.0167, 15),
    "getListingsItem": UsagePlan(5.0, 10),
    "searchListingsItems": UsagePlan(5.0, 5),
    # The write side (protocols.md 10.1; feeds_2021-06-30.json usage plans). A put or patch
    # with mode=VALIDATION_PREVIEW counts against its own, lower limit.
    "patchListingsItem": UsagePlan(5.0, 5),
    "putListingsItem": UsagePlan(5.0, 10),
    "deleteListingsItem": UsagePlan(5.0, 10),
    "listingsItemValidationPreview": UsagePlan(1.0, 1),
    "createFeedDocument": UsagePlan(0.5, 15),
    "createFeed": UsagePlan(0.0083, 15),
    "getFeed": UsagePlan(2.0, 15),
    "getFeeds": UsagePlan(0.0222, 10),
    "cancelFeed": UsagePlan(2.0, 15),
    "getFeedDocument": UsagePlan(0.0222, 10),
    "searchCatalogItems": UsagePlan(2.0, 2),
    "getCatalogItem": UsagePlan(2.0, 2),
    "getOrders": UsagePlan(0.0167, 20),
    "getOrder": UsagePlan(0.5, 30),
    "getOrderItems": UsagePlan(0.5, 30),
}

# Reports API 2021-06-30 (protocols.md 2.3, 2.6).
REPORT_TYPE_ALL_LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
REPORT_STATUSES = ("IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL")
REPORT_DOCUMENT_URL_LIFETIME_SECONDS = 300

# GET_MERCHANT_LISTINGS_ALL_DATA header variants (protocols.md 2.7): the 29-column layout, and
# the 31-column one seen in 2025 with two trailing columns. Columns are read by name, not position.
REPORT_HEADER_ALL_DATA_29: tuple[str, ...] = (
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
)
REPORT_HEADER_ALL_DATA_31: tuple[str, ...] = (
    *REPORT_HEADER_ALL_DATA_29,
    "Minimum order quantity",
    "Sell remainder",
)

# Listing report field codes (protocols.md 2.7).
PRODUCT_ID_TYPES: dict[str, str] = {"1": "ASIN", "2": "ISBN", "3": "UPC", "4": "EAN"}
ITEM_CONDITIONS: dict[str, str] = {
    "1": "used_like_new",
    "2": "used_very_good",
    "3": "used_good",
    "4": "used_acceptable",
    "5": "collectible_like_new",
    "6": "collectible_very_good",
    "7": "collectible_good",
    "8": "collectible_acceptable",
    "10": "refurbished_refurbished",
    "11": "new_new",
}
FBM_CHANNEL = "DEFAULT"
FBA_CHANNELS = frozenset({"AMAZON_NA", "AMAZON_EU", "AMAZON_FE", "AMAZON_JP", "AMAZON_IN"})

# Time-zone abbreviations ending `open-date`, as UTC offsets in hours, as the client's parser
# reads them (protocols.md 2.7); the sandbox keeps its own (sandbox/open_dates.py).
TIMEZONE_ABBREVIATIONS: dict[str, float] = {
    "UTC": 0,
    "GMT": 0,
    "BST": 1,
    "IST": 1,
    "WET": 0,
    "WEST": 1,
    "CET": 1,
    "CEST": 2,
    "MEZ": 1,
    "MESZ": 2,
    "EET": 2,
    "EEST": 3,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "JST": 9,
    "AEST": 10,
    "AEDT": 11,
}

# Listings Items API 2021-08-01 enums (protocols.md 3).
ISSUE_SEVERITIES = ("ERROR", "WARNING", "INFO")
LISTINGS_SEARCH_MAX_PAGE_SIZE = 20
LISTINGS_SEARCH_MAX_RESULTS = 1000

# Catalog Items API 2022-04-01 (protocols.md 4.1, 4.2).
CATALOG_IDENTIFIER_TYPES = ("ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
CATALOG_INCLUDED_DATA = (
    "attributes",
    "classifications",
    "dimensions",
    "identifiers",
    "images",
    "productTypes",
    "relationships",
    "salesRanks",
    "summaries",
    "vendorDetails",
)
CATALOG_SEARCH_MAX_IDENTIFIERS = 20  # identifiers (and keywords) per searchCatalogItems request
CATALOG_SEARCH_MAX_PAGE_SIZE = 20
CATALOG_SEARCH_MAX_RESULTS = 1000  # ASINs a search can page through
CATALOG_VARIATION_PARENT = "VARIATION_PARENT"  # summaries.itemClassification of a parent

# Orders API v0 (protocols.md 5.2).
ORDER_STATUSES = (
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
)
ORDERS_MAX_RESULTS_PER_PAGE = 100
ORDERS_BEFORE_MIN_AGE_SECONDS = 120  # *Before must be at least two minutes before now

# Magento 2 (protocols.md 7).
MAGENTO_STATUS_ENABLED = 1
MAGENTO_STATUS_DISABLED = 2
MAGENTO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAGENTO_CONDITION_TYPES = (
    "eq",
    "finset",
    "from",
    "gt",
    "gteq",
    "in",
    "like",
    "lt",
    "lteq",
    "moreq",
    "neq",
    "nfinset",
    "nin",
    "nlike",
    "notnull",
    "null",
    "to",
)
# Default Magento attribute codes for the identifiers and condition (issue 2, section 2).
DEFAULT_ATTRIBUTE_CODES: dict[str, str] = {
    "asin": "amazon_asin",
    "upc": "upc",
    "ean": "ean",
    "isbn": "isbn",
    "gtin": "gtin",
    "condition": "amazon_condition",
}
