"""What every `flask --app wsgi ...` command shares: a failure is one clear line.

A refused setting stops create_app() with a ConfigError, which wsgi.py prints as one
line. Once the app exists, a command can still meet a database it cannot reach or one
whose schema was never created; `init_app` wraps every registered command so that those
end as one line on stderr and exit status 1, never as a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask

from fieldapp.config import ConfigError


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def explain(error: BaseException) -> str | None:
    """Return the one line that explains ``error`` to an operator, or None."""
    if isinstance(error, ConfigError):
        return str(error)
    reason = _first_line(error)
    if isinstance(error, sa.exc.DatabaseError) and (
        "no such table" in reason or "does not exist" in reason
    ):
        return (
            f"the database has no fieldapp schema yet ({reason}): run "
            "`flask --app wsgi db upgrade` first."
        )
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return (
            f"cannot use the database ({reason}): check FIELDAPP_DATABASE_URL, and "
            "that the server is running and reachable."
        )
    return None


def _commands(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _commands(command)
        else:
            yield command


def _one_line(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (ConfigError, sa.exc.SQLAlchemyError) as error:
            message = explain(error)
            if message is None:
                raise
            raise click.ClickException(message) from None
        except OSError as error:
            # A file the command was told to read or write (a path that does not
            # exist, no permission, a full disk): one line naming it.
            where = f" ({error.filename})" if error.filename else ""
            raise click.ClickException(f"{error.strerror or error}{where}.") from None

    return run


def init_app(app: Flask) -> None:
    """Wrap every command registered so far; call it after all the others."""
    for command in _commands(app.cli):
        if command.callback is not None and not getattr(
            command.callback, "__fieldapp_one_line__", False
        ):
            command.callback = _one_line(command.callback)
            command.callback.__fieldapp_one_line__ = True  # type: ignore[attr-defined]
