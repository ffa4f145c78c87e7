"""Web Push notifications: subscriptions, reminders and delivery."""

from __future__ import annotations

from typing import Any


def is_truthy(value: Any) -> bool:
    """Read a flag that may come from the environment as 1, "1", "true" or True."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
