"""What people read: trends, the report pages and the analysts' copy of the warehouse."""
