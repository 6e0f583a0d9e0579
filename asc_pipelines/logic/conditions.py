"""Amazon listing conditions: a product's condition text resolved to a Listings Items conditionType.

Merchants write conditions as Amazon's API values (``used_like_new``) or as Seller Central / ASC
labels ("Used - Like New"). Both are accepted, compared case-insensitively and ignoring spaces,
hyphens and underscores; anything else cannot be resolved (status ``missing_condition``).
"""

from __future__ import annotations

import re

# Listings Items API 2021-08-01 conditionType values (protocols.md 3).
CONDITION_TYPES = (
    "new_new",
    "new_open_box",
    "new_oem",
    "refurbished_refurbished",
    "used_like_new",
    "used_very_good",
    "used_good",
    "used_acceptable",
    "collectible_like_new",
    "collectible_very_good",
    "collectible_good",
    "collectible_acceptable",
    "club_club",
)
# Seller Central / ASC labels whose squeezed form differs from the conditionType's.
_LABELS = {"new": "new_new", "refurbished": "refurbished_refurbished", "club": "club_club"}
_SQUEEZE = re.compile(r"[\s_\-]+")


def squeeze(text: str) -> str:
    """Lower-case without spaces, hyphens or underscores: how condition texts are compared."""
    return _SQUEEZE.sub("", text).lower()


def condition_keys() -> dict[str, str]:
    """Squeezed text → conditionType, for every accepted spelling."""
    keys = {squeeze(value): value for value in CONDITION_TYPES}
    keys.update({squeeze(label): value for label, value in _LABELS.items()})
    return keys
