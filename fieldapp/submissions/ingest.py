"""Store one submission item, online form or sync batch alike (the sync issue fills this)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Literal

from fieldapp.auth.models import User

Status = Literal["accepted", "duplicate", "conflict", "rejected"]


@dataclass
class ItemResult:
    """The verdict on one item, as the device and the page see it."""

    status: Status
    uuid: str
    #: accepted/duplicate: {"server_id", "received_at", "content_hash"}
    receipt: dict[str, Any] | None = None
    #: rejected: {path: [{"code", "params", "message"}]} in the user's language
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    message: str = ""


def ingest_item(item: Mapping[str, Any], *, user: User, device_id: uuid.UUID | None,
                locale: str) -> ItemResult:
    """Validate and store one item in its own transaction; never raise for bad input."""
    raise NotImplementedError("implemented with the sync engine")
