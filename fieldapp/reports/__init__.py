"""The quarterly donor impact report: anonymous aggregates only (issue 18)."""
