"""Accounts, sign-in and sessions."""
