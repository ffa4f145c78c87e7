"""Dashboards: each role's figures, every one a tap from the records behind it."""
