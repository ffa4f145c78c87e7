"""`flask cron`: everything that runs on a timer, for one crontab line.

    */5 * * * * cd /srv/fieldapp && .venv/bin/flask --app fieldapp.wsgi cron

Each job runs on its own: one that fails is reported and the others still run; the
command then exits non-zero so cron mails the operator.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from fieldapp import db
from fieldapp.command_line import explain
from fieldapp.protection import retention
from fieldapp.push import cli as push_cli
from fieldapp.push import keys


def _push() -> None:
    if keys.load() is None:
        click.echo("push: not configured (no VAPID key), skipped.")
        return
    push_cli.run_due()


def _checkpoint() -> None:
    done = db.checkpoint(current_app)
    if done is not None and not done.complete:
        click.echo("checkpoint: a reader held part of the log; the next run goes on.")
    elif done is not None:
        click.echo(
            f"checkpoint: write-ahead log emptied ({done.wal_bytes_before} bytes)."
        )


#: (name, job), in the order they run.
JOBS: list[tuple[str, Callable[[], None]]] = [
    ("push", _push),
    ("retention", retention.cron_job),
    ("checkpoint", _checkpoint),
]


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Run every periodic job once: push, retention policy, WAL checkpoint."""
    failed = []
    for name, job in JOBS:
        try:
            job()
        except Exception as error:  # one job must not stop the others
            db.session().rollback()
            message = explain(error) or f"{type(error).__name__}: {error}"
            click.echo(f"{name}: failed: {message}", err=True)
            current_app.logger.exception("cron job %s failed", name)
            failed.append(name)
    if failed:
        raise click.ClickException(f"cron jobs failed: {', '.join(failed)}")


def init_app(app: Flask) -> None:
    """Register `flask cron`."""
    app.cli.add_command(cron_command)
