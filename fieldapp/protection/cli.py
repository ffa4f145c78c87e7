"""`flask family erase FAMILY_ID --yes`: erasure for automation."""

from __future__ import annotations

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.protection import erasure


@click.group("family", cls=AppGroup)
def family_group() -> None:
    """Data protection for one family."""


@family_group.command("erase")
@click.argument("family_id")
@click.option("--yes", is_flag=True, help="Erase without asking (for automation).")
def erase_command(family_id: str, yes: bool) -> None:
    """Erase the family FAMILY_ID and every row about it, for good."""
    family = erasure.family_of(family_id)
    if family is None:
        raise click.ClickException(
            f"no family has the id {family_id!r}: nothing erased."
        )
    plan = erasure.plan(family)
    if not yes:
        click.echo(f"Erasing {family.id} removes {plan.total} rows: {plan.counts()}")
        click.confirm("Erase for good?", abort=True)
    done = erasure.erase(family, username="")
    db.session().commit()
    erasure.scrub(current_app)
    click.echo(f"Erased family {family_id}: {done.total} rows {done.counts()}.")


def init_app(app: Flask) -> None:
    """Register `flask family ...`."""
    app.cli.add_command(family_group)
