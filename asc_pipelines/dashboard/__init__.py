"""Report pages for people: an index of stores and a dashboard page per store, with charts."""
