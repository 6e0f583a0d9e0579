"""``magento.price_scope``, a store's ``store_view`` and ``price.currency_rate: magento`` in
``asc.yaml``: defaults that change nothing, and errors that name the store and key."""

from pathlib import Path

import pytest

from asc_pipelines.config import AscConfig, ConfigError, load_config

CONFIG = """
stores:
  - {id: us, marketplace: US, seller_id: A1}
  - {id: uk, marketplace: UK, seller_id: A2, website: uk, UK_SETTINGS}
magento: {base_url: "http://127.0.0.1:1", MAGENTO_SETTINGS}
"""


def _load(tmp_path: Path, uk: str = "", magento: str = "") -> AscConfig:
    path = tmp_path / "asc.yaml"
    text = CONFIG.replace(", UK_SETTINGS", f", {uk}" if uk else "")
    path.write_text(text.replace(", MAGENTO_SETTINGS", f", {magento}" if magento else ""))
    return load_config(path)


def _error(tmp_path: Path, uk: str = "", magento: str = "") -> str:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, uk, magento)
    return str(err.value)


def test_the_defaults_read_the_global_price_and_no_rate(tmp_path: Path) -> None:
    cfg = _load(tmp_path)
    assert cfg.magento.price_scope == "global"
    assert [s.store_view for s in cfg.stores] == [None, None]
    assert not cfg.reads_magento_rates


def test_website_scope_a_store_view_and_magentos_rate(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        uk="store_view: uk_en, price: {currency_rate: magento, round_to: 0.01}",
        magento="price_scope: website",
    )
    uk = cfg.store("uk")
    assert (cfg.magento.price_scope, uk.store_view) == ("website", "uk_en")
    assert uk.price.uses_magento_rate and uk.price.configured_rate is None
    assert cfg.reads_magento_rates


@pytest.mark.parametrize(
    ("uk", "magento", "message"),
    [
        ("", "price_scope: store", "magento.price_scope: Input should be 'global' or 'website'"),
        (
            "store_view: uk_en",
            "",
            "store uk: store_view 'uk_en' is only read with magento.price_scope: website",
        ),
        (
            "store_view: UK-EN",
            "price_scope: website",
            "store uk: store_view 'UK-EN' is not a Magento store code",
        ),
        (
            "price: {currency_rate: magneto}",
            "",
            "currency_rate must be a number or magento (Magento's own rate), not 'magneto'",
        ),
        (
            "price: {magento_currency: GBP, currency_rate: magento}",
            "",
            "store uk: price.currency_rate magento converts GBP into itself",
        ),
    ],
)
def test_errors_name_the_store_and_key(tmp_path: Path, uk: str, magento: str, message: str) -> None:
    assert message in _error(tmp_path, uk, magento)
