"""The ``asc`` command: the demo, one sync tick, the Dagster UI, and the sandbox."""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asc_pipelines.sandbox.server import SandboxServer

DEMO_PRODUCTS = 2000
DEMO_STORES = 3
# The demo runs Amazon's published rates 20x faster in both the sandbox and the client, so the
# first tick's order lines (getOrderItems: one call per order, 0.5/s) take seconds, not minutes.
DEMO_RATE_SCALE = 20.0
# Enough ticks for the report pages to draw curves: half a simulated day, an hour apart.
DEMO_TICKS = 12
DEMO_TICK_MINUTES = 60
# `asc dev`: the schedule's cadence, in sandbox minutes as in real ones.
DEV_TICK_MINUTES = 5


def _data_dir(args: argparse.Namespace) -> Path:
    from asc_pipelines.config import data_dir

    path = Path(args.data_dir) if getattr(args, "data_dir", None) else data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cmd_generate(args: argparse.Namespace) -> int:
    from asc_pipelines.sandbox.generate import generate_world

    summary = generate_world(
        Path(args.out), products=args.products, stores=args.stores, seed=args.seed
    )
    print(
        f"wrote world {summary.out}: {summary.products} products, listings per store "
        f"{summary.stores}, {summary.orders} orders in {summary.seconds:.1f}s"
    )
    return 0


def _print_env(env: dict[str, str]) -> None:
    print("# sandbox credentials (public dummy values); export them for other tools:")
    for name, value in env.items():
        print(f"export {name}='{value}'")


def sandbox_server(args: argparse.Namespace) -> SandboxServer:
    """The ``SandboxServer`` ``asc sandbox serve``'s options ask for, not yet started."""
    from asc_pipelines.sandbox.server import SandboxServer

    return SandboxServer(
        Path(args.world),
        host=args.host,
        port=args.port,
        rate_scale=args.rate_scale,
        report_delay_seconds=args.report_delay,
        seed=args.seed,
        evolve_every_seconds=args.evolve_every,
        write_delay_seconds=args.write_delay_seconds,
        feed_delay_seconds=args.feed_delay_seconds,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from asc_pipelines.config import _is_loopback, data_dir
    from asc_pipelines.sandbox_setup import (
        continue_clock,
        sandbox_env,
        world_stores,
        write_sandbox_config,
    )

    world = Path(args.world)
    if args.push != "off" and not args.write_config:
        print("error: --push sets push.mode in the --write-config file; give one", file=sys.stderr)
        return 2
    if args.push != "off" and not _is_loopback(f"http://{args.host}"):
        # Checked before the sandbox starts: a push mode is only written for this machine.
        print(f"error: --push {args.push} is only for a sandbox on loopback", file=sys.stderr)
        return 2
    server = sandbox_server(args).start()
    print(f"sandbox serving {world} at {server.base_url} (Ctrl-C stops it)", flush=True)
    synced = Path(args.data_dir) if args.data_dir else data_dir()
    if synced.is_dir():
        _announce_clock(continue_clock(server.clock, synced, DEV_TICK_MINUTES), synced)
    if args.write_config:
        path = write_sandbox_config(
            Path(args.write_config),
            world,
            server.base_url,
            rate_scale=args.rate_scale,
            push_mode=args.push,
            publish=args.publish,
        )
        print(f"wrote {path}: run `asc sync --config {path}` in this or another shell")
    _print_env(sandbox_env(world_stores(world)))
    sys.stdout.flush()
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _sync(
    config_file: Path,
    data: Path,
    *,
    verbose: bool = False,
    ticks: int = 1,
    between_ticks: Callable[[], None] | None = None,
) -> int:
    """Run ``ticks`` sync ticks in this process (``between_ticks`` moves the world on), then
    print the summary of the last one."""
    from asc_pipelines.config import ConfigError, load_config
    from asc_pipelines.definitions import build_definitions
    from asc_pipelines.runner import run_sync, summary_text

    try:
        config = load_config(config_file)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    config.apply_env_defaults()
    defs = build_definitions(config_file=config_file, data_directory=data)
    failed = 0
    for number in range(1, ticks + 1):
        if number > 1 and between_ticks is not None:
            between_ticks()
        started = time.monotonic()
        # The summary below is the tick's report; Dagster's own log (with tracebacks) only when
        # asked for.
        result = run_sync(defs, data, log_level="DEBUG" if verbose else "CRITICAL")
        failed += not result.every_store_ok
        if ticks > 1:
            state = "ok" if result.every_store_ok else "PROBLEMS: " + "; ".join(result.messages)
            print(f"tick {number}/{ticks}: {time.monotonic() - started:.1f}s {state}", flush=True)
    print(summary_text(data, result))
    print(f"last tick took {time.monotonic() - started:.1f}s")
    return 0 if failed == 0 else 1


def cmd_sync(args: argparse.Namespace) -> int:
    return _sync(Path(args.config), _data_dir(args), verbose=args.verbose)


def _demo_world(data: Path, args: argparse.Namespace) -> Path:
    """The data directory's demo world, generated on first use. ``--products`` / ``--stores`` /
    ``--seed`` shape a new world only: an existing one (which the warehouse has already synced)
    is kept, and the user is told when the options asked for something else."""
    from asc_pipelines.sandbox.generate import generate_world

    world = data / "demo_world"
    products = args.products if args.products is not None else DEMO_PRODUCTS
    stores = args.stores if args.stores is not None else DEMO_STORES
    if not (world / "world.json").exists():
        print(f"generating the demo world in {world} ...", flush=True)
        generate_world(world, products=products, stores=stores, seed=args.seed)
        return world
    asked = {
        name: value
        for name, value in (("products", args.products), ("stores", args.stores))
        if value is not None
    }
    if asked:
        have = _world_size(world)
        differs = {name: value for name, value in asked.items() if have.get(name) != value}
        if differs:
            wanted = ", ".join(f"--{name} {value}" for name, value in differs.items())
            print(
                f"note: the demo world in {world} already exists ({have['products']} products, "
                f"{have['stores']} stores) and is kept, so {wanted} does not apply. To start "
                f"over with a new world, remove {data} (or pass another --data-dir).",
                flush=True,
            )
    return world


def _world_size(world: Path) -> dict[str, int]:
    """Products and stores of a world directory, from its files."""
    from asc_pipelines.sandbox_setup import world_stores

    # One row per product and store view: products are the distinct SKUs.
    with (world / "magento" / "products.csv").open(encoding="utf-8", newline="") as products:
        skus = {row["sku"] for row in csv.DictReader(products)}
    return {"products": len(skus), "stores": len(world_stores(world))}


def _announce_clock(moved_to: object, data: Path) -> None:
    if moved_to is not None:
        print(
            f"the sandbox clock continues after the last tick recorded in {data}: now {moved_to}",
            flush=True,
        )


def cmd_demo(args: argparse.Namespace) -> int:
    from asc_pipelines.sandbox.server import SandboxServer
    from asc_pipelines.sandbox_setup import continue_clock, write_sandbox_config

    data = _data_dir(args)
    world = _demo_world(data, args)
    started = time.monotonic()
    # Reports come back after half a second: twelve ticks, not twelve report waits, make the demo.
    with SandboxServer(world, rate_scale=DEMO_RATE_SCALE, report_delay_seconds=0.5) as server:
        print(f"sandbox serving {world} at {server.base_url}", flush=True)
        _announce_clock(continue_clock(server.clock, data, args.tick_minutes), data)
        config = write_sandbox_config(
            data / "sandbox.yaml",
            world,
            server.base_url,
            rate_scale=DEMO_RATE_SCALE,
            push_mode=args.push,
            publish=args.publish,
        )
        if args.ticks > 1:
            print(
                f"running {args.ticks} ticks, {args.tick_minutes} simulated minutes apart "
                "(the sandbox's Amazon and Magento change in between) ...",
                flush=True,
            )
        code = _sync(
            config,
            data,
            verbose=args.verbose,
            ticks=args.ticks,
            between_ticks=lambda: server.advance(args.tick_minutes),
        )
    print(f"demo finished in {time.monotonic() - started:.1f}s; the sandbox is stopped.")
    return code


def dagster_dev_command(port: int, *, verbose: bool) -> list[str]:
    """``dagster dev`` on loopback over the workspace; ``verbose``: its services log at debug."""
    return [
        str(Path(sys.executable).with_name("dagster")),
        "dev",
        "-w",
        "workspace.yaml",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        *(["--log-level", "debug"] if verbose else []),
    ]


def cmd_dev(args: argparse.Namespace) -> int:
    """Sandbox + `dagster dev` (webserver and daemon, so the five-minute schedule fires)."""
    from asc_pipelines.runner import prepare_dagster_home
    from asc_pipelines.sandbox.server import SandboxServer
    from asc_pipelines.sandbox_setup import (
        continue_clock,
        sandbox_env,
        world_stores,
        write_sandbox_config,
    )

    data = _data_dir(args)
    world = _demo_world(data, args)
    home = prepare_dagster_home(data)
    with SandboxServer(
        world,
        rate_scale=DEMO_RATE_SCALE,
        report_delay_seconds=2.0,
        evolve_every_seconds=args.evolve_every,
    ) as server:
        # The schedule's first tick comes within five minutes: one tick after the last one.
        _announce_clock(continue_clock(server.clock, data, DEV_TICK_MINUTES), data)
        config = write_sandbox_config(
            data / "sandbox.yaml",
            world,
            server.base_url,
            rate_scale=DEMO_RATE_SCALE,
            push_mode=args.push,
            publish=args.publish,
        )
        env = {
            **os.environ,
            **sandbox_env(world_stores(world)),
            "ASC_CONFIG": str(config.resolve()),
            "ASC_DATA_DIR": str(data.resolve()),
            "DAGSTER_HOME": str(home),
        }
        print(
            f"sandbox at {server.base_url}; Dagster UI at http://127.0.0.1:{args.port}", flush=True
        )
        command = dagster_dev_command(args.port, verbose=args.verbose)
        # Own process group, and SIGINT restored to its default: started from a script or a
        # service, dagster dev would otherwise inherit an ignored SIGINT and never stop.
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            command,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

        def _interrupt(*_: object) -> None:
            raise KeyboardInterrupt

        # SIGTERM (a service manager, `kill`) stops dagster dev the same way Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            try:
                return process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                return 130


class _HelpWithDefaults(argparse.HelpFormatter):
    """Help that shows each option's default, where it has one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.required or action.default in (None, False, argparse.SUPPRESS):
            return text
        if "default" in text:
            return text
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    from asc_pipelines.config import PUSH_MODES
    from asc_pipelines.sandbox.feeds_api import DEFAULT_FEED_DELAY_SECONDS
    from asc_pipelines.sandbox.listings_writes import DEFAULT_WRITE_DELAY_SECONDS

    parser = argparse.ArgumentParser(
        prog="asc", description="Amazon Sales Channel pipelines: Amazon + Magento into DuckDB."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    # Every option's help shows its default.
    formatter = _HelpWithDefaults

    def data_dir_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-dir",
            help="where the DuckDB files, pages and instance live; "
            "default: $ASC_DATA_DIR or ./asc_data",
        )

    def push_option(p: argparse.ArgumentParser, where: str) -> None:
        p.add_argument(
            "--push",
            choices=PUSH_MODES,
            default="off",
            help=f"push.mode of every store in {where} (live: listing changes are sent to the "
            "local sandbox and confirmed by a later tick)",
        )
        p.add_argument(
            "--publish",
            action="store_true",
            help=f"push.publish: true for every store in {where} (Ready to List products with an "
            "ASIN are listed; needs --push)",
        )

    def demo_world_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--products",
            type=int,
            help=f"products in a new demo world (default {DEMO_PRODUCTS}); "
            "an existing world is kept",
        )
        p.add_argument(
            "--stores",
            type=int,
            help=f"Amazon stores in a new demo world (default {DEMO_STORES}); "
            "an existing world is kept",
        )
        p.add_argument("--seed", type=int, default=7, help="seed of a new demo world")
        data_dir_option(p)

    demo = commands.add_parser(
        "demo",
        help="generate a world, serve it, run ticks of simulated time, summarize",
        formatter_class=formatter,
    )
    demo_world_options(demo)
    push_option(demo, "the demo's sandbox.yaml")
    demo.add_argument(
        "--verbose", action="store_true", help="show Dagster's step log and failures' tracebacks"
    )
    demo.add_argument("--ticks", type=int, default=DEMO_TICKS, help="sync ticks to run")
    demo.add_argument(
        "--tick-minutes",
        type=float,
        default=DEMO_TICK_MINUTES,
        help="simulated minutes between ticks",
    )
    demo.set_defaults(func=cmd_demo)

    dev = commands.add_parser(
        "dev", help="the sandbox plus the Dagster UI and daemon", formatter_class=formatter
    )
    demo_world_options(dev)
    push_option(dev, "the sandbox.yaml the Dagster runs read")
    dev.add_argument(
        "--verbose", action="store_true", help="debug-level logs from the Dagster services"
    )
    dev.add_argument("--port", type=int, default=3000, help="port of the Dagster UI")
    dev.add_argument(
        "--evolve-every",
        type=float,
        default=300.0,
        help="advance the sandbox world by this many seconds of real time",
    )
    dev.set_defaults(func=cmd_dev)

    bench = commands.add_parser(
        "bench",
        help="measure a cold tick and incremental ones against a served world (not a test)",
        formatter_class=formatter,
    )
    bench.add_argument("--products", type=int, default=DEMO_PRODUCTS, help="products in the world")
    bench.add_argument("--stores", type=int, default=DEMO_STORES, help="Amazon stores in it")
    bench.add_argument(
        "--change-rate",
        type=float,
        default=0.01,
        help="share of the products changed before each incremental tick",
    )
    bench.add_argument("--ticks", type=int, default=3, help="incremental ticks after the cold one")
    bench.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="Amazon's published rates times this (1: Amazon's own)",
    )
    bench.add_argument("--seed", type=int, default=7, help="seed of the world and its changes")
    bench.add_argument(
        "--report-delay", type=float, default=2.0, help="seconds a report takes to be DONE"
    )
    bench.add_argument(
        "--work-dir",
        default=None,
        help="where worlds (kept and reused) and runs go; default: <data dir>/bench",
    )
    bench.add_argument("--json", help="also write every figure to this JSON file")
    bench.add_argument(
        "--no-baselines",
        action="store_true",
        help="skip the report-decode and bare-DuckDB comparisons",
    )
    data_dir_option(bench)
    bench.set_defaults(func=cmd_bench)

    sync = commands.add_parser(
        "sync", help="run one sync tick through Dagster, in this process", formatter_class=formatter
    )
    sync.add_argument("--config", required=True, help="the asc.yaml to sync")
    data_dir_option(sync)
    sync.add_argument(
        "--verbose", action="store_true", help="show Dagster's step log and failures' tracebacks"
    )
    sync.set_defaults(func=cmd_sync)

    sandbox = commands.add_parser("sandbox", help="the local Amazon + Magento").add_subparsers(
        dest="sandbox_command", required=True
    )
    gen = sandbox.add_parser("generate", help="write a world directory", formatter_class=formatter)
    gen.add_argument("--out", required=True, help="the world directory to write")
    gen.add_argument(
        "--products", type=int, default=DEMO_PRODUCTS, help="Magento products in the world"
    )
    gen.add_argument(
        "--stores",
        type=int,
        default=2,
        help="Amazon stores: the first N of us, uk, de, ca, jp, mx, br, fr, it, es, nl, au",
    )
    gen.add_argument(
        "--seed", type=int, default=7, help="the same seed writes the same world, byte for byte"
    )
    gen.set_defaults(func=cmd_generate)

    serve = sandbox.add_parser(
        "serve", help="serve a world over SP-API and Magento REST", formatter_class=formatter
    )
    serve.add_argument("--world", required=True, help="the world directory to serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    serve.add_argument("--write-config", help="write an asc.yaml pointing at this sandbox")
    push_option(serve, "the --write-config file")
    serve.add_argument(
        "--rate-scale", type=float, default=1.0, help="Amazon's published rates times this"
    )
    serve.add_argument(
        "--report-delay", type=float, default=2.0, help="seconds a report takes to be DONE"
    )
    serve.add_argument(
        "--write-delay-seconds",
        type=float,
        default=DEFAULT_WRITE_DELAY_SECONDS,
        help="sandbox seconds before an accepted listing put/patch/delete shows in get, search "
        "and the listings report",
    )
    serve.add_argument(
        "--feed-delay-seconds",
        type=float,
        default=DEFAULT_FEED_DELAY_SECONDS,
        help="sandbox seconds a feed takes from createFeed to DONE (IN_QUEUE for the first "
        "third, then IN_PROGRESS)",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of the world's evolution")
    serve.add_argument(
        "--evolve-every", type=float, default=None, help="advance the world every N real seconds"
    )
    serve.add_argument(
        "--data-dir",
        help="a data directory that has synced this world before: the sandbox clock continues "
        "after its last tick; default: $ASC_DATA_DIR or ./asc_data, when it exists",
    )
    serve.set_defaults(func=cmd_serve)
    return parser


def cmd_bench(args: argparse.Namespace) -> int:
    """``asc bench``: see ``asc_pipelines.bench``."""
    from asc_pipelines.bench.report import bench_report
    from asc_pipelines.bench.table import render
    from asc_pipelines.bench.ticks import BenchOptions

    work = Path(args.work_dir) if args.work_dir else _data_dir(args) / "bench"
    options = BenchOptions(
        products=args.products,
        stores=args.stores,
        change_rate=args.change_rate,
        ticks=args.ticks,
        rate_scale=args.rate_scale,
        seed=args.seed,
        report_delay=args.report_delay,
        work_dir=work.resolve(),
    )
    problems = options.problems()
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 2
    report = bench_report(options, baselines=not args.no_baselines, log=print)
    print()
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0 if all(tick["success"] for tick in report["ticks"]) else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "publish", False) and args.push == "off":
        print(
            "error: --publish lists products only with a --push mode other than off",
            file=sys.stderr,
        )
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
