"""The ``asc`` command's options say what they do and never do nothing silently."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from asc_pipelines import cli
from asc_pipelines.config import load_config
from asc_pipelines.sandbox.feeds_api import DEFAULT_FEED_DELAY_SECONDS
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.listings_writes import DEFAULT_WRITE_DELAY_SECONDS
from asc_pipelines.sandbox_setup import write_sandbox_config


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args([*argv, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_sandbox_generate_options_have_help_and_show_their_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(capsys, "sandbox", "generate")
    assert "--out OUT the world directory to write" in text
    assert f"Magento products in the world (default: {cli.DEMO_PRODUCTS})" in text
    assert "first N of us, uk, de, ca, jp, mx, br, fr, it, es, nl, au (default: 2)" in text
    assert "(default: 7)" in text


@pytest.mark.parametrize("command", ["demo", "dev", "sync"])
def test_every_option_of_the_main_commands_is_explained(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for action in sub.choices[command]._actions:
        assert action.help, f"asc {command} {action.option_strings} has no help"


def _args(data: Path, **given: object) -> argparse.Namespace:
    options: dict[str, object] = {"products": None, "stores": None, "seed": 7, **given}
    return argparse.Namespace(data_dir=str(data), **options)


def test_demo_world_options_that_cannot_apply_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Landed main silently ignored --products/--stores once a demo world existed."""
    world = tmp_path / "demo_world"
    generate_world(world, products=60, stores=1, seed=7)
    before = (world / "magento" / "products.csv").read_bytes()

    kept = cli._demo_world(tmp_path, _args(tmp_path, products=300, stores=2))

    out = " ".join(capsys.readouterr().out.split())
    assert kept == world and (world / "magento" / "products.csv").read_bytes() == before
    assert "already exists (60 products, 1 stores) and is kept" in out
    assert "--products 300, --stores 2 does not apply" in out and f"remove {tmp_path}" in out


def test_demo_world_options_that_match_say_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_world(tmp_path / "demo_world", products=60, stores=1, seed=7)
    cli._demo_world(tmp_path, _args(tmp_path, products=60, stores=1))
    cli._demo_world(tmp_path, _args(tmp_path))
    assert capsys.readouterr().out == ""


def test_dev_verbose_makes_the_dagster_services_log_at_debug() -> None:
    """Landed main accepted `asc dev --verbose` and did nothing with it."""
    quiet = cli.dagster_dev_command(3000, verbose=False)
    loud = cli.dagster_dev_command(3000, verbose=True)
    assert quiet[1:] == ["dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", "3000"]
    assert loud == [*quiet, "--log-level", "debug"]
    args = cli.build_parser().parse_args(["dev", "--verbose"])
    assert args.verbose is True


def test_sandbox_serve_shows_the_write_and_feed_delays_it_defaults_to(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(capsys, "sandbox", "serve")
    assert "--write-delay-seconds WRITE_DELAY_SECONDS sandbox seconds before an accepted" in text
    assert f"(default: {DEFAULT_WRITE_DELAY_SECONDS})" in text
    feed = "IN_QUEUE for the first third, then IN_PROGRESS"
    assert f"({feed}) (default: {DEFAULT_FEED_DELAY_SECONDS})" in text


def test_sandbox_serve_passes_the_write_and_feed_delays_to_the_sandbox(tmp_path: Path) -> None:
    world = generate_world(tmp_path / "world", products=20, stores=1, seed=1).out
    args = cli.build_parser().parse_args(
        [
            "sandbox",
            "serve",
            "--world",
            str(world),
            "--write-delay-seconds",
            "5",
            "--feed-delay-seconds",
            "30",
        ]
    )
    server = cli.sandbox_server(args)
    assert server.app.listings_writes.delay == timedelta(seconds=5)
    assert server.app.feeds.delay == timedelta(seconds=30)


def test_sandbox_serve_without_the_delay_options_keeps_the_sandboxs_own(tmp_path: Path) -> None:
    world = generate_world(tmp_path / "world", products=20, stores=1, seed=1).out
    args = cli.build_parser().parse_args(["sandbox", "serve", "--world", str(world)])
    server = cli.sandbox_server(args)
    assert server.app.listings_writes.delay == timedelta(seconds=DEFAULT_WRITE_DELAY_SECONDS)
    assert server.app.feeds.delay == timedelta(seconds=DEFAULT_FEED_DELAY_SECONDS)


@pytest.mark.parametrize("command", [("demo",), ("dev",), ("sandbox", "serve")])
def test_push_option_is_shown_with_its_default_off(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    text = _help(capsys, *command)
    assert "--push {off,dry_run,preview,live}" in text
    assert "confirmed by a later tick) (default: off)" in text


def _written(tmp_path: Path, base_url: str, **options: object) -> dict[str, object]:
    world = generate_world(tmp_path / "world", products=20, stores=2, seed=1).out
    path = write_sandbox_config(tmp_path / "asc.yaml", world, base_url, **options)
    assert load_config(path).stores  # the file written loads
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_sandbox_config_sends_nothing_unless_asked(tmp_path: Path) -> None:
    written = _written(tmp_path, "http://127.0.0.1:8123")
    assert all("push" not in store for store in written["stores"])
    config = load_config(tmp_path / "asc.yaml")
    assert [store.push.mode for store in config.stores] == ["off", "off"]


def test_the_sandbox_config_turns_live_on_for_every_store_when_asked(tmp_path: Path) -> None:
    written = _written(tmp_path, "http://127.0.0.1:8123", push_mode="live")
    assert [store["push"] for store in written["stores"]] == [{"mode": "live"}] * 2
    config = load_config(tmp_path / "asc.yaml")
    assert [store.push.mode for store in config.stores] == ["live", "live"]


def test_the_sandbox_config_publishes_only_when_asked_and_only_with_a_push_mode(
    tmp_path: Path,
) -> None:
    written = _written(tmp_path, "http://127.0.0.1:8123", push_mode="live", publish=True)
    assert [store["push"] for store in written["stores"]] == [{"mode": "live", "publish": True}] * 2
    assert [s.push.publish for s in load_config(tmp_path / "asc.yaml").stores] == [True, True]
    with pytest.raises(ValueError, match="publishing needs a push mode other than off"):
        _written(tmp_path / "again", "http://127.0.0.1:8123", publish=True)


def test_demo_refuses_publish_without_a_push_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["demo", "--data-dir", str(tmp_path / "data"), "--publish"])
    assert code == 2 and not (tmp_path / "data").exists()
    assert "--publish lists products only with a --push mode" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["live", "preview", "dry_run"])
def test_a_push_mode_is_never_written_for_a_sandbox_off_this_machine(
    tmp_path: Path, mode: str
) -> None:
    world = generate_world(tmp_path / "world", products=20, stores=1, seed=1).out
    with pytest.raises(ValueError, match="only written for a sandbox on this machine"):
        write_sandbox_config(tmp_path / "asc.yaml", world, "http://10.0.0.5:8123", push_mode=mode)
    assert not (tmp_path / "asc.yaml").exists()


def test_sandbox_serve_refuses_push_without_a_config_to_write_it_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = generate_world(tmp_path / "world", products=20, stores=1, seed=1).out
    code = cli.main(["sandbox", "serve", "--world", str(world), "--push", "live"])
    assert code == 2
    assert "--push sets push.mode in the --write-config file" in capsys.readouterr().err


def test_sandbox_serve_refuses_push_for_an_address_off_this_machine_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = generate_world(tmp_path / "world", products=20, stores=1, seed=1).out
    argv = ["sandbox", "serve", "--world", str(world), "--host", "10.0.0.5", "--push", "live"]
    code = cli.main([*argv, "--write-config", str(tmp_path / "asc.yaml")])
    assert code == 2 and not (tmp_path / "asc.yaml").exists()
    assert "--push live is only for a sandbox on loopback" in capsys.readouterr().err
