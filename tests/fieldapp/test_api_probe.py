"""The sync API probed from its own OpenAPI document (schemathesis), signed in.

Every operation of /api/v1/openapi.json gets generated requests, valid (positive) and
invalid (negative: wrong types, missing fields, out-of-range values), sent
through the WSGI app as a signed-in social worker whose session is bound to a
registered device (as the phone's are). No answer may be a server error, and every
answer must be one the document lists, with the body it describes. Bounded: a fixed
number of examples per operation (FIELDAPP_PROBE_EXAMPLES, default 25; `make probe`
runs far more).
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from fieldapp.push import keys

from .conftest import AuthActions

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FIELDAPP_PROBE_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
VAPID = keys.generate()


@pytest.fixture
def config_overrides():
    # Push configured (else /push/key answers 503 by design), never sent from here.
    return {"VAPID_PRIVATE_KEY": VAPID.raw_private, "PUSH_SEND_AFTER_REQUEST": False}


@pytest.fixture
def probe(app, client, make_user, make_family):
    """The schema, and the headers of a signed-in phone."""
    worker = make_user("ana", "social_worker")
    make_family(assigned_to=(worker,))
    AuthActions(client).login("ana")
    device = str(uuid.uuid4())
    token = client.get("/api/v1/csrf", headers={"X-Device-Id": device}).json[
        "csrf_token"
    ]
    registered = client.post(
        "/api/v1/devices",
        json={"device_id": device},
        headers={"X-CSRFToken": token, "X-Device-Id": device},
    )
    assert registered.status_code == 200
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "fieldapp"))
    assert cookie is not None
    session = {
        # identity: the WSGI transport does not undo gzip, as a browser would.
        "headers": {
            "X-CSRFToken": token,
            "X-Device-Id": device,
            "Accept-Encoding": "identity",
        },
        "cookies": {cookie.key: cookie.value},
    }
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), session


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_no_operation_answers_a_server_error_or_off_the_document(probe, mode):
    schema, session = probe
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {
        (method.upper(), path)
        for path, item in schema.raw_schema["paths"].items()
        for method in item
    }
    # The document itself is not probed: it takes no input.
    documented.discard(("GET", "/api/v1/openapi.json"))
    assert {(op.method.upper(), op.path) for op in operations} == documented
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def probe_operation(case):
            # The session's device and token always go with it, as on the phone:
            # naming another device would (rightly) end the session, and a wrong
            # token stops a request before the code under probe (both are tested
            # on their own in test_devices.py and test_security.py).
            headers = {**(case.headers or {}), **session["headers"]}
            case.call_and_validate(
                headers=headers, cookies=session["cookies"], checks=CHECKS
            )

        probe_operation()
