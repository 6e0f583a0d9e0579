from pathlib import Path

import pytest

from asc_pipelines.config import ConfigError, default_refresh_token_env, load_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "asc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
stores:
  - {id: us, marketplace: US, seller_id: A1}
  - {id: uk, marketplace: GB, seller_id: A2, website: uk, refresh_token_env: UK_TOKEN}
magento: {base_url: "http://127.0.0.1:1"}
"""


def test_minimal_config_fills_amazon_defaults(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL))
    us, uk = cfg.stores
    assert us.marketplace_id == "ATVPDKIKX0DER"
    assert us.spapi_endpoint == "https://sellingpartnerapi-na.amazon.com"
    assert uk.marketplace == "UK" and uk.spapi_endpoint.endswith("-eu.amazon.com")
    assert us.refresh_token_variable == default_refresh_token_env("us") == "ASC_REFRESH_TOKEN_US"
    assert uk.refresh_token_variable == "UK_TOKEN"
    assert cfg.attributes.asin == "amazon_asin"


def test_unknown_marketplace_error_names_file_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL.replace("marketplace: US", "marketplace: XX"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert "stores.0.marketplace" in str(err.value) and "XX" in str(err.value)


def test_duplicate_store_ids_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL.replace("id: uk", "id: us"))
    with pytest.raises(ConfigError, match="appears twice"):
        load_config(path)


def test_unknown_keys_rejected_so_typos_do_not_pass_silently(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + "amazon: {report_wait_secs: 5}\n")
    with pytest.raises(ConfigError, match="report_wait_secs"):
        load_config(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_env_defaults_never_override_a_set_variable(tmp_path: Path) -> None:
    text = MINIMAL.replace("seller_id: A1}", "seller_id: A1, endpoint: 'http://127.0.0.1:9'}")
    text = text.replace("refresh_token_env: UK_TOKEN}", "endpoint: 'http://[::1]:9'}")
    text += "amazon: {lwa_token_url: 'http://127.0.0.1:9/t'}\n"
    path = _write(tmp_path, text + "env_defaults: {A_VAR: default, B_VAR: default}\n")
    env = {"A_VAR": "mine"}
    load_config(path).apply_env_defaults(env)
    assert env == {"A_VAR": "mine", "B_VAR": "default"}


def test_env_defaults_are_refused_when_an_endpoint_is_not_local(tmp_path: Path) -> None:
    # Sandbox dummy credentials may sit in the file; real ones must not.
    path = _write(tmp_path, MINIMAL + "env_defaults: {ASC_LWA_CLIENT_SECRET: x}\n")
    with pytest.raises(ConfigError, match="not on loopback"):
        load_config(path)


def test_env_defaults_are_accepted_for_a_loopback_sandbox(tmp_path: Path) -> None:
    local = MINIMAL.replace("seller_id: A1}", "seller_id: A1, endpoint: 'http://127.0.0.1:9'}")
    local = local.replace("refresh_token_env: UK_TOKEN}", "endpoint: 'http://localhost:9'}")
    path = _write(
        tmp_path,
        local + "amazon: {lwa_token_url: 'http://127.0.0.1:9/auth/o2/token'}\n"
        "env_defaults: {A_VAR: sandbox}\n",
    )
    assert load_config(path).env_defaults == {"A_VAR": "sandbox"}
