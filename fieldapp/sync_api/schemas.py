"""Marshmallow schemas of the HTTP API that the engine does not need."""

from __future__ import annotations

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from sync.protocol import check_storable


class DeviceRegistrationSchema(Schema):
    """POST /api/v1/devices."""

    class Meta:
        unknown = EXCLUDE

    device_id = fields.UUID(required=True)
    app_version = fields.String(
        load_default="", validate=[validate.Length(max=32), check_storable]
    )
