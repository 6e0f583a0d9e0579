"""No credential value ever reaches a log, a Dagster event, a DuckDB table, a page or a file: real
ticks with unique canary credentials, under faults and with refused credentials, then a search of
everything the pipeline wrote."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from asc_pipelines.config import (
    LWA_CLIENT_ID_ENV,
    LWA_CLIENT_SECRET_ENV,
    MAGENTO_PASSWORD_ENV,
    MAGENTO_USERNAME_ENV,
    default_refresh_token_env,
)
from asc_pipelines.definitions import build_definitions
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox_setup import sandbox_config, world_stores

pytestmark = pytest.mark.slow


def _canary(what: str) -> str:
    return f"CANARY{what}{uuid.uuid4().hex}"


def _text_cells(path: Path) -> Iterator[str]:
    """Every text value of every table and view column in a DuckDB file."""
    with duckdb.connect(str(path), read_only=True) as conn:
        columns = conn.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE NOT internal AND data_type IN ('VARCHAR', 'JSON') "
            "OR data_type LIKE '%[]' OR data_type LIKE 'MAP%' OR data_type LIKE 'STRUCT%'"
        ).fetchall()
        for schema, table, column in columns:
            rows = conn.execute(
                f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}"'
            ).fetchall()
            yield from (row[0] for row in rows if row[0] is not None)


def _files(*roots: Path) -> Iterator[tuple[Path, bytes]]:
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path, path.read_bytes()


def test_canary_credentials_appear_nowhere_under_faults_and_refusals(
    tmp_path: Path,
    small_world: Path,
    sandbox_factory,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    stores = [store["id"] for store in world_stores(small_world)]
    secrets = {
        "lwa_client_id": _canary("clientid"),
        "lwa_client_secret": _canary("secret"),
        "magento_username": _canary("user"),
        "magento_password": _canary("password"),
        **{f"refresh_{s}": f"Atzr|{_canary('refresh')}" for s in stores},
    }
    # The sandbox accepts the canaries (they are what it issued), so real tokens flow.
    monkeypatch.setattr(credentials, "LWA_CLIENT_ID", secrets["lwa_client_id"])
    monkeypatch.setattr(credentials, "LWA_CLIENT_SECRET", secrets["lwa_client_secret"])
    monkeypatch.setattr(credentials, "MAGENTO_ADMIN_USERNAME", secrets["magento_username"])
    monkeypatch.setattr(credentials, "MAGENTO_ADMIN_PASSWORD", secrets["magento_password"])
    monkeypatch.setattr(credentials, "refresh_token", lambda store: secrets[f"refresh_{store}"])
    for name, key in (
        (LWA_CLIENT_ID_ENV, "lwa_client_id"),
        (LWA_CLIENT_SECRET_ENV, "lwa_client_secret"),
        (MAGENTO_USERNAME_ENV, "magento_username"),
        (MAGENTO_PASSWORD_ENV, "magento_password"),
        *((default_refresh_token_env(s), f"refresh_{s}") for s in stores),
    ):
        monkeypatch.setenv(name, secrets[key])

    server = sandbox_factory(small_world)
    config = tmp_path / "asc.yaml"
    settings = sandbox_config(small_world, server.base_url, rate_scale=50)
    del settings["env_defaults"]  # the variables above are the only source of credentials
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    data, home = tmp_path / "data", tmp_path / "dagster_home"
    home.mkdir()
    defs = build_definitions(config_file=config, data_directory=data)

    with dg.instance_for_test(temp_dir=str(home)) as instance:
        runs = [run_sync(defs, data, instance, log_level="DEBUG").run_id]
        # Transient faults on every side: retries, token refreshes, resets, truncation.
        server.advance(5)
        for operation, kind, options in (
            ("lwaToken", "status", {"status": 500, "times": 2}),
            ("getOrders", "token_expiry", {}),
            ("createReport", "status", {"status": 503, "times": 2}),
            ("searchListingsItems", "reset", {"times": 2}),
            ("downloadReportDocument", "truncate", {}),
            ("magento.adminToken", "status", {"status": 500, "times": 2}),
            ("magento.getProducts", "reset", {}),
        ):
            server.faults.add(operation, kind, **options)
        runs.append(run_sync(defs, data, instance, log_level="DEBUG").run_id)
        # Credentials refused: the sandbox now expects other ones.
        server.faults.clear()
        server.advance(5)
        monkeypatch.setattr(credentials, "LWA_CLIENT_SECRET", "another-secret")
        monkeypatch.setattr(credentials, "MAGENTO_ADMIN_PASSWORD", "another-password")
        server.faults.add("*", "token_expiry")  # the cached access tokens must be refreshed
        refused = run_sync(defs, data, instance, log_level="DEBUG")
        runs.append(refused.run_id)
        assert any("invalid_client" in m for m in refused.messages), refused.messages

        events = [dg.serialize_value(record) for run in runs for record in instance.all_logs(run)]
        events += [dg.serialize_value(instance.get_run_by_id(run)) for run in runs]
    out, err = capfd.readouterr()

    issued = list(server.app.tokens._grants) + list(server.app.magento._tokens)
    assert issued, "the sandbox issued access tokens: they are secrets too"
    needles = {**secrets, **{f"issued token {n}": token for n, token in enumerate(issued)}}

    haystacks: dict[str, str | bytes] = {"stdout": out, "stderr": err}
    haystacks |= {f"event {n}": text for n, text in enumerate(events)}
    haystacks |= {str(path): content for path, content in _files(data, home)}
    for name in ("warehouse.duckdb", "asc.duckdb"):
        haystacks[f"{name} cells"] = "\n".join(_text_cells(data / name))
    assert len(haystacks) > 20 and (data / "reports" / "index.html").exists()

    found = [
        (what, where)
        for what, value in needles.items()
        for where, text in haystacks.items()
        if (value.encode() if isinstance(text, bytes) else value) in text
    ]
    assert found == []
    # The faults did fire: the search covered failure paths, not only the happy one.
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        errors = conn.execute("SELECT count(*) FROM raw.api_errors").fetchone()[0]
    assert errors >= 3
