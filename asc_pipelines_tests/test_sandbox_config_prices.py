"""``asc sandbox serve --write-config`` for a world whose Magento has prices per website: the
written ``asc.yaml`` reads them so (``magento.price_scope: website``, ``currency_rate: magento``
for a store whose website prices are in another currency); other worlds' configs are unchanged."""

from __future__ import annotations

from pathlib import Path

from asc_pipelines.config import load_config
from asc_pipelines.sandbox_setup import sandbox_config, write_sandbox_config
from asc_pipelines_tests.sandbox.website_world import with_a_gbp_website

URL = "http://127.0.0.1:8000"


def test_a_world_without_stores_file_gets_the_config_it_always_had(handmade_world: Path) -> None:
    config = sandbox_config(handmade_world, URL)
    assert config["magento"] == {"base_url": URL, "store_code": "all"}
    assert all("price" not in store for store in config["stores"])


def test_a_world_with_website_prices_is_read_per_website(
    handmade_world: Path, tmp_path: Path
) -> None:
    path = write_sandbox_config(tmp_path / "asc.yaml", with_a_gbp_website(handmade_world), URL)
    cfg = load_config(path)
    assert cfg.magento.price_scope == "website"
    assert cfg.store("uk").price.uses_magento_rate  # USD website prices, GBP marketplace
    assert cfg.store("us").price.currency_rate is None
