"""The sync engine: idempotent batch ingest and pulls, with no web framework."""
