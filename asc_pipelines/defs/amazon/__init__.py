"""The Amazon side of a tick: each store's listings snapshot, listing issues, orders and ASIN
look-ups, and the checks on the snapshot."""
