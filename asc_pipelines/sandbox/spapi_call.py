"""What an SP-API operation handler receives: the authenticated request in sandbox context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.wrappers import Request

from asc_pipelines.sandbox.amazon_state import StoreState


@dataclass
class Call:
    """One authenticated SP-API request: the caller's store, path parameters and sandbox time."""

    request: Request
    store: StoreState
    params: dict[str, str]
    now: datetime
    # The operation whose usage plan the answer's x-amzn-RateLimit-Limit names: the route's own,
    # or the stricter plan the handler also took a token from (a VALIDATION_PREVIEW's 1/s).
    usage_plan: str

    @property
    def marketplace_id(self) -> str:
        """The marketplace of the store the access token belongs to."""
        return self.store.store.marketplace.marketplace_id

    def query_list(self, name: str) -> list[str]:
        """A csv (``collectionFormat: csv``) or repeated query parameter as a list."""
        values: list[str] = []
        for raw in self.request.args.getlist(name):
            values.extend(part.strip() for part in raw.split(",") if part.strip())
        return values
