"""Hand-written sandbox worlds for the sandbox tests, built in a temporary directory.

``us``: a Cp1252 file in the 29-column ALL_DATA variant, US dates (``PDT``), accented names, an en
dash (in Cp1252) and a literal ``"``. ``uk``: a UTF-8 file in the 31-column variant (``Minimum
order quantity``, ``Sell remainder``) with ``DD/MM/YYYY ... BST`` dates and characters Cp1252
cannot hold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asc_pipelines import constants

NOW = "2025-10-01T12:00:00Z"
US_SELLER = "A2SANDBOXUS0001"
UK_SELLER = "A2SANDBOXUK0001"

HEADER_29 = list(constants.REPORT_HEADER_ALL_DATA_29)
HEADER_31 = [*HEADER_29, "Minimum order quantity", "Sell remainder"]


def listing_row(header: list[str], **cells: str) -> list[str]:
    """A report row with the given cells (by header name, ``-`` read as ``_``), others empty."""
    defaults = {"item-is-marketplace": "y", "pending-quantity": "0", "item-condition": "11"}
    values = {**defaults, **{k.replace("_", "-"): v for k, v in cells.items()}}
    return [values.get(column, "") for column in header]


def tsv(header: list[str], rows: list[list[str]]) -> str:
    """Amazon's flat-file text: tabs, no quoting, ``\\n`` line ends."""
    return "".join("\t".join(line) + "\n" for line in [header, *rows])


US_ROWS = [
    dict(
        item_name="Café Crème – 12oz",
        listing_id="0315ZB1G5NR",
        seller_sku="CAFE-12",
        price="12.99",
        quantity="40",
        open_date="2022-03-15 02:26:37 PDT",
        product_id_type="3",
        asin1="B0CAFE0001",
        product_id="012345678905",
        fulfillment_channel="DEFAULT",
        merchant_shipping_group="Migrated Template",
        status="Active",
    ),
    dict(
        item_name='Mug "Big" 16oz',
        listing_id="0708QHIDPCS",
        seller_sku="MUG-16",
        price="8.50",
        quantity="3",
        open_date="2023-01-10 09:00:00 PST",
        product_id_type="1",
        asin1="B0MUG00016",
        product_id="B0MUG00016",
        fulfillment_channel="DEFAULT",
        status="Active",
    ),
    dict(
        item_name="Zürich Tee Probierset",
        listing_id="0801TEAFBA1",
        seller_sku="FBA-TEA",
        price="5.00",
        quantity="",
        open_date="2024-06-01 12:00:00 PDT",
        product_id_type="4",
        asin1="B0TEA00FBA",
        product_id="4006381333931",
        fulfillment_channel="AMAZON_NA",
        status="Active",
    ),
    dict(
        item_name="Old Kettle",
        listing_id="0101OLDKET1",
        seller_sku="OLD-1",
        price="3.00",
        quantity="0",
        open_date="2021-05-05 05:05:05 PDT",
        product_id_type="1",
        asin1="B0OLDKET01",
        product_id="B0OLDKET01",
        item_condition="1",
        fulfillment_channel="DEFAULT",
        status="Inactive",
    ),
]

UK_ROWS = [
    dict(
        item_name="Crème brûlée ☕ set",
        listing_id="2909UKCB001",
        seller_sku="UK-CB-1",
        price="19.99",
        quantity="7",
        open_date="29/09/2025 16:19:39 BST",
        product_id_type="4",
        asin1="B0UKCB0001",
        product_id="5012345678900",
        fulfillment_channel="DEFAULT",
        status="Active",
        **{"Minimum order quantity": "1", "Sell remainder": "false"},
    ),
    dict(
        item_name="Łódź teapot 日本",
        listing_id="3003UKTP002",
        seller_sku="UK-TP-2",
        price="24.50",
        quantity="2",
        open_date="30/03/2011 16:23:57 GMT",
        product_id_type="1",
        asin1="B0UKTP0002",
        product_id="B0UKTP0002",
        fulfillment_channel="DEFAULT",
        status="Active",
        **{"Minimum order quantity": "", "Sell remainder": ""},
    ),
]

US_ISSUES = [
    {
        "sku": "CAFE-12",
        "status": ["BUYABLE", "DISCOVERABLE"],
        "issues": [
            {
                "code": "18027",
                "message": "We believe the main image has text, logo, graphic, or watermark.",
                "severity": "WARNING",
                "attributeNames": ["main_product_image_locator"],
                "categories": ["INVALID_IMAGE"],
            }
        ],
    },
    {
        "sku": "OLD-1",
        "status": [],
        "issues": [
            {
                "code": "90220",
                "message": "'size' is required but not supplied.",
                "severity": "ERROR",
                "attributeNames": ["size"],
                "categories": ["MISSING_ATTRIBUTE"],
                "enforcements": {
                    "actions": [{"action": "LISTING_SUPPRESSED"}],
                    "exemption": {"status": "NOT_EXEMPT"},
                },
            }
        ],
    },
]


def order(order_id: str, purchased: str, updated: str, status: str, sku: str, asin: str) -> dict:
    """A v0 Order with one OrderItem, in the shape of the model's examples."""
    money = {"CurrencyCode": "USD", "Amount": "12.99"}
    return {
        "AmazonOrderId": order_id,
        "PurchaseDate": purchased,
        "LastUpdateDate": updated,
        "OrderStatus": status,
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.com",
        "OrderTotal": money,
        "NumberOfItemsShipped": 1 if status == "Shipped" else 0,
        "NumberOfItemsUnshipped": 0 if status == "Shipped" else 1,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": "ATVPDKIKX0DER",
        "OrderType": "StandardOrder",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "OrderItems": [
            {
                "ASIN": asin,
                "SellerSKU": sku,
                "OrderItemId": order_id.replace("-", "")[:14],
                "Title": "item",
                "QuantityOrdered": 1,
                "QuantityShipped": 1 if status == "Shipped" else 0,
                "ItemPrice": money,
                "IsGift": "false",
                "ConditionId": "New",
            }
        ],
    }


US_ORDERS = [
    order(
        "111-0000001-0000001",
        "2025-09-30T08:00:00Z",
        "2025-09-30T09:00:00Z",
        "Shipped",
        "CAFE-12",
        "B0CAFE0001",
    ),
    order(
        "111-0000002-0000002",
        "2025-09-30T10:00:00Z",
        "2025-10-01T11:00:00Z",
        "Unshipped",
        "MUG-16",
        "B0MUG00016",
    ),
    order(
        "111-0000003-0000003",
        "2025-10-01T11:30:00Z",
        "2025-10-01T11:30:00Z",
        "Unshipped",
        "CAFE-12",
        "B0CAFE0001",
    ),
]

PRODUCTS_CSV = (
    "sku,store_view_code,attribute_set_code,product_type,product_websites,name,product_online,"
    "visibility,price,qty,is_in_stock,additional_attributes,created_at,updated_at\n"
    'CAFE-12,,Default,simple,base,"Café Crème – 12oz",1,"Catalog, Search",12.99,40,1,'
    '"amazon_asin=B0CAFE0001,upc=012345678905",2025-09-01 10:00:00,2025-09-01 10:00:00\n'
    'MUG-16,,Default,simple,base,"Mug ""Big"" 16oz",1,"Catalog, Search",8.50,3,1,'
    '"amazon_asin=B0MUG00016",2025-09-01 10:00:00,2025-09-01 10:00:00\n'
)


def write_jsonl(path: Path, entries: list[dict[str, Any]]) -> None:
    """One JSON object per line."""
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), "utf-8")


def write_store(
    world: Path, store_id: str, data: bytes, issues: list | None = None, orders: list | None = None
) -> None:
    """A store's Amazon files."""
    store_dir = world / "amazon" / store_id
    store_dir.mkdir(parents=True, exist_ok=True)
    (store_dir / "listings.tsv").write_bytes(data)
    if issues is not None:
        write_jsonl(store_dir / "issues.jsonl", issues)
    if orders is not None:
        write_jsonl(store_dir / "orders.jsonl", orders)


def build_tiny_world(world: Path) -> Path:
    """The two-store world most sandbox tests use."""
    world.mkdir(parents=True, exist_ok=True)
    stores = [
        {"id": "us", "marketplace": "US", "seller_id": US_SELLER, "website": "base"},
        {"id": "uk", "marketplace": "GB", "seller_id": UK_SELLER, "website": "uk"},
    ]
    (world / "world.json").write_text(json.dumps({"now": NOW, "stores": stores}), "utf-8")
    us_rows = [listing_row(HEADER_29, **row) for row in US_ROWS]
    write_store(world, "us", tsv(HEADER_29, us_rows).encode("cp1252"), US_ISSUES, US_ORDERS)
    uk_rows = [listing_row(HEADER_31, **row) for row in UK_ROWS]
    write_store(world, "uk", tsv(HEADER_31, uk_rows).encode("utf-8"))
    (world / "magento").mkdir(exist_ok=True)
    (world / "magento" / "products.csv").write_text(PRODUCTS_CSV, "utf-8")
    return world


def build_big_store_world(world: Path, listings: int) -> Path:
    """One US store with ``listings`` plain FBM listings (for paging caps)."""
    world.mkdir(parents=True, exist_ok=True)
    stores = [{"id": "us", "marketplace": "US", "seller_id": US_SELLER}]
    (world / "world.json").write_text(json.dumps({"now": NOW, "stores": stores}), "utf-8")
    rows = [
        listing_row(
            HEADER_29,
            item_name=f"Item {n}",
            seller_sku=f"SKU-{n:05d}",
            price="1.00",
            quantity="5",
            open_date="2024-01-01 00:00:00 PST",
            asin1=f"B0{n:08d}",
            fulfillment_channel="DEFAULT",
            status="Active",
        )
        for n in range(listings)
    ]
    write_store(world, "us", tsv(HEADER_29, rows).encode("cp1252"))
    return world
