"""asc bench: measurements of the real sync job against a served world (issue 12)."""
