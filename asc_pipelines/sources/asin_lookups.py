"""One store's catalog look-ups of a tick: ``searchCatalogItems`` for the identifiers due.

Identifiers go 20 of one type per request, at most ``max_requests`` requests; what is left waits
for the next tick. A failed request ends the store's look-ups for the tick, keeping the answers
before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from asc_pipelines.logic.asin_lookups import Candidate, batches, due
from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.spapi.catalog_matches import match_identifiers
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.warehouse.asin_lookups import LookupRow

INCLUDED_DATA = ("summaries", "identifiers", "relationships")


@dataclass
class StoreLookups:
    """What one store's look-ups of this tick produced."""

    needed: int = 0
    requests: int = 0
    rows: list[LookupRow] = field(default_factory=list)
    error: SourceError | None = None  # a request failed; the rows before it are kept
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def pending(self) -> int:
        return self.needed - len(self.rows)


def look_up_asins(
    client: SpApiClient,
    marketplace_id: str,
    candidates: list[Candidate],
    *,
    max_age_hours: float,
    max_requests: int,
) -> StoreLookups:
    """Ask the catalog for the candidates without a fresh answer, within ``max_requests``."""
    client.ensure_access_token()  # fails fast on bad credentials; learns Amazon's clock
    todo = due(candidates, client.server_now(), max_age_hours)
    result = StoreLookups(needed=len(todo))
    for batch in batches(todo)[:max_requests]:
        values = [c.value for c in batch]
        identifiers_type = batch[0].lookup_type
        result.requests += 1
        try:
            items = client.search_catalog_items(
                marketplace_id, values, identifiers_type, included_data=INCLUDED_DATA
            )
        except SourceError as exc:  # the answers so far are kept; the rest waits a tick
            result.error = exc
            break
        matches = match_identifiers(values, identifiers_type, items, marketplace_id)
        answered_at = client.server_now()
        for candidate in batch:
            match = matches[candidate.value]
            result.rows.append(
                LookupRow(
                    identifier_type=candidate.lookup_type,
                    gtin14=candidate.gtin14,
                    identifier=candidate.value,
                    asins=match.asins,
                    variation_parent_asins=match.variation_parent_asins,
                    looked_up_at=answered_at,
                )
            )
    result.now = client.server_now()
    return result
