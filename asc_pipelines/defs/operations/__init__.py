"""Running the pipeline: the sync job and its five-minute schedule, alerts, run purge and runs
left behind by dead processes."""
