"""The sync HTTP API under /api/v1 and the SQL storage behind the sync engine."""
