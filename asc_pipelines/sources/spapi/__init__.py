"""The Selling Partner API client, one module per API family (as the sandbox serves them)."""
