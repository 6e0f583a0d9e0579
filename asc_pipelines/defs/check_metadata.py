"""What every asset check's metadata looks like, shared by the checks of every domain.

Every figure in a check's metadata (counts, shares, thresholds) is a number, one entry per figure
and, per store, ``<figure>/<store_id>`` (``matched_share/us``), so the Dagster UI can plot it across
evaluations; only store ids and the sample tables are text.

Each check reads DuckDB only; it runs in the writer pool because ``DuckDBResource`` connections are
always read-write.
"""

from collections.abc import Mapping

SAMPLE_ROWS = 20
Figure = int | float


def per_store(figure: str, values: Mapping[str, Figure]) -> dict[str, Figure]:
    """One numeric metadata entry per store, ``<figure>/<store_id>``, in store order."""
    return {f"{figure}/{store_id}": values[store_id] for store_id in sorted(values)}
