"""Extension instances, created unbound and attached in create_app()."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()

_View = TypeVar("_View", bound=Callable[..., Any])


def csrf_after_sign_in(view: _View) -> _View:
    """Check the CSRF token of an API view after its sign-in check, not before.

    The app-wide check runs before any view, so a signed-out client would hear
    "400 csrf" where "401 sign in" is the truth. Put this under ``@require(...)``::

        @bp.post("/api/v1/thing")
        @require()
        @csrf_after_sign_in
        def thing(): ...

    The view is exempt from the app-wide check and checks the token itself (the
    X-CSRFToken header) once ``require`` has let the user in.
    """

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        csrf.protect()
        return view(*args, **kwargs)

    # Flask-WTF has no type hints: give its decorator the type it has.
    exempt: Callable[[_View], _View] = csrf.exempt
    return exempt(checked)  # type: ignore[arg-type]
