"""`flask report quarterly --year 2026 --quarter 3 --lang en --format json`."""

from __future__ import annotations

import json
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale

from fieldapp import db
from fieldapp.audit import log
from fieldapp.reports import services


@click.group("report", cls=AppGroup)
def report_group() -> None:
    """Reports that leave the NGO (anonymous aggregates only)."""


@report_group.command("quarterly")
@click.option("--year", required=True, help="e.g. 2026")
@click.option("--quarter", required=True, help="1, 2, 3 or 4")
@click.option("--lang", "language", default="en", help="sq, sr_Latn, sr_Cyrl or en")
@click.option(
    "--format",
    "output",
    type=click.Choice(["json", "text"]),
    default="json",
    help="json (the figures) or text (a short summary)",
)
def quarterly_command(year: str, quarter: str, language: str, output: str) -> None:
    """Print the quarterly donor impact report; suppressed cells read "<5" or "x"."""
    with force_locale("en"):
        try:
            wanted, language = services.parse_request(
                year, quarter, language, date.today()
            )
        except services.ReportInputError as refused:
            raise click.ClickException(str(refused)) from None
    report = services.build(wanted, language)
    log.record(
        "export", "report", wanted.label, language=language, kind="quarterly", cli=True
    )
    db.session().commit()
    if output == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(report["title"])
    for row in report["headline"]:
        click.echo(
            f"{row['label']}: {row['value']} ({report['previous']}: {row['previous']})"
        )


def init_app(app: Flask) -> None:
    """Register `flask report ...`."""
    app.cli.add_command(report_group)
