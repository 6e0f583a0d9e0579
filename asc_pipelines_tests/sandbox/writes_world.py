"""Shared by the write-side sandbox tests: a one-ASIN catalog and reading the listings report."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import requests

US = "ATVPDKIKX0DER"
# One ASIN the US catalog knows and no seller lists yet: what an offer-only PUT can list.
CATALOG_CSV = (
    "marketplace,identifier_type,identifier,asin,parent_asin\nUS,UPC,036000291452,B0NEWITEM1,\n"
)


def listings_report(spapi: Callable[..., requests.Response]) -> dict[str, dict[str, str]]:
    """The US store's GET_MERCHANT_LISTINGS_ALL_DATA report as created now, by seller SKU (needs
    a sandbox whose reports are DONE at once)."""
    reports = "/reports/2021-06-30/reports"
    spec = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]}
    created = spapi("POST", reports, json=spec).json()
    report = spapi("GET", f"{reports}/{created['reportId']}").json()
    document = spapi("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    text = gzip.decompress(requests.get(document["url"], timeout=5).content).decode("cp1252")
    header, *lines = text.splitlines()
    columns = header.split("\t")
    rows = [dict(zip(columns, line.split("\t"), strict=True)) for line in lines]
    return {row["seller-sku"]: row for row in rows}
