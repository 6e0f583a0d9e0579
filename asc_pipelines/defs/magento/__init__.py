"""The Magento side of a tick: the catalog export with salable quantities."""
