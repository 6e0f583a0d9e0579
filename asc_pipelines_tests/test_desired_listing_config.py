"""A store's desired-listing settings in ``asc.yaml``: ``quantity_buffer``, ``handling_time`` and
``price:``. All optional, defaults that change nothing, and errors that name the store and key."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from asc_pipelines.config import AscConfig, ConfigError, PriceRules, load_config

BASE = """
stores:
  - {id: us, marketplace: US, seller_id: A1}
  - id: uk
    marketplace: UK
    seller_id: A2
    website: uk_site
STORE_SETTINGS
magento: {base_url: "http://127.0.0.1:1"}
"""


def _load(tmp_path: Path, settings: str = "") -> AscConfig:
    path = tmp_path / "asc.yaml"
    indented = "\n".join(f"    {line}" for line in settings.strip().splitlines())
    path.write_text(BASE.replace("STORE_SETTINGS", indented), encoding="utf-8")
    return load_config(path)


def _error(tmp_path: Path, settings: str) -> str:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, settings)
    return str(err.value)


def test_without_the_settings_nothing_changes(tmp_path: Path) -> None:
    cfg = _load(tmp_path)
    for store in cfg.stores:
        assert (store.quantity_buffer, store.handling_time) == (0, None)
        assert store.price == PriceRules()
        rules = store.price
        assert (rules.currency_rate, rules.round_to, rules.minimum_price) == (None, None, None)
        assert (rules.adjust_percent, rules.adjust_amount) == (0, 0)


def test_a_full_price_block_is_read_as_decimals(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        """
quantity_buffer: 2
handling_time: 3
price: {magento_currency: USD, currency_rate: 0.79, adjust_percent: 5, adjust_amount: -0.5,
        round_to: 0.05, minimum_price: 4.99, maximum_price: 500}
""",
    )
    uk = cfg.store("uk")
    assert (uk.quantity_buffer, uk.handling_time) == (2, 3)
    assert uk.price.currency_rate == Decimal("0.79")  # exactly, not the float 0.79000000000000003
    assert uk.price.round_to == Decimal("0.05") and uk.price.minimum_price == Decimal("4.99")


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ("quantity_buffer: -1", "quantity_buffer must not be negative"),
        ("handling_time: 0", "handling_time must be 1 to 30 days"),
        ("handling_time: 31", "handling_time must be 1 to 30 days"),
        ("price: {currency_rate: 0}", "price.currency_rate must be above 0"),
        ("price: {currency_rate: 0.7912345}", "at most 6 decimals"),
        ("price: {magento_currency: USD}", "price.currency_rate is required"),
        ("price: {magento_currency: usd, currency_rate: 1}", "not an ISO 4217 code"),
        ("price: {magento_currency: GBP, currency_rate: 0.8}", "converts GBP into itself"),
        ("price: {adjust_percent: -100}", "price.adjust_percent must be above -100"),
        ("price: {round_to: 0}", "price.round_to must be above 0"),
        ("price: {round_to: 0.00001}", "at most 4 decimals"),
        ("price: {minimum_price: -1}", "price.minimum_price must not be negative"),
        ("price: {minimum_price: 10, maximum_price: 5}", "is above price.maximum_price"),
    ],
)
def test_a_bad_setting_names_the_store_and_the_key(
    tmp_path: Path, settings: str, says: str
) -> None:
    message = _error(tmp_path, settings)
    assert "store uk:" in message and says in message
    assert "stores.1" in message


def test_an_unknown_price_key_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, "price: {curency_rate: 0.79}")
    assert "stores.1.price.curency_rate" in message


def test_the_same_currency_on_both_sides_needs_no_rate(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "price: {magento_currency: GBP}")
    assert cfg.store("uk").price.currency_rate is None


def test_readme_s_example_settings_load_once_uncommented(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Configuration (`asc.yaml`)")[1].split("```yaml\n")[1].split("```")[0]
    keys = re.compile(r"^(\s*)# ((quantity_buffer|handling_time|price):.*|  \w+: .*)$")
    path = tmp_path / "asc.yaml"
    path.write_text("\n".join(keys.sub(r"\1\2", line) for line in block.splitlines()), "utf-8")
    us = load_config(path).store("us")
    assert (us.quantity_buffer, us.handling_time) == (0, 2)
    assert (us.price.magento_currency, us.price.currency_rate) == ("EUR", Decimal("1.08"))
    assert (us.price.minimum_price, us.price.maximum_price) == (5, 500)
