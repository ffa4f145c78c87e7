"""Families, members and case assignments."""
