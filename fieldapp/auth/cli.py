"""`flask user ...`: add staff accounts and issue temporary passwords from the command line.

Whoever runs these commands runs the server, so no role rule applies to them; what they
do is in the access log all the same, under the name CLI_NAME.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.errors import ConflictError
from fieldapp.errors import ValidationFailed
from fieldapp.users.services import create_user
from fieldapp.users.services import issue_temporary_password

#: Who the access log names for what these commands do.
CLI_NAME = "flask-cli"


@click.group("user", cls=AppGroup)
def user_group() -> None:
    """Manage staff accounts."""


def _echo_temporary(password: str) -> None:
    hours = current_app.config["TEMPORARY_PASSWORD_HOURS"]
    click.echo(f"Temporary password (shown only now): {password}")
    click.echo(
        f"It works for {hours} hours; at the first sign-in its owner must choose "
        "their own. Hand it over in person or by phone."
    )


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--name", "full_name", default="", help="Full name (default: the username)."
)
@click.option(
    "--locale", type=click.Choice(["sq", "sr_Latn", "sr_Cyrl", "en"]), default="sq"
)
@click.option(
    "--password",
    default=None,
    help="The password, for an account you will use yourself; at least "
    "PASSWORD_MIN_LENGTH characters. Asked for (unseen) when neither this nor "
    "--temporary is given: safer than typing it on the command line.",
)
@click.option(
    "--temporary",
    is_flag=True,
    help="Make a temporary password and print it once, for an account someone "
    "else will use: they must choose their own at the first sign-in.",
)
def create_command(
    username: str,
    role: str,
    full_name: str,
    locale: str,
    password: str | None,
    temporary: bool,
) -> None:
    """Create a staff account.

    You run the server, so you may set the password of an account you will use
    yourself (the first administrator's, say). For anyone else's, give --temporary
    and hand over the password it prints: nobody should know another person's own
    password. Administrators can also create accounts in the app (Staff).
    """
    if temporary and password is not None:
        raise click.UsageError("Give --password or --temporary, not both.")
    if not temporary and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, issued = create_user(
            username,
            full_name or username,
            role,
            None if temporary else password,
            locale,
            log_as=CLI_NAME,
        )
    except ConflictError:
        raise click.ClickException(
            f"The username {username!r} is already taken."
        ) from None
    except ValidationFailed as error:
        raise click.ClickException(str(error.message)) from None
    db.session().commit()
    click.echo(f"Created {user.role} {user.username!r}.")
    if issued is not None:
        _echo_temporary(issued)


@user_group.command("temporary-password")
@click.argument("username")
def temporary_password_command(username: str) -> None:
    """Issue USERNAME a temporary password and print it once.

    Their sessions end on every device and their devices are notified; they must
    choose their own password at the next sign-in. For when no administrator can
    sign in to do it in the app (Staff, the person, "Issue a temporary password").
    """
    user = db.session().scalar(
        sa.select(User).where(User.username == username.strip().lower())
    )
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    password = issue_temporary_password(user, log_as=CLI_NAME)
    db.session().commit()
    click.echo(f"Issued a temporary password to {user.username!r}.")
    _echo_temporary(password)


def init_app(app: Flask) -> None:
    """Register `flask user ...`."""
    app.cli.add_command(user_group)
