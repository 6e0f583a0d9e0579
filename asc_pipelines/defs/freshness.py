"""How fresh the raw assets must be: they materialize every five minutes."""

from datetime import timedelta

import dagster as dg

# Warn after 10 minutes without a materialization (about one missed tick), fail after 15 (two).
# The raw assets materialize each tick even when a store fails, so this shows the pipeline
# stopping; a single store going stale is the `stale_store` sync issue.
SOURCE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(minutes=15), warn_window=timedelta(minutes=10)
)
