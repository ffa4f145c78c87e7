"""One error shape: AppError subclasses, HTML error pages and JSON errors for /api/."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldapp import db

logger = logging.getLogger(__name__)

#: User-facing explanations per status, shown on error pages and in API errors.
MESSAGES: dict[int, Any] = {
    400: _l(
        "The request could not be understood. Please check what you sent and try again."
    ),
    401: _l("Please sign in to continue."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find what you were looking for."),
    405: _l("This action is not allowed here."),
    409: _l("This conflicts with data that is already stored."),
    410: _l("This is no longer available."),
    413: _l("What you sent is too large."),
    415: _l("This kind of content is not accepted here."),
    422: _l("Some answers need your attention."),
    429: _l("Too many attempts. Please wait a few minutes and try again."),
    500: _l(
        "Something went wrong on our side. Nothing you saved on this device is lost."
    ),
    503: _l("The service is unavailable right now. Please try again later."),
}


class AppError(Exception):
    """An error with a status code and a message that is safe to show to the user."""

    status_code = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code
        self.message = message
        self.errors = errors or {}
        self.code = code
        #: more fields for the JSON body (an API client's instructions, e.g. wipe)
        self.extra = extra or {}


class NotFoundError(AppError):
    """The record does not exist, or the user may not know that it exists."""

    status_code = 404


class ForbiddenError(AppError):
    """The user is signed in but their role or scope does not allow this."""

    status_code = 403


class ConflictError(AppError):
    """The request conflicts with stored data."""

    status_code = 409


class ValidationFailed(AppError):
    """Input failed validation; ``errors`` maps field paths to messages."""

    status_code = 422


def is_api_request() -> bool:
    """Tell whether the current request is for the JSON API."""
    return request.path.startswith("/api/")


def error_body(
    status: int,
    message: str,
    errors: dict[str, Any] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """Return the JSON error shape ``{code, status, message, errors}``."""
    body: dict[str, Any] = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message,
        "errors": errors or {},
    }
    if code:
        body["error"] = code
    return body


def render_error(
    status: int,
    message: str | None = None,
    errors: dict[str, Any] | None = None,
    code: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Render an error as JSON under /api/ and as a page elsewhere."""
    text = message or str(MESSAGES.get(status, MESSAGES[400 if status < 500 else 500]))
    if is_api_request():
        response = jsonify(error_body(status, text, errors, code) | (extra or {}))
    else:
        response = Response(
            render_template(
                "errors/error.html", status=status, message=text, errors=errors
            ),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def _handle_app_error(error: AppError) -> Response:
    return render_error(
        error.status_code, error.message, error.errors, error.code, error.extra
    )


def _handle_csrf_error(error: CSRFError) -> Response:
    return render_error(
        400,
        _(
            "Your form has expired or was sent from another site. "
            "Please reload the page and try again; your answers are kept on this device."
        ),
        code="csrf",
    )


#: Machine codes for errors the framework raises, so API clients need not parse text.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    response = render_error(status, code=HTTP_ERROR_CODES.get(status))
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _handle_unexpected(error: Exception) -> Response:
    # The session may hold a half-done transaction; never let it leak into the
    # error page's own queries.
    db.session().rollback()
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(AppError, _handle_app_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
