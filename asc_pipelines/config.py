"""Typed settings loaded from ``asc.yaml``: the stores, the Magento connection, the attribute codes.

The file names environment variables, never secrets: each credential is read from the variable the
file names, at run time, so it never lands in the file, the Dagster UI, logs or DuckDB.
"""

from __future__ import annotations

import ipaddress
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from asc_pipelines import constants

DATA_DIR_ENV = "ASC_DATA_DIR"
CONFIG_ENV = "ASC_CONFIG"
DEFAULT_DATA_DIR = "asc_data"
DEFAULT_CONFIG_FILE = "asc.yaml"

LWA_CLIENT_ID_ENV = "ASC_LWA_CLIENT_ID"
LWA_CLIENT_SECRET_ENV = "ASC_LWA_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
MAGENTO_USERNAME_ENV = "ASC_MAGENTO_USERNAME"
MAGENTO_PASSWORD_ENV = "ASC_MAGENTO_PASSWORD"  # noqa: S105 - a variable name, not a secret
MAGENTO_TOKEN_ENV = "ASC_MAGENTO_TOKEN"  # noqa: S105 - a variable name, not a secret

_STORE_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class ConfigError(ValueError):
    """The config file is missing, unreadable or invalid; the message names the file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def default_refresh_token_env(store_id: str) -> str:
    """The variable holding a store's LWA refresh token, unless the file names another."""
    return f"ASC_REFRESH_TOKEN_{store_id.upper()}"


RULE_OPERATORS = (
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "nin",
    "contains",
    "is_empty",
    "not_empty",
)


class ListingCondition(_Strict):
    """One listing-rule condition on a product attribute, e.g. ``{attribute: price, op: gte,
    value: 5}``; ``value: today`` compares a date attribute with the tick's date."""

    attribute: str
    op: Literal[
        "eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "is_empty", "not_empty"
    ]
    value: str | int | float | bool | list[str | int | float] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> ListingCondition:
        if self.op in ("in", "nin") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op} needs a list value")
        if self.op in ("is_empty", "not_empty") and self.value is not None:
            raise ValueError(f"op {self.op} takes no value")
        if self.op not in ("in", "nin", "is_empty", "not_empty") and (
            self.value is None or isinstance(self.value, list)
        ):
            raise ValueError(f"op {self.op} needs a single value")
        return self


class ListingRules(_Strict):
    """A store's listing rules: products must meet all (or any) of the conditions."""

    match: Literal["all", "any"] = "all"
    conditions: list[ListingCondition] = []


# A listing price is computed to this many decimal places before round_to applies.
PRICE_DECIMALS = 4
RATE_DECIMALS = 6  # a currency rate's precision (core.desired_listings.currency_rate)
HANDLING_TIME_DAYS = (1, 30)  # Amazon's lead_time_to_ship_max_days, in days


MAGENTO_RATE = "magento"  # price.currency_rate: use Magento's own rate (GET /V1/directory/currency)
_STORE_VIEW_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # Magento's store code rule


class PriceRules(_Strict):
    """A store's ``price:``: how the price a listing should show is made from Magento's price.

    In this order: converted from ``magento_currency`` into the marketplace's currency at
    ``currency_rate`` (marketplace currency per unit of Magento's; ``magento``: Magento's own
    rate, from Stores > Currency Rates; none: the prices already are in the marketplace
    currency), raised or lowered by ``adjust_percent`` then by
    ``adjust_amount``, rounded to the nearest multiple of ``round_to`` (half away from zero),
    and held between ``minimum_price`` and ``maximum_price`` (marketplace currency): a price
    outside them is not sent, and a ``price_out_of_bounds`` sync issue opens. Every key is
    optional; without any, the listing shows Magento's price unchanged. Checked, naming the
    store, by :class:`StoreConfig`.
    """

    magento_currency: str | None = None
    currency_rate: Decimal | Literal["magento"] | None = None
    adjust_percent: Decimal = Decimal(0)
    adjust_amount: Decimal = Decimal(0)
    round_to: Decimal | None = None
    minimum_price: Decimal | None = None
    maximum_price: Decimal | None = None

    @field_validator("currency_rate", mode="before")
    @classmethod
    def _a_number_or_magento(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() == MAGENTO_RATE:
            return MAGENTO_RATE
        if isinstance(value, str):
            try:
                return Decimal(value)
            except ArithmeticError:
                raise ValueError(
                    f"currency_rate must be a number or {MAGENTO_RATE} (Magento's own rate), "
                    f"not {value!r}"
                ) from None
        return value

    def problems(self, marketplace_currency: str) -> list[str]:
        """What is wrong with these rules for a store selling in ``marketplace_currency``."""
        found: list[str] = []
        rate, currency = self.currency_rate, self.magento_currency
        if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
            found.append(f"price.magento_currency {currency!r} is not an ISO 4217 code like USD")
        elif currency is not None and currency != marketplace_currency and rate is None:
            found.append(
                f"price.currency_rate is required: Magento's prices are in {currency}, the "
                f"marketplace sells in {marketplace_currency}"
            )
        elif currency == marketplace_currency and rate is not None and rate != 1:
            found.append(
                f"price.currency_rate {rate} converts {currency} into itself; leave it out"
            )
        if isinstance(rate, Decimal) and (rate <= 0 or rate != round(rate, RATE_DECIMALS)):
            found.append(
                f"price.currency_rate must be above 0 with at most {RATE_DECIMALS} decimals, "
                f"not {rate}"
            )
        if self.adjust_percent <= -100:
            found.append(f"price.adjust_percent must be above -100, not {self.adjust_percent}")
        step = self.round_to
        if step is not None and (step <= 0 or step != round(step, PRICE_DECIMALS)):
            found.append(
                f"price.round_to must be above 0 with at most {PRICE_DECIMALS} decimals, not {step}"
            )
        low, high = self.minimum_price, self.maximum_price
        for key, value in (("minimum_price", low), ("maximum_price", high)):
            if value is not None and value < 0:
                found.append(f"price.{key} must not be negative, not {value}")
        if low is not None and high is not None and low > high:
            found.append(f"price.minimum_price {low} is above price.maximum_price {high}")
        return found

    @property
    def uses_magento_rate(self) -> bool:
        """``currency_rate: magento``: converted at Magento's own rate, read every tick."""
        return self.currency_rate == MAGENTO_RATE

    @property
    def configured_rate(self) -> Decimal | None:
        """The rate written in ``asc.yaml``; None for none or ``magento``."""
        return self.currency_rate if isinstance(self.currency_rate, Decimal) else None


PUSH_MODES = ("off", "dry_run", "preview", "live")
MAX_FEED_MESSAGES = 25_000  # messages in one JSON_LISTINGS_FEED (protocols.md 10.2)
PUSH_PAUSED_ENV = "ASC_PUSH_PAUSED"


class PushSettings(_Strict):
    """A store's ``push:``: whether the pipeline changes listings on Amazon (issue 11).

    ``mode``: ``off`` (the default: nothing is sent), ``dry_run`` (what would be sent is recorded,
    no call is made), ``preview`` (each change is sent with ``mode=VALIDATION_PREVIEW`` and
    Amazon's verdict recorded; nothing changes) or ``live`` (changes are sent).
    ``max_patches_per_tick``: at most this many listings patched (or previewed) per tick;
    ``max_attempts``: a change that failed this many times in transport is given up (``failed``);
    ``resend_after_minutes``: a change Amazon accepted is sent again when a listings snapshot
    taken at least this long after the send still does not show its value.
    ``publish``: Ready to List products with an ASIN are listed on Amazon as offers on that ASIN
    (in ``live``; recorded or previewed in ``dry_run`` / ``preview``); false: nothing is listed.
    ``feed_threshold``: in ``live``, a store with at least this many listings due sends them as
    one ``JSON_LISTINGS_FEED`` (at most ``max_feed_messages``, Amazon's cap is 25,000) instead of
    one patch each; ``feed_give_up_minutes``: a feed Amazon has not finished processing after this
    long is given up (cancelled if it can be) and its changes go out as patches.
    Checked, naming the store, by :class:`StoreConfig`.
    """

    mode: str = "off"
    publish: bool = False
    max_patches_per_tick: int = 200
    max_attempts: int = 5
    resend_after_minutes: int = 30
    feed_threshold: int = 300
    max_feed_messages: int = MAX_FEED_MESSAGES
    feed_give_up_minutes: int = 60

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off_is_a_mode(cls, value: object) -> object:
        # YAML 1.1 reads a bare ``off`` / ``on`` as false / true: ``mode: off`` means "off".
        if isinstance(value, bool):
            return "on" if value else "off"
        return value

    def problems(self) -> list[str]:
        """What is wrong with these settings."""
        found: list[str] = []
        if self.mode not in PUSH_MODES:
            found.append(f"push.mode must be one of {', '.join(PUSH_MODES)}, not {self.mode!r}")
        if self.feed_threshold < 1:
            found.append(f"push.feed_threshold must be at least 1, not {self.feed_threshold}")
        if not 1 <= self.max_feed_messages <= MAX_FEED_MESSAGES:
            found.append(
                f"push.max_feed_messages must be 1 to {MAX_FEED_MESSAGES} (Amazon's cap), "
                f"not {self.max_feed_messages}"
            )
        if self.feed_give_up_minutes < 1:
            found.append(
                f"push.feed_give_up_minutes must be at least 1, not {self.feed_give_up_minutes}"
            )
        if self.max_patches_per_tick < 1:
            found.append(
                f"push.max_patches_per_tick must be at least 1, not {self.max_patches_per_tick}"
            )
        if self.max_attempts < 1:
            found.append(f"push.max_attempts must be at least 1, not {self.max_attempts}")
        if self.resend_after_minutes < 1:
            found.append(
                f"push.resend_after_minutes must be at least 1, not {self.resend_after_minutes}"
            )
        return found


def push_paused(environ: dict[str, str] | None = None) -> bool:
    """``ASC_PUSH_PAUSED`` set to anything but empty, 0, false or no: every store's sending is
    paused, whatever its mode (read at run time, so it stops the next tick)."""
    env = os.environ if environ is None else environ
    return env.get(PUSH_PAUSED_ENV, "").strip().lower() not in ("", "0", "false", "no")


class StoreConfig(_Strict):
    """One Amazon store: a Seller Central account selling in one marketplace."""

    id: str
    marketplace: str
    seller_id: str
    website: str = "base"
    # The Magento store view whose REST scope (/rest/<code>/V1/products) gives the website's
    # prices when magento.price_scope is website; none: the website's default store view.
    store_view: str | None = None
    name: str | None = None
    endpoint: str | None = None  # SP-API base URL; default: the marketplace region's endpoint
    refresh_token_env: str | None = None
    # Listing rules (Amazon Sales Channel's "Listing Rules"): which products may be listed here.
    listing_rules: ListingRules = ListingRules()
    out_of_stock_threshold: Annotated[int, Field(ge=0)] = 0
    max_listed_quantity: Annotated[int, Field(ge=0)] | None = None
    # Condition of products whose condition attribute is empty: a Listings Items conditionType
    # (new_new, used_like_new, ...) or an ASC label ("New", "Used - Like New").
    default_condition: str = "new"
    # What a listing should show (core.desired_listings): this many units fewer than the listed
    # quantity (never below 0), a safety margin against overselling; the handling time in days
    # (Amazon's lead_time_to_ship_max_days; none: the listing's own); the price rules.
    quantity_buffer: int = 0
    handling_time: int | None = None
    price: PriceRules = PriceRules()
    # Whether and how listings are changed on Amazon (off unless the merchant turns it on).
    push: PushSettings = PushSettings()

    @model_validator(mode="after")
    def _listing_settings_hold(self) -> StoreConfig:
        problems = self.price.problems(constants.marketplace(self.marketplace).currency)
        problems += self.push.problems()
        if self.quantity_buffer < 0:
            problems.append(f"quantity_buffer must not be negative, not {self.quantity_buffer}")
        low, high = HANDLING_TIME_DAYS
        if self.handling_time is not None and not low <= self.handling_time <= high:
            problems.append(f"handling_time must be {low} to {high} days, not {self.handling_time}")
        if self.store_view is not None and not _STORE_VIEW_CODE.match(self.store_view):
            problems.append(
                f"store_view {self.store_view!r} is not a Magento store code (lower-case "
                "letters, digits or _, starting with a letter)"
            )
        if problems:
            raise ValueError(f"store {self.id}: " + "; ".join(problems))
        return self

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _STORE_ID.match(value):
            raise ValueError(
                f"store id {value!r} must be lower-case letters, digits or _, "
                "starting with a letter"
            )
        return value

    @field_validator("marketplace")
    @classmethod
    def _known_marketplace(cls, value: str) -> str:
        try:
            return constants.marketplace(value).code
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None

    @field_validator("refresh_token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value

    @property
    def marketplace_id(self) -> str:
        return constants.marketplace(self.marketplace).marketplace_id

    @property
    def spapi_endpoint(self) -> str:
        region = constants.marketplace(self.marketplace).region
        return (self.endpoint or constants.SPAPI_ENDPOINTS[region]).rstrip("/")

    @property
    def refresh_token_variable(self) -> str:
        return self.refresh_token_env or default_refresh_token_env(self.id)


class AmazonConfig(_Strict):
    """How to reach Amazon: token endpoint, pacing and patience shared by all stores."""

    lwa_token_url: str = constants.LWA_TOKEN_URL
    # Multiplies Amazon's published usage-plan rates; 1.0 against Amazon. The sandbox accepts the
    # same factor so tests can run fast without ever tripping a bucket.
    rate_scale: Annotated[float, Field(gt=0)] = 1.0
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 5
    backoff_base_seconds: Annotated[float, Field(gt=0)] = 1.0
    # Longest a tick waits for a listing report before leaving it for the next tick.
    report_wait_seconds: Annotated[float, Field(ge=0)] = 90.0
    report_poll_seconds: Annotated[float, Field(gt=0)] = 2.0
    # Budget of seconds per store and tick for fetching order items; the rest waits a tick.
    order_items_budget_seconds: Annotated[float, Field(ge=0)] = 60.0
    # First orders fetch looks back this far.
    orders_initial_lookback_days: Annotated[int, Field(ge=1, le=730)] = 30
    # Each orders fetch starts this far before the last watermark (late updates).
    orders_overlap_minutes: Annotated[int, Field(ge=0)] = 10
    # One tick fetches at most this many days of order updates, so catching up on history (or
    # after downtime) is spread over ticks instead of one tick paging for hours at 1 call/min.
    orders_window_days: Annotated[float, Field(gt=0)] = 1.0


class MagentoConfig(_Strict):
    """How to reach the Magento 2 / Adobe Commerce REST API."""

    base_url: str
    store_code: str = "all"
    auth: Literal["admin_token", "integration_token"] = "admin_token"
    # The integration token's variable (auth: integration_token); the admin user and password
    # always come from ASC_MAGENTO_USERNAME / ASC_MAGENTO_PASSWORD through dg.EnvVar.
    token_env: str = MAGENTO_TOKEN_ENV
    page_size: Annotated[int, Field(ge=1, le=10000)] = 300
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 4
    backoff_base_seconds: Annotated[float, Field(gt=0)] = 1.0
    # Incremental product pulls re-read this much before the watermark (clock skew, slow commits).
    updated_at_overlap_minutes: Annotated[int, Field(ge=0)] = 10
    # A full catalog pull at least this often catches changes that do not bump updated_at.
    full_reconcile_hours: Annotated[float, Field(gt=0)] = 24.0
    # Catalog Price Scope (Stores > Configuration > Catalog > Price): global (one price per
    # product) or website (each website may have its own price, read through a store view of the
    # website, in that website's base currency).
    price_scope: Literal["global", "website"] = "global"


class MatchingConfig(_Strict):
    """How listings are matched to products and how unlisted products get an ASIN."""

    # The raw.magento_products column compared with a listing's seller SKU (rule 1).
    seller_sku_attribute: str = "sku"
    # Catalog Items API look-ups per store and tick (20 identifiers each, 2 requests/s).
    asin_lookup_requests_per_tick: Annotated[int, Field(ge=0)] = 30
    # A look-up result is re-used this long before it is asked again.
    asin_lookup_max_age_hours: Annotated[float, Field(gt=0)] = 24.0


class AttributeCodes(_Strict):
    """Magento attribute codes holding the Amazon identifiers and the listing condition."""

    asin: str = constants.DEFAULT_ATTRIBUTE_CODES["asin"]
    upc: str = constants.DEFAULT_ATTRIBUTE_CODES["upc"]
    ean: str = constants.DEFAULT_ATTRIBUTE_CODES["ean"]
    isbn: str = constants.DEFAULT_ATTRIBUTE_CODES["isbn"]
    gtin: str = constants.DEFAULT_ATTRIBUTE_CODES["gtin"]
    condition: str = constants.DEFAULT_ATTRIBUTE_CODES["condition"]


class CheckSettings(_Strict):
    """``checks:`` in ``asc.yaml``: thresholds of the data-quality checks and the snapshot guard."""

    # A store's new snapshot with more than this share fewer rows than its last good one is
    # refused (0.5: losing more than half the listings). 1.0 accepts any shrink.
    max_snapshot_shrink_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    # Check matched_share warns for a store whose share of matched listings is below this.
    min_matched_share: Annotated[float, Field(ge=0, le=1)] = 0.5


class SyncIssueSettings(_Strict):
    """When a difference is a problem, and when a problem becomes an error (``sync_issues:``)."""

    # Amazon and Magento prices may differ by this much (absolute, marketplace currency).
    price_tolerance: Annotated[Decimal, Field(ge=0)] = Decimal("0.01")
    # A store without a successful listings snapshot for longer than this is stale.
    stale_store_minutes: Annotated[float, Field(gt=0)] = 15.0
    # This many failures of one store's operation within the window is an api_failure issue.
    api_failure_threshold: Annotated[int, Field(ge=1)] = 3
    api_failure_window_minutes: Annotated[float, Field(gt=0)] = 60.0
    # Price and quantity mismatches open this long become errors.
    escalate_after_minutes: Annotated[float, Field(ge=0)] = 60.0
    # A change a live store sends that Amazon has not shown for longer than this is slow_sync.
    slow_sync_minutes: Annotated[float, Field(gt=0)] = 30.0


class TickConfig(_Strict):
    """How long one tick may talk to Amazon and Magento."""

    # Seconds from a tick's first request after which no new request starts: what is still
    # missing is recorded as failed for this tick (a report still processing waits for the next
    # one) and the tick finishes with the data it has, in time for the next five-minute tick.
    deadline_seconds: Annotated[float, Field(gt=0)] = 240.0


class OutboxSettings(_Strict):
    """How long settled listing changes are kept (``outbox:``)."""

    # Changes confirmed or superseded more than this many days ago (and feeds that ended then)
    # are purged from core.listing_outbox and core.listing_feeds; the sync-latency trend keeps
    # its rows for those days. Waiting, invalid and failed changes are kept whatever their age.
    keep_settled_days: Annotated[int, Field(ge=1)] = 35


class AscConfig(_Strict):
    """The whole ``asc.yaml``."""

    stores: list[StoreConfig]
    magento: MagentoConfig
    amazon: AmazonConfig = AmazonConfig()
    attributes: AttributeCodes = AttributeCodes()
    matching: MatchingConfig = MatchingConfig()
    tick: TickConfig = TickConfig()
    sync_issues: SyncIssueSettings = SyncIssueSettings()
    checks: CheckSettings = CheckSettings()
    outbox: OutboxSettings = OutboxSettings()
    # Default values for environment variables, applied only where a variable is unset. Meant for
    # the sandbox's public dummy credentials (written by `asc sandbox serve --write-config`);
    # a real deployment leaves this out and sets the variables itself.
    env_defaults: dict[str, str] = {}

    @model_validator(mode="after")
    def _env_defaults_only_for_a_local_sandbox(self) -> AscConfig:
        if not self.env_defaults:
            return self
        urls = [self.amazon.lwa_token_url, self.magento.base_url]
        urls += [store.spapi_endpoint for store in self.stores]
        remote = sorted({url for url in urls if not _is_loopback(url)})
        if remote:
            raise ValueError(
                "env_defaults is only for a sandbox on this machine, but these endpoints are "
                f"not on loopback: {', '.join(remote)}; set the environment variables instead"
            )
        return self

    @model_validator(mode="after")
    def _store_view_needs_website_prices(self) -> AscConfig:
        if self.magento.price_scope == "website":
            return self
        for store in self.stores:
            if store.store_view is not None:
                raise ValueError(
                    f"store {store.id}: store_view {store.store_view!r} is only read with "
                    "magento.price_scope: website (the catalog's price scope is global)"
                )
        return self

    @property
    def reads_magento_rates(self) -> bool:
        """Whether a store converts at Magento's rate (``price.currency_rate: magento``)."""
        return any(store.price.uses_magento_rate for store in self.stores)

    @model_validator(mode="after")
    def _unique_store_ids(self) -> AscConfig:
        seen: set[str] = set()
        for store in self.stores:
            if store.id in seen:
                raise ValueError(f"store id {store.id!r} appears twice")
            seen.add(store.id)
        if not self.stores:
            raise ValueError("at least one store is required")
        return self

    def store(self, store_id: str) -> StoreConfig:
        for store in self.stores:
            if store.id == store_id:
                return store
        raise KeyError(f"no store {store_id!r} in the config")

    def apply_env_defaults(self, environ: dict[str, str] | None = None) -> None:
        """Set each ``env_defaults`` variable that is not set yet (never overrides)."""
        target = os.environ if environ is None else environ
        for name, value in self.env_defaults.items():
            target.setdefault(name, value)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_config(path: str | os.PathLike[str]) -> AscConfig:
    """Read and validate a config file; errors name the file and the offending key."""
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {file} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {file} must hold a mapping at the top level")
    try:
        return AscConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"config file {file} is invalid: {problems}") from None


def data_dir(environ: dict[str, str] | None = None) -> Path:
    """``ASC_DATA_DIR`` or ``./asc_data``: where the DuckDB files and the reports live."""
    env = os.environ if environ is None else environ
    return Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def config_path(environ: dict[str, str] | None = None) -> Path:
    """``ASC_CONFIG`` or ``./asc.yaml``."""
    env = os.environ if environ is None else environ
    return Path(env.get(CONFIG_ENV) or DEFAULT_CONFIG_FILE)
