"""Catalog Items: mapping search results back to identifiers, and the client against the sandbox."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sources.spapi.catalog_matches import (
    CatalogMatch,
    match_identifiers,
    normalize_identifier,
)
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines_tests.sandbox.worlds import build_tiny_world

US = "ATVPDKIKX0DER"
UK = "A1F83G8C2ARO7P"


def item(
    asin: str,
    identifiers: Sequence[tuple[str, str]] = (),
    *,
    marketplace_id: str = US,
    classification: str = "BASE_PRODUCT",
    relationships: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A searchCatalogItems Item as Amazon shapes it."""
    return {
        "asin": asin,
        "summaries": [{"marketplaceId": marketplace_id, "itemClassification": classification}],
        "identifiers": [
            {
                "marketplaceId": marketplace_id,
                "identifiers": [{"identifierType": k, "identifier": v} for k, v in identifiers],
            }
        ],
        "relationships": [{"marketplaceId": marketplace_id, "relationships": relationships or []}],
    }


# --- match_identifiers: pure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("UPC", "036000291452"),
        ("EAN", "0036000291452"),
        ("GTIN", "00036000291452"),
        ("EAN", "0036-0002-91452"),
    ],
)
def test_every_padding_of_the_same_code_matches(kind: str, value: str) -> None:
    items = [
        item("B0AAAAAAA1", [("EAN", "0036000291452"), ("GTIN", "00036000291452")]),
        item("B0AAAAAAA2", [("UPC", "012345678905")]),
    ]
    matches = match_identifiers([value, "099999999993"], kind, items, US)
    assert matches[value] == CatalogMatch(value, ("B0AAAAAAA1",), ())
    assert matches["099999999993"].asins == ()
    assert not matches["099999999993"].found


def test_a_upc_search_answered_with_only_ean_and_gtin_still_maps() -> None:
    """protocols.md 4.5: the UPC itself is not in the result, its GTIN-14 is."""
    items = [
        item("B0UPC00001", [("EAN", "0000050097425"), ("GTIN", "00000050097425")]),
        item("B0UPC00002", [("UPC", "012345678905")]),
    ]
    matches = match_identifiers(["000050097425", "012345678905"], "UPC", items, US)
    assert matches["000050097425"].asins == ("B0UPC00001",)
    assert matches["012345678905"].asins == ("B0UPC00002",)


def test_isbn_10_and_isbn_13_are_the_same_book() -> None:
    items = [item("B0BOOK0001", [("ISBN", "9780306406157")]), item("B0BOOK0002", [])]
    matches = match_identifiers(["0-306-40615-2", "080442957X"], "ISBN", items, US)
    assert matches["0-306-40615-2"].asins == ("B0BOOK0001",)
    assert matches["080442957X"].asins == ()
    assert normalize_identifier("ISBN", "0306406152") == normalize_identifier(
        "EAN", "9780306406157"
    )


def test_an_identifier_on_two_asins_is_ambiguous() -> None:
    items = [
        item("B0TWIN0001", [("GTIN", "00614141000036")]),
        item("B0TWIN0002", [("EAN", "0614141000036")]),
        item("B0OTHER001", [("UPC", "012345678905")]),
    ]
    matches = match_identifiers(["614141000036", "012345678905"], "UPC", items, US)
    assert matches["614141000036"].asins == ("B0TWIN0001", "B0TWIN0002")
    assert matches["614141000036"].ambiguous
    assert not matches["012345678905"].ambiguous


def test_variation_parents_are_recognised_by_classification_or_children() -> None:
    children = [{"type": "VARIATION", "childAsins": ["B0CHILD001"]}]
    items = [
        item("B0PARENT01", [("UPC", "081123456004")], classification="VARIATION_PARENT"),
        item("B0PARENT02", [("UPC", "081123456011")], relationships=children),
        item(
            "B0CHILD003",
            [("UPC", "081123456028")],
            relationships=[{"type": "VARIATION", "parentAsins": ["B0PARENT01"]}],
        ),
        item(
            "B0PACKAGE1", [("UPC", "081123456035")], relationships=[{"type": "PACKAGE_HIERARCHY"}]
        ),
    ]
    searched = ["081123456004", "081123456011", "081123456028", "081123456035"]
    matches = match_identifiers(searched, "UPC", items, US)
    assert matches["081123456004"].variation_parent_asins == ("B0PARENT01",)
    assert matches["081123456011"].variation_parent_asins == ("B0PARENT02",)
    assert matches["081123456028"].variation_parent_asins == ()
    assert matches["081123456035"].variation_parent_asins == ()


def test_asin_searches_match_the_item_asin() -> None:
    items = [item("B0CAT00001"), item("B0CAT00002")]
    matches = match_identifiers(["b0cat00002", "B0NOPE0000"], "ASIN", items, US)
    assert matches["b0cat00002"].asins == ("B0CAT00002",)
    assert matches["B0NOPE0000"].asins == ()


def test_identifiers_of_another_marketplace_do_not_count() -> None:
    items = [item("B0UK000001", [("EAN", "5012345678900")], marketplace_id=UK)]
    matches = match_identifiers(["5012345678900", "012345678905"], "EAN", items, US)
    assert matches["5012345678900"].asins == ()


def test_a_single_searched_identifier_owns_every_item() -> None:
    """A SKU search (or any single-identifier search) needs no identifier in the result."""
    matches = match_identifiers(["MY-SKU"], "SKU", [item("B0CAFE0001")], US)
    assert matches == {"MY-SKU": CatalogMatch("MY-SKU", ("B0CAFE0001",), ())}


def test_no_items_means_nothing_found() -> None:
    assert match_identifiers(["012345678905"], "UPC", [], US)["012345678905"].asins == ()


# --- the client against the sandbox -------------------------------------------------------------


def client(server: SandboxServer, store_id: str = "us", rate_scale: float = 1.0) -> SpApiClient:
    return SpApiClient(
        endpoint=server.base_url,
        lwa_token_url=server.base_url + "/auth/o2/token",
        client_id=credentials.LWA_CLIENT_ID,
        client_secret=credentials.LWA_CLIENT_SECRET,
        refresh_token=credentials.refresh_token(store_id),
        rate_scale=rate_scale,
        timeout=10,
        backoff_base=0.05,
    )


def test_more_than_20_identifiers_is_refused_before_any_request() -> None:
    spapi = SpApiClient(
        endpoint="http://127.0.0.1:9",
        lwa_token_url="http://127.0.0.1:9/auth/o2/token",
        client_id="id",
        client_secret="secret",
        refresh_token="Atzr|x",
    )
    with pytest.raises(ValueError, match="at most 20"):
        spapi.search_catalog_items(US, [f"{n:012d}" for n in range(21)], "UPC")
    assert spapi.requests_sent == 0


TWINS = [f"0811234{n:04d}" for n in range(20)]  # 11 digits; the check digit is appended below


def _upc(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@pytest.fixture
def family_world(tmp_path: Path) -> Iterator[SandboxServer]:
    """20 ambiguous UPCs (two ASINs each, 40 results: two pages) and one variation family."""
    world = build_tiny_world(tmp_path / "world")
    lines = ["marketplace,identifier_type,identifier,asin,parent_asin"]
    for n, body in enumerate(TWINS):
        lines.append(f"US,EAN,0{_upc(body)},B0TWINA{n:03d},")
        lines.append(f"US,UPC,{_upc(body)},B0TWINB{n:03d},")
    lines.append("US,UPC,075010313112,B0CHILD001,B0PARENT01")
    lines.append("US,UPC,042100005264,B0CHILD002,B0PARENT01")
    (world / "amazon" / "catalog.csv").write_text("\n".join(lines) + "\n", "utf-8")
    with SandboxServer(world, clock_mode="fixed") as server:  # Amazon's real 2/s, burst 2
        yield server


def test_a_batch_of_20_pages_through_40_results_without_a_429(
    family_world: SandboxServer,
) -> None:
    spapi = client(family_world)
    upcs = [_upc(body) for body in TWINS]
    items = spapi.search_catalog_items(US, upcs, "UPC")
    assert len(items) == 40
    assert spapi.requests_sent == 2  # pageSize 20, one nextToken
    matches = match_identifiers(upcs, "UPC", items, US)
    for n, upc in enumerate(upcs):
        assert matches[upc].asins == (f"B0TWINA{n:03d}", f"B0TWINB{n:03d}")
    more = spapi.search_catalog_items(US, ["075010313112", "099999999993"], "UPC")
    assert [i["asin"] for i in more] == ["B0CHILD001"]
    parent = spapi.get_catalog_item("B0PARENT01", [US])
    assert parent is not None
    assert parent["summaries"][0]["itemClassification"] == "VARIATION_PARENT"
    assert match_identifiers(["B0PARENT01"], "ASIN", [parent], US)[
        "B0PARENT01"
    ].variation_parent_asins == ("B0PARENT01",)
    assert spapi.get_catalog_item("B0NOPE0000", [US]) is None
    assert spapi.throttled_responses == 0


def test_a_sku_search_sends_the_seller_id(family_world: SandboxServer) -> None:
    spapi = client(family_world)
    with pytest.raises(ValueError, match="seller_id"):
        spapi.search_catalog_items(US, ["CAFE-12"], "SKU")
    items = spapi.search_catalog_items(US, ["CAFE-12"], "SKU", seller_id="A2SANDBOXUS0001")
    assert match_identifiers(["CAFE-12"], "SKU", items, US)["CAFE-12"].asins == ("B0CAFE0001",)


@pytest.fixture(scope="module")
def generated_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalog-world")
    generate_world(out, products=300, stores=2, seed=7)
    return out


def test_generated_catalog_resolves_batched_eans_like_the_csv_says(generated_world: Path) -> None:
    """Every US UPC of the generated catalog, searched as its 13-digit EAN, 20 per request."""
    truth: dict[str, list[str]] = defaultdict(list)
    with (generated_world / "amazon" / "catalog.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["marketplace"] == "US" and row["identifier_type"] == "UPC":
                truth["0" + row["identifier"]].append(row["asin"])
    searched = [*truth, "0099999999993", "0099999999994"]
    assert len(searched) > 20  # two requests at least
    with SandboxServer(generated_world, clock_mode="fixed") as server:
        spapi = client(server)
        matches: dict[str, CatalogMatch] = {}
        for start in range(0, len(searched), 20):
            batch = searched[start : start + 20]
            items = spapi.search_catalog_items(US, batch, "EAN")
            matches.update(match_identifiers(batch, "EAN", items, US))
    assert spapi.throttled_responses == 0
    for ean_code, asins in truth.items():
        assert matches[ean_code].asins == tuple(asins), ean_code
    assert matches["0099999999993"].asins == ()
    assert any(match.ambiguous for match in matches.values())
