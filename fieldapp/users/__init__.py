"""Staff account management."""
