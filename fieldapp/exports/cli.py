"""`flask export FORM_ID ...`: the same exports as the web page, for automation."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.exports import services
from forms import LOCALES


@click.command("export")
@click.argument("form_id")
@click.option(
    "--user",
    "username",
    required=True,
    help="Export as this account: its role decides the rows and columns.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(services.FORMATS),
    default="xlsx",
    show_default=True,
)
@click.option(
    "--lang",
    "language",
    type=click.Choice([*LOCALES, services.CODES]),
    default="sq",
    show_default=True,
    help="Language of headers and choice labels, or codes.",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), required=True
)
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Completed on or after this day."
)
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Completed on or before this day.",
)
@click.option(
    "--version",
    "versions",
    type=int,
    multiple=True,
    help="A form version to include (repeat it; default: every version).",
)
@click.option("--split", is_flag=True, help="0/1 columns for multiple-choice answers.")
@click.option(
    "--sensitive", is_flag=True, help="Include sensitive answers (if the role may)."
)
@click.option(
    "--names", is_flag=True, help="Names instead of pseudonyms (if the role may)."
)
@with_appcontext
def export_command(
    form_id: str,
    username: str,
    file_format: str,
    language: str,
    output: Path,
    since: object,
    until: object,
    versions: tuple[int, ...],
    split: bool,
    sensitive: bool,
    names: bool,
) -> None:
    """Export FORM_ID's records to a CSV ZIP or an XLSX file, as the web page does."""
    user = db.session().scalar(
        sa.select(User).where(User.username == username, User.is_active.is_(True))
    )
    if user is None:
        raise click.ClickException(f"There is no active account {username!r}.")
    request = services.ExportRequest(
        form_id=form_id,
        file_format=file_format,
        language=language,
        split_multiple=split,
        since=_day(since),
        until=_day(until),
        versions=versions,
        sensitive=sensitive,
        names=names,
    )
    temporary = services.new_output_path()
    try:
        result = services.export(
            user,
            request,
            temporary,
            progress=lambda rows: click.echo(f"{rows} records ...", err=True),
        )
        shutil.move(temporary, output)
    except services.ExportRefused as refused:
        raise click.ClickException(" ".join(refused.errors.values())) from None
    finally:
        temporary.unlink(missing_ok=True)
    services.record_export(request, result, username=user.username, via="command")
    db.session().commit()
    click.echo(f"Wrote {result.rows} records to {output}.")


def _day(value: object) -> date | None:
    return value.date() if hasattr(value, "date") else None


def init_app(app: Flask) -> None:
    """Register ``flask export``."""
    app.cli.add_command(export_command)
