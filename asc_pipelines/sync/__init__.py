"""The plumbing of one sync tick, without Dagster: fetching every store side by side and landing
each one's outcome, the tick's time by the sources' clocks, the source clients that share the
tick's deadline, one store's listing changes sent to Amazon, and whether the process that ran a
tick is still alive."""
