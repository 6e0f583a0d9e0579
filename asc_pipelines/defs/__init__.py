"""The Dagster layer: assets, resources, jobs and schedules. Everything below it is plain Python."""
