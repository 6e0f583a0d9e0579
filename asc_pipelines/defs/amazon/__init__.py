"""The Amazon side of a tick: each store's listings snapshot, listing issues, orders and ASIN
look-ups, the outbox sent to Amazon (listing pushes), and the checks on the snapshot."""
