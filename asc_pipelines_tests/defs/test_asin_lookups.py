"""``asin_lookups`` against the sandbox's Catalog Items API (real HTTP), on hand-built worlds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import requests
import yaml
from stdnum import ean

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.amazon.asin_lookups import asin_lookups
from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines.warehouse.schema import ensure_schema

US = "ATVPDKIKX0DER"
UK = "A1F83G8C2ARO7P"

LISTINGS_HEADER = (
    "item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\topen-date\t"
    "image-url\titem-is-marketplace\tproduct-id-type\tzshop-shipping-fee\titem-note\t"
    "item-condition\tzshop-category1\tzshop-browse-path\tzshop-storefront-feature\tasin1\t"
    "asin2\tasin3\twill-ship-internationally\texpedited-shipping\tzshop-boldface\tproduct-id\t"
    "bid-for-featured-placement\tadd-delete\tpending-quantity\tfulfillment-channel\t"
    "merchant-shipping-group\tstatus\n"
)

# Identifiers of the catalog test (valid check digits).
UPC_SINGLE = "036000291452"  # one ASIN
EAN_SEVERAL = "4006381333931"  # two ASINs
UPC_PARENT = "012345678905"  # a variation parent
UPC_ABSENT = "042100005264"  # not in the catalog
UPC_OWN_ASIN = "073854013106"  # in the catalog, but the product has its own amazon_asin
UPC_LISTED = "885909950805"  # in the catalog, but a listing of the store matches the product
GTIN_UK = "00614141999996"  # the uk store's only identifier


def _upc(n: int) -> str:
    body = f"{n:011d}"
    return body + ean.calc_check_digit(body)


def _world(root: Path, catalog: list[dict[str, str]]) -> Path:
    world = root / "world"
    world.mkdir()
    (world / "world.json").write_text(
        json.dumps(
            {
                "now": "2026-11-20T12:00:00Z",
                "stores": [
                    {"id": "us", "marketplace": "US", "seller_id": "A3LOOKUPUS0001"},
                    {"id": "uk", "marketplace": "UK", "seller_id": "A3LOOKUPUK0001"},
                ],
            }
        ),
        encoding="utf-8",
    )
    for store in ("us", "uk"):
        (world / "amazon" / store).mkdir(parents=True)
        (world / "amazon" / store / "listings.tsv").write_text(LISTINGS_HEADER, encoding="utf-8")
    fields = ["marketplace", "identifier_type", "identifier", "asin", "parent_asin"]
    lines = [",".join(fields)] + [",".join(row.get(f, "") for f in fields) for row in catalog]
    (world / "amazon" / "catalog.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return world


def _setup(
    tmp_path: Path, world: Path, server, monkeypatch: pytest.MonkeyPatch, **matching: object
) -> dict[str, Any]:
    config = write_sandbox_config(tmp_path / "asc.yaml", world, server.base_url, rate_scale=50)
    if matching:
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw["matching"] = dict(matching)
        config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for name, value in load_config(config).env_defaults.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    data.mkdir()
    defs = build_definitions(config_file=config, data_directory=data)
    resources = {key: defs.resources[key] for key in ("settings", "duckdb", "amazon_credentials")}
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:
        ensure_schema(conn)
    return {"data": data, "resources": resources}


def _product(
    store_id: str,
    sku: str,
    lookup: tuple[str, str] | None,
    *,
    eligible: bool = True,
    amazon_asin: str | None = None,
) -> list[object]:
    kind, value = lookup or (None, None)
    gtin14 = None if value is None else value.zfill(14)
    reason = None if eligible else "disabled"
    computed_at = datetime(2026, 11, 20, 12, tzinfo=UTC)
    qty, condition = 5, "new_new"
    row = [store_id, sku, eligible, reason, qty, qty, condition, amazon_asin]
    return [*row, kind, value, gtin14, computed_at]


def _insert(data: Path, products: list[list[object]], matches: list[tuple[str, str]] = ()) -> None:
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:
        conn.executemany(
            "INSERT INTO core.product_eligibility VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            products,
        )
        for store_id, sku in matches:
            conn.execute(
                "INSERT INTO core.product_matches VALUES (?, ?, 'B0LISTED01', ?, 'seller_sku', "
                "1, false, now())",
                [store_id, f"AMZ-{sku}", sku],
            )


def _run(setup: dict[str, Any]) -> dict[str, Any]:
    result = dg.materialize(
        [asin_lookups], resources=setup["resources"], instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    metadata = result.asset_materializations_for_node("asin_lookups")[0].metadata
    return {key: value.value for key, value in metadata.items()}


def _lookups(data: Path) -> dict[tuple[str, str], tuple[list[str], list[str], datetime]]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "SELECT marketplace_id, identifier, asins, variation_parent_asins, looked_up_at "
            "FROM core.asin_lookups"
        ).fetchall()
    return {(m, i): (a, p, t) for m, i, a, p, t in rows}


def _fault(server, **fault: object) -> None:
    response = requests.post(f"{server.base_url}/_sandbox/faults", json=fault, timeout=5)
    assert response.status_code < 300, response.text


CATALOG = [
    {"marketplace": "US", "identifier_type": "UPC", "identifier": UPC_SINGLE, "asin": "B0SINGLE01"},
    {
        "marketplace": "US",
        "identifier_type": "EAN",
        "identifier": EAN_SEVERAL,
        "asin": "B0MULTI001",
    },
    {
        "marketplace": "US",
        "identifier_type": "EAN",
        "identifier": EAN_SEVERAL,
        "asin": "B0MULTI002",
    },
    {"marketplace": "US", "identifier_type": "UPC", "identifier": UPC_PARENT, "asin": "B0PARENT01"},
    {
        "marketplace": "US",
        "identifier_type": "UPC",
        "identifier": "012345678912",
        "asin": "B0CHILD001",
        "parent_asin": "B0PARENT01",
    },
    {
        "marketplace": "US",
        "identifier_type": "UPC",
        "identifier": UPC_OWN_ASIN,
        "asin": "B0OWN00001",
    },
    {"marketplace": "US", "identifier_type": "UPC", "identifier": UPC_LISTED, "asin": "B0LISTED01"},
    {"marketplace": "UK", "identifier_type": "GTIN", "identifier": GTIN_UK, "asin": "B0UKITEM01"},
]


def test_lookups_resolve_each_identifier_and_are_cached_for_a_day(
    tmp_path: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, CATALOG)
    server = sandbox_factory(world)
    setup = _setup(tmp_path, world, server, monkeypatch)
    data = setup["data"]
    _insert(
        data,
        [
            _product("us", "SINGLE-A", ("UPC", UPC_SINGLE)),
            _product("us", "SINGLE-B", ("UPC", UPC_SINGLE)),  # shares the identifier
            _product("us", "SEVERAL", ("EAN", EAN_SEVERAL)),
            _product("us", "PARENT", ("UPC", UPC_PARENT)),
            _product("us", "ABSENT", ("UPC", UPC_ABSENT)),
            _product("us", "OWN-ASIN", ("UPC", UPC_OWN_ASIN), amazon_asin="B0OWN00001"),
            _product("us", "LISTED", ("UPC", UPC_LISTED)),
            _product("us", "DISABLED", ("UPC", _upc(777))),
            _product("us", "NO-ID", None),
            _product("uk", "UK-ITEM", ("GTIN", GTIN_UK)),
            _product("uk", "LISTED", ("UPC", UPC_LISTED)),  # listed in us only: uk looks it up
        ],
        matches=[("us", "LISTED")],
    )
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:
        conn.execute(
            "UPDATE core.product_eligibility SET eligible = false WHERE magento_sku = 'DISABLED'"
        )

    first = _run(setup)
    lookups = _lookups(data)
    assert {key: (asins, parents) for key, (asins, parents, _) in lookups.items()} == {
        (US, UPC_SINGLE): (["B0SINGLE01"], []),
        (US, EAN_SEVERAL): (["B0MULTI001", "B0MULTI002"], []),
        (US, UPC_PARENT): (["B0PARENT01"], ["B0PARENT01"]),
        (US, UPC_ABSENT): ([], []),
        (UK, GTIN_UK): (["B0UKITEM01"], []),
        (UK, UPC_LISTED): ([], []),  # the uk marketplace does not know it
    }
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        types = conn.execute(
            "SELECT identifier, identifier_type, gtin14 FROM core.asin_lookups ORDER BY 1"
        ).fetchall()
    assert (EAN_SEVERAL, "EAN", "0" + EAN_SEVERAL) in types
    assert (GTIN_UK, "GTIN", GTIN_UK) in types
    assert first["per_store"]["us"] == {
        "needed": 4,
        "looked_up": 4,
        "pending": 0,
        "requests": 2,  # one EAN request, one UPC request
        "single": 1,
        "several": 1,
        "variation_parent": 1,
        "nothing": 1,
    }
    assert first["per_store"]["uk"]["looked_up"] == 2
    assert first["dagster/row_count"] == 6

    # Within 24 hours nothing is asked again: any catalog request would now fail the store.
    _fault(server, operation="searchCatalogItems", kind="status", status=400, times=-1)
    second = _run(setup)
    assert {s: v["requests"] for s, v in second["per_store"].items()} == {"us": 0, "uk": 0}
    assert {s: v["needed"] for s, v in second["per_store"].items()} == {"us": 0, "uk": 0}
    assert _lookups(data) == lookups
    requests.delete(f"{server.base_url}/_sandbox/faults", timeout=5)

    # An answer older than asin_lookup_max_age_hours is asked again.
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:
        conn.execute(
            "UPDATE core.asin_lookups SET looked_up_at = looked_up_at - INTERVAL 25 HOURS "
            "WHERE identifier = ?",
            [UPC_ABSENT],
        )
    third = _run(setup)
    assert third["per_store"]["us"]["looked_up"] == 1
    assert third["per_store"]["uk"]["looked_up"] == 0
    refreshed = _lookups(data)
    # Answered anew: at the sandbox's (fixed) now again, not 25 hours back. (Comparing with the
    # first answer's microseconds would compare two readings of the same frozen clock.)
    assert refreshed[(US, UPC_ABSENT)][2] > lookups[(US, UPC_ABSENT)][2] - timedelta(hours=1)
    assert refreshed[(US, UPC_SINGLE)] == lookups[(US, UPC_SINGLE)]


def test_the_request_budget_leaves_the_rest_for_the_next_tick(
    tmp_path: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    upcs = [_upc(1000 + n) for n in range(25)]
    catalog = [
        {"marketplace": "US", "identifier_type": "UPC", "identifier": u, "asin": f"B0BUDGET{n:02d}"}
        for n, u in enumerate(upcs)
    ]
    world = _world(tmp_path, catalog)
    server = sandbox_factory(world)
    setup = _setup(tmp_path, world, server, monkeypatch, asin_lookup_requests_per_tick=1)
    _insert(setup["data"], [_product("us", f"P{n:02d}", ("UPC", u)) for n, u in enumerate(upcs)])

    first = _run(setup)["per_store"]["us"]
    assert (first["needed"], first["looked_up"], first["pending"], first["requests"]) == (
        25,
        20,
        5,
        1,
    )
    assert sorted(i for _, i in _lookups(setup["data"])) == sorted(upcs)[:20]

    second = _run(setup)["per_store"]["us"]
    assert (second["needed"], second["looked_up"], second["pending"]) == (5, 5, 0)
    lookups = _lookups(setup["data"])
    assert len(lookups) == 25
    assert [lookups[(US, u)][0] for u in upcs] == [[f"B0BUDGET{n:02d}"] for n in range(25)]

    third = _run(setup)["per_store"]["us"]
    assert (third["needed"], third["requests"]) == (0, 0)


def test_a_store_whose_credentials_fail_is_recorded_and_the_other_still_looks_up(
    tmp_path: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, CATALOG)
    server = sandbox_factory(world)
    setup = _setup(tmp_path, world, server, monkeypatch)
    monkeypatch.setenv("ASC_REFRESH_TOKEN_UK", "Atzr|revoked-refresh-token-for-uk")
    _insert(
        setup["data"],
        [_product("us", "SINGLE", ("UPC", UPC_SINGLE)), _product("uk", "UK", ("GTIN", GTIN_UK))],
    )
    metadata = _run(setup)
    assert set(metadata["per_store"]) == {"us"}
    assert list(_lookups(setup["data"])) == [(US, UPC_SINGLE)]
    with duckdb.connect(str(setup["data"] / "warehouse.duckdb"), read_only=True) as conn:
        outcomes = conn.execute(
            "SELECT store_id, outcome FROM raw.store_fetches WHERE dataset = 'asin_lookups' "
            "ORDER BY 1"
        ).fetchall()
        errors = conn.execute("SELECT DISTINCT store_id, code FROM raw.api_errors").fetchall()
    assert outcomes == [("uk", "failed"), ("us", "ok")]
    assert errors == [("uk", "invalid_grant")]


def test_nothing_to_look_up_on_an_empty_warehouse(
    tmp_path: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, CATALOG)
    server = sandbox_factory(world)
    setup = _setup(tmp_path, world, server, monkeypatch)
    (setup["data"] / "warehouse.duckdb").unlink()  # the asset creates the tables itself
    metadata = _run(setup)
    assert metadata["dagster/row_count"] == 0
    assert {s: v["requests"] for s, v in metadata["per_store"].items()} == {"us": 0, "uk": 0}


def test_a_failed_catalog_request_is_recorded_and_asked_again_next_tick(
    tmp_path: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, CATALOG)
    server = sandbox_factory(world)
    setup = _setup(tmp_path, world, server, monkeypatch)
    _insert(setup["data"], [_product("us", "SINGLE", ("UPC", UPC_SINGLE))])
    _fault(server, operation="searchCatalogItems", kind="status", status=400, times=1)
    first = _run(setup)["per_store"]["us"]
    assert (first["requests"], first["looked_up"], first["pending"]) == (1, 0, 1)
    assert _lookups(setup["data"]) == {}
    with duckdb.connect(str(setup["data"] / "warehouse.duckdb"), read_only=True) as conn:
        fetches = conn.execute(
            "SELECT store_id, outcome FROM raw.store_fetches WHERE dataset = 'asin_lookups' "
            "ORDER BY 1"
        ).fetchall()
        errors = conn.execute(
            "SELECT store_id, operation, http_status FROM raw.api_errors"
        ).fetchall()
    assert fetches == [("uk", "ok"), ("us", "failed")]
    assert errors == [("us", "searchCatalogItems", 400)]
    second = _run(setup)["per_store"]["us"]
    assert (second["looked_up"], second["pending"]) == (1, 0)
    assert _lookups(setup["data"])[(US, UPC_SINGLE)][0] == ["B0SINGLE01"]
