"""Issue 11, section 1, end to end: the real sync job against the real sandbox, the hand-made
world's UK store on a Magento website that sells in GBP while the base currency is USD.

The world's ``magento/stores.json`` makes the catalog's price scope per website: the ``uk``
website keeps its own prices (store view ``uk``, in USD, its base currency) and shows shoppers
GBP at Magento's rate of 0.80. Its Amazon listings show those GBP prices. With
``magento.price_scope: website`` and ``price.currency_rate: magento`` the desired prices are the
website's prices at Magento's rate, and no listing is flagged; Magento's global prices (12.99
and so on, in USD) would have flagged all four.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines_tests.sandbox.website_world import UK_PRICES, with_a_gbp_website

pytestmark = pytest.mark.slow


def test_a_uk_store_on_a_gbp_website_is_priced_from_its_website_at_magentos_rate(
    tmp_path: Path, handmade_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(with_a_gbp_website(handmade_world))
    config = write_sandbox_config(
        tmp_path / "asc.yaml", handmade_world, server.base_url, rate_scale=50
    )
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["magento"]["price_scope"] = "website"
    for store in raw["stores"]:
        if store["id"] == "uk":
            store["price"] = {"currency_rate": "magento", "round_to": 0.01}
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for name, value in load_config(config).env_defaults.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    defs = build_definitions(config_file=config, data_directory=data)

    instance = dg.DagsterInstance.ephemeral()
    assert run_sync(defs, data, instance).run_success
    event = instance.get_latest_materialization_event(dg.AssetKey("desired_listings"))
    assert event is not None and event.asset_materialization is not None
    priced = event.asset_materialization.metadata["website_priced_per_store"].value

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        desired = {
            sku: rest
            for sku, *rest in conn.execute(
                "SELECT seller_sku, magento_price, price_source, price_store_view, "
                "magento_currency, currency_rate, currency_rate_source, currency, price "
                "FROM core.desired_listings WHERE store_id = 'uk' AND seller_sku IS NOT NULL"
            ).fetchall()
        }
        mismatches = conn.execute(
            "SELECT store_id, sku, detail FROM core.sync_issues "
            "WHERE kind = 'price_mismatch' AND resolved_at IS NULL"
        ).fetchall()
        [(us_rows,)] = conn.execute(
            "SELECT count(*) FROM core.desired_listings WHERE store_id = 'us'"
        ).fetchall()
        views = conn.execute(
            "SELECT store_view_code, website_code, base_currency_code, "
            "default_display_currency_code FROM raw.magento_store_views "
            "WHERE website_code = 'uk'"
        ).fetchall()
    assert desired == {
        sku: [
            Decimal(usd),
            "website",
            "uk",
            "USD",
            Decimal("0.8"),
            "magento",
            "GBP",
            Decimal(gbp),
        ]
        for sku, (usd, gbp) in UK_PRICES.items()
    }
    assert views == [("uk", "uk", "USD", "GBP")]
    # Every row of both stores: the US store reads the base website's default view, "default".
    assert priced == {"uk": len(desired), "us": us_rows}
    assert [m for m in mismatches if m[0] == "uk"] == [], mismatches
