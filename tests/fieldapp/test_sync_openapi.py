from __future__ import annotations

import uuid

import jsonschema
import pytest
from openapi_spec_validator import validate

from sync import samples


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def check(document, path, method, response):
    """Validate a real response against the document's schema for its status."""
    spec = document["paths"][path][method]["responses"][str(response.status_code)]
    schema = spec["content"]["application/json"]["schema"]
    resolver = {"$ref": schema["$ref"]} if "$ref" in schema else schema
    jsonschema.validate(
        response.json,
        {**resolver, "components": document["components"]},
        format_checker=jsonschema.FormatChecker(),
    )


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/push/subscriptions" in document["paths"]


def test_real_responses_match_the_document(
    client, auth, make_user, make_family, document
):
    assert client.get("/api/v1/csrf").status_code == 401
    check(document, "/api/v1/csrf", "get", client.get("/api/v1/csrf"))
    ana = make_user("ana")
    family = make_family(assigned_to=(ana,))
    auth.login("ana")
    csrf_response = client.get("/api/v1/csrf")
    check(document, "/api/v1/csrf", "get", csrf_response)
    headers = {"X-CSRFToken": csrf_response.json["csrf_token"]}
    device = str(uuid.uuid4())
    check(
        document,
        "/api/v1/devices",
        "post",
        client.post("/api/v1/devices", json={"device_id": device}, headers=headers),
    )
    check(
        document,
        "/api/v1/devices",
        "post",
        client.post("/api/v1/devices", json={"device_id": "nope"}, headers=headers),
    )
    member = str(family.members[0].id)
    items = [
        samples.home_visit(family.id, present=[member]),
        samples.home_visit(family.id, living_conditions=9),
        "junk",
    ]
    body = {"protocol": 1, "device": {"id": device}, "items": items}
    for _ in range(2):
        push = client.post("/api/v1/sync/push", json=body, headers=headers)
        assert push.status_code == 200
        check(document, "/api/v1/sync/push", "post", push)
    check(
        document,
        "/api/v1/sync/push",
        "post",
        client.post("/api/v1/sync/push", json={"protocol": 2}, headers=headers),
    )
    check(
        document,
        "/api/v1/sync/push",
        "post",
        client.post(
            "/api/v1/sync/push", data="x", content_type="text/plain", headers=headers
        ),
    )
    pull = client.get("/api/v1/sync/pull")
    check(document, "/api/v1/sync/pull", "get", pull)
    check(
        document,
        "/api/v1/sync/pull",
        "get",
        client.get(f"/api/v1/sync/pull?cursor={pull.json['cursor']}"),
    )
