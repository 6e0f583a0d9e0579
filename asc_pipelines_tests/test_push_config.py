"""A store's ``push:`` settings in ``asc.yaml`` and the one switch that pauses all sending:
off for every store unless the merchant turns it on, errors that name the store and the key."""

from pathlib import Path

import pytest

from asc_pipelines.config import AscConfig, ConfigError, PushSettings, load_config, push_paused

BASE = """
stores:
  - {id: us, marketplace: US, seller_id: A1}
  - id: uk
    marketplace: UK
    seller_id: A2
STORE_SETTINGS
magento: {base_url: "http://127.0.0.1:1"}
"""


def _load(tmp_path: Path, settings: str = "") -> AscConfig:
    path = tmp_path / "asc.yaml"
    indented = "\n".join(f"    {line}" for line in settings.strip().splitlines())
    path.write_text(BASE.replace("STORE_SETTINGS", indented), encoding="utf-8")
    return load_config(path)


def test_sending_is_off_for_every_store_by_default(tmp_path: Path) -> None:
    for store in _load(tmp_path).stores:
        assert store.push == PushSettings()
        assert (store.push.mode, store.push.publish) == ("off", False)
        assert (store.push.max_patches_per_tick, store.push.max_attempts) == (200, 5)
        assert store.push.resend_after_minutes == 30


@pytest.mark.parametrize("mode", ["off", "dry_run", "preview", "live"])
def test_each_mode_is_read_as_written_even_yaml_s_bare_off(tmp_path: Path, mode: str) -> None:
    cfg = _load(
        tmp_path,
        f"push: {{mode: {mode}, max_patches_per_tick: 7, max_attempts: 2, "
        "resend_after_minutes: 45}",
    )
    push = cfg.store("uk").push
    assert (push.mode, push.max_patches_per_tick, push.max_attempts) == (mode, 7, 2)
    assert push.resend_after_minutes == 45
    assert cfg.store("us").push.resend_after_minutes == 30
    assert cfg.store("us").push.mode == "off"


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ("push: {mode: on}", "push.mode must be one of off, dry_run, preview, live"),
        ("push: {mode: send}", "not 'send'"),
        ("push: {feed_threshold: 0}", "push.feed_threshold must be at least 1, not 0"),
        ("push: {max_feed_messages: 25001}", "push.max_feed_messages must be 1 to 25000"),
        ("push: {feed_give_up_minutes: 0}", "push.feed_give_up_minutes must be at least 1"),
        ("push: {max_patches_per_tick: 0}", "push.max_patches_per_tick must be at least 1"),
        ("push: {max_attempts: 0}", "push.max_attempts must be at least 1"),
        ("push: {resend_after_minutes: 0}", "push.resend_after_minutes must be at least 1, not 0"),
        ("push: {resend_after_minutes: -5}", "push.resend_after_minutes must be at least 1"),
    ],
)
def test_a_bad_push_setting_names_the_store_and_the_key(
    tmp_path: Path, settings: str, says: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, settings)
    assert "store uk:" in str(err.value) and says in str(err.value)


def test_an_unknown_push_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"stores\.1\.push\.mod"):
        _load(tmp_path, "push: {mod: live}")


@pytest.mark.parametrize(
    ("value", "paused"),
    [(None, False), ("", False), ("0", False), ("false", False), ("1", True), ("yes", True)],
)
def test_one_environment_variable_pauses_all_sending(value: str | None, paused: bool) -> None:
    environ = {} if value is None else {"ASC_PUSH_PAUSED": value}
    assert push_paused(environ) is paused


def test_readme_s_push_example_loads_and_its_query_runs(tmp_path: Path) -> None:
    import re

    from asc_pipelines.logic.outbox import refresh_outbox
    from asc_pipelines_tests.logic.test_outbox import want
    from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, warehouse
    from asc_pipelines_tests.readme import README, readme_queries

    text = README.read_text(encoding="utf-8").split("## Keeping Amazon in step\n", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", text, flags=re.S)
    assert example is not None
    push = re.search(r"(    push:\n(?:      .*\n)+)", example.group(1))
    assert push is not None
    cfg = _load(tmp_path, "\n".join(line[4:] for line in push.group(1).splitlines()))
    assert cfg.store("uk").push == PushSettings(mode="off", max_patches_per_tick=200)

    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    refresh_outbox(conn, now=NOW, price_tolerance=cfg.sync_issues.price_tolerance)
    [query] = readme_queries("Keeping Amazon in step")
    assert conn.execute(query).fetchall() == [("us", "pending", 1)]
