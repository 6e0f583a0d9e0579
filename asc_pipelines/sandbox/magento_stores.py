"""The sandbox Magento's store structure: websites, store groups, store views, currencies, rates.

Magento sorts its scopes in three levels (Stores > All Stores): websites (``base`` and the ones a
world's products name), one store group ("store") per website here, and store views, whose REST
scope (``/rest/<view code>/V1/...``) gives their website's values. With the catalog's price scope
per website, each website has a base currency its prices are in; currency rates (Stores >
Currency Rates) convert a base currency into the allowed ones.

A world describes them in the optional ``magento/stores.json``::

    {
      "price_scope": "website",                     # default global
      "base_currency": "USD",                       # the global (default) base currency
      "currency_rates": {"USD": {"GBP": 0.79}},     # from -> to -> rate
      "websites": {
        "uk": {"base_currency": "GBP",              # default: the global base currency
               "display_currency": "GBP",           # default: its base currency
               "allowed_currencies": ["GBP"],       # default: base, display, rates from base
               "store_views": ["uk_en", "uk_cy"],   # first = the default view
               "locale": "en_GB"}
      }
    }

Without it (every default world): one base currency, USD, no rates. Views: ``default`` is the
``base`` website's default view; a view of the product export (a ``store_view_code``) the file does
not place belongs to the website of the same code, else to ``base``; a website with no view gets
one named after its code. A view's prices are the export's rows of that view (the
``store_view_code`` rows' ``price``); with ``price_scope: website`` a website's views share them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STORES_FILE = "stores.json"
DEFAULT_VIEW = "default"
BASE_WEBSITE = "base"
DEFAULT_BASE_CURRENCY = "USD"
DEFAULT_LOCALE = "en_US"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_VIEW_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class StoresFileError(ValueError):
    """``stores.json`` cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class StoreView:
    """A store view (``store``): id, code, name, its website and store group."""

    id: int
    code: str
    name: str
    website_id: int
    group_id: int
    locale: str = DEFAULT_LOCALE


@dataclass(frozen=True)
class WebsiteCurrencies:
    """A website's base and default display currency and its allowed currencies."""

    base: str
    display: str
    allowed: tuple[str, ...]


@dataclass
class StoreStructure:
    """Views, currencies and rates of the sandbox Magento (websites are the catalog's)."""

    base_currency: str = DEFAULT_BASE_CURRENCY
    global_allowed: tuple[str, ...] = (DEFAULT_BASE_CURRENCY,)
    rates: dict[str, dict[str, float]] = field(default_factory=dict)
    views: list[StoreView] = field(default_factory=list)
    currencies: dict[int, WebsiteCurrencies] = field(default_factory=dict)  # website id ->
    website_price_scope: bool = False  # "price_scope": "website": a website's views share prices

    def view(self, code: str) -> StoreView | None:
        return next((v for v in self.views if v.code == code), None)

    def default_view_id(self, website_id: int) -> int:
        """The default view of a website's (only) store group: its first view."""
        return min(v.id for v in self.views if v.website_id == website_id)

    def website_currencies(self, website_id: int) -> WebsiteCurrencies:
        default = WebsiteCurrencies(self.base_currency, self.base_currency, self.global_allowed)
        return self.currencies.get(website_id, default)

    def rate(self, base: str, to: str) -> float | None:
        """Units of ``to`` per unit of ``base``; 1 for the same currency; None without one."""
        if base == to:
            return 1.0
        return self.rates.get(base, {}).get(to)


def _allowed(base: str, display: str, rates: dict[str, dict[str, float]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([base, display, *sorted(rates.get(base, {}))]))


def _currency(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise StoresFileError(f"{where} must be an ISO 4217 code like USD, not {value!r}")
    return value


def read_stores_file(magento_dir: Path) -> dict[str, Any]:
    """The world's ``stores.json`` as a dict ({} when the world has none)."""
    path = magento_dir / STORES_FILE
    if not path.exists():
        return {}
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StoresFileError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise StoresFileError(f"{path} must hold a JSON object")
    return spec


def website_codes_of(spec: dict[str, Any]) -> list[str]:
    """Website codes the stores file names (they exist even if no product is assigned)."""
    websites = spec.get("websites") or {}
    return [str(code) for code in websites] if isinstance(websites, dict) else []


def build_structure(
    spec: dict[str, Any], websites: list[tuple[int, str, str]], export_views: list[str], path: Path
) -> StoreStructure:
    """Views, currencies and rates from the stores file ``spec`` (read from ``path``), the
    catalog's websites ``(id, code, name)`` and the export's store view codes."""
    where = str(path)
    base = _currency(spec.get("base_currency", DEFAULT_BASE_CURRENCY), f"{where}: base_currency")
    rates: dict[str, dict[str, float]] = {}
    for source, targets in (spec.get("currency_rates") or {}).items():
        _currency(source, f"{where}: currency_rates key")
        if not isinstance(targets, dict):
            raise StoresFileError(f"{where}: currency_rates.{source} must map currencies to rates")
        for target, rate in targets.items():
            _currency(target, f"{where}: currency_rates.{source} key")
            if not isinstance(rate, int | float) or rate <= 0:
                raise StoresFileError(
                    f"{where}: currency_rates.{source}.{target} must be a number above 0"
                )
            rates.setdefault(source, {})[target] = float(rate)
    by_code = {code: (wid, name) for wid, code, name in websites}
    specs = spec.get("websites") or {}
    placed: dict[str, list[str]] = {code: [] for _, code, _ in websites}
    placed.setdefault(BASE_WEBSITE, [])
    placed[BASE_WEBSITE].append(DEFAULT_VIEW)
    locales: dict[str, str] = {}
    currencies: dict[int, WebsiteCurrencies] = {}
    for code, site in specs.items():
        if code not in by_code or not isinstance(site, dict):
            raise StoresFileError(f"{where}: websites.{code} is not a website object")
        wid = by_code[code][0]
        site_base = _currency(site.get("base_currency", base), f"{where}: {code}.base_currency")
        display = _currency(
            site.get("display_currency", site_base), f"{where}: {code}.display_currency"
        )
        allowed = site.get("allowed_currencies")
        if allowed is None:
            allowed_codes = _allowed(site_base, display, rates)
        else:
            allowed_codes = tuple(
                _currency(c, f"{where}: {code}.allowed_currencies") for c in allowed
            )
        currencies[wid] = WebsiteCurrencies(site_base, display, allowed_codes)
        for view in site.get("store_views") or []:
            if not isinstance(view, str) or not _VIEW_CODE.match(view):
                raise StoresFileError(f"{where}: websites.{code}.store_views has {view!r}")
            if any(view in views for views in placed.values()):
                raise StoresFileError(f"{where}: store view {view!r} is placed twice")
            placed[code].append(view)
            if site.get("locale"):
                locales[view] = str(site["locale"])
    for view in export_views:
        if any(view in views for views in placed.values()):
            continue
        placed[view if view in placed else BASE_WEBSITE].append(view)
    for code, views in placed.items():
        if not views and not any(code in vs for vs in placed.values()):
            views.append(code)
    scope = spec.get("price_scope", "global")
    if scope not in ("global", "website"):
        raise StoresFileError(f"{where}: price_scope must be global or website, not {scope!r}")
    structure = StoreStructure(
        base,
        _allowed(base, base, rates),
        rates,
        currencies=currencies,
        website_price_scope=scope == "website",
    )
    next_id = 1
    for wid, code, _ in sorted(websites):
        for view in placed.get(code, []):
            name = "Default Store View" if view == DEFAULT_VIEW else f"{view.upper()} Store View"
            locale = locales.get(view, DEFAULT_LOCALE)
            structure.views.append(StoreView(next_id, view, name, wid, wid, locale))
            next_id += 1
    return structure


def price_settings(spec: dict[str, Any], website: str, currency: str) -> dict[str, Any]:
    """The ``price:`` block a store selling in ``currency`` on ``website`` needs in a sandbox
    config: ``currency_rate: magento`` when the website's prices are in another currency and the
    world has a rate into ``currency``; otherwise none ({})."""
    sites = spec.get("websites") or {}
    site = sites.get(website) if isinstance(sites, dict) else None
    base = spec.get("base_currency", DEFAULT_BASE_CURRENCY)
    if spec.get("price_scope") == "website" and isinstance(site, dict):
        base = site.get("base_currency", base)
    rates = spec.get("currency_rates") or {}
    if base != currency and currency in (rates.get(base) or {}):
        return {"currency_rate": "magento"}
    return {}
