"""Demo data for trying fieldapp: fictional people, never real cases."""
