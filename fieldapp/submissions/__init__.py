"""Filling forms and reading submissions."""
