"""Amazon's issues on a store's listings, read from Listings Items API ``Item`` objects.

``searchListingsItems`` with ``includedData=summaries,issues`` answers one ``Item`` per listing,
each with its ``issues`` (code, message, severity, categories, the attributes concerned and
Amazon's enforcement actions). A listing with several issues gives several rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

ISSUE_COLUMNS = [
    "store_id",
    "seller_sku",
    "asin",
    "item_status",
    "code",
    "message",
    "severity",
    "categories",
    "attribute_names",
    "enforcement_actions",
    "fetched_at",
]


def issue_rows(store_id: str, items: list[dict[str, Any]], fetched_at: datetime) -> pd.DataFrame:
    """One row per (listing, issue) from Listings Items API ``Item`` objects."""
    rows: list[dict[str, Any]] = []
    for item in items:
        summaries = item.get("summaries") or [{}]
        summary = summaries[0]
        for issue in item.get("issues") or []:
            actions = (issue.get("enforcements") or {}).get("actions") or []
            rows.append(
                {
                    "store_id": store_id,
                    "seller_sku": item["sku"],
                    "asin": summary.get("asin"),
                    "item_status": list(summary.get("status") or []),
                    "code": issue.get("code"),
                    "message": issue.get("message"),
                    "severity": issue.get("severity"),
                    "categories": list(issue.get("categories") or []),
                    "attribute_names": list(issue.get("attributeNames") or []),
                    "enforcement_actions": [a.get("action") for a in actions],
                    "fetched_at": fetched_at,
                }
            )
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS)
