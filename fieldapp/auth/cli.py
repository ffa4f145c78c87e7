"""`flask user create`: add a staff account from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.auth.models import Role
from fieldapp.errors import ConflictError
from fieldapp.errors import ValidationFailed
from fieldapp.users.services import create_user


@click.group("user", cls=AppGroup)
def user_group() -> None:
    """Manage staff accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--name", "full_name", default="", help="Full name (default: the username)."
)
@click.option(
    "--locale", type=click.Choice(["sq", "sr_Latn", "sr_Cyrl", "en"]), default="sq"
)
@click.password_option(
    help="Asked for when not given; at least PASSWORD_MIN_LENGTH characters."
)
def create_command(
    username: str, role: str, full_name: str, locale: str, password: str
) -> None:
    """Create a staff account."""
    try:
        user = create_user(username, full_name or username, role, password, locale)
    except ConflictError:
        raise click.ClickException(
            f"The username {username!r} is already taken."
        ) from None
    except ValidationFailed as error:
        raise click.ClickException(str(error.message)) from None
    db.session().commit()
    click.echo(f"Created {user.role} {user.username!r}.")


def init_app(app: Flask) -> None:
    """Register `flask user ...`."""
    app.cli.add_command(user_group)
