"""`flask push ...`: VAPID keys, test notifications, and the cron jobs."""

from __future__ import annotations

import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.db import utcnow
from fieldapp.push import keys
from fieldapp.push import reminders
from fieldapp.push import sender
from fieldapp.push.services import queue_notification

#: AppGroup: each command runs inside an application context.
push_group = AppGroup("push", help="Web Push notifications.")


@push_group.command("vapid-keys")
@click.option(
    "--env",
    "as_env",
    is_flag=True,
    help="Print FIELDAPP_VAPID_* lines instead of writing a key file.",
)
@click.option("--force", is_flag=True, help="Replace an existing key file.")
def vapid_keys_command(as_env: bool, force: bool) -> None:
    """Generate the VAPID key pair and store it outside the repository."""
    new = keys.generate()
    if as_env:
        click.echo(f"FIELDAPP_VAPID_PRIVATE_KEY={new.raw_private}")
        click.echo(f"FIELDAPP_VAPID_PUBLIC_KEY={new.public_key}")
        return
    path = keys.key_file(current_app)
    if path.exists() and not force:
        raise click.ClickException(
            f"{path} exists. Replacing it means every browser must turn notifications "
            "on again; use --force if that is what you want."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, new.pem)
    click.echo(f"Wrote the private key to {path} (mode 0600).")
    click.echo(
        "fieldapp reads it when FIELDAPP_VAPID_PRIVATE_KEY is empty; or set "
        f"FIELDAPP_VAPID_PRIVATE_KEY={path}"
    )
    click.echo(f"Public key (applicationServerKey): {new.public_key}")
    if current_app.config.get("VAPID_PRIVATE_KEY"):
        click.echo(
            "Note: FIELDAPP_VAPID_PRIVATE_KEY is set and takes precedence over "
            "this file."
        )


def _write_private(path: Path, pem: bytes) -> None:
    # Created 0600 from the start: never readable by others, not even briefly.
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    os.replace(temporary, path)


def _require_keys() -> None:
    if keys.load() is None:
        raise click.ClickException(
            "Push is not configured: run `flask --app wsgi push vapid-keys` "
            "or set FIELDAPP_VAPID_PRIVATE_KEY."
        )


@push_group.command("test")
@click.argument("username")
def test_command(username: str) -> None:
    """Send a test notification to every subscription of USERNAME now."""
    _require_keys()
    user = db.session().scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    stamp = utcnow().strftime("%Y%m%dT%H%M%S.%f")
    notification = queue_notification(user, "test", dedupe=f"test:cli:{stamp}")
    if notification is None:  # the key holds a timestamp to the microsecond
        raise click.ClickException("A test notification was just queued; try again.")
    db.session().commit()
    stats = sender.deliver_due([notification.id])
    click.echo(
        f"{username}: sent {stats.sent}, failed {stats.failed}, "
        f"removed {stats.removed}."
    )
    if stats.sent == 0 and stats.failed == 0 and stats.removed == 0:
        click.echo(
            f"{username} has no push subscription: turn notifications on in the "
            "app (Settings, Notifications) first."
        )


@push_group.command("remind")
def remind_command() -> None:
    """Queue the time-based reminders that are due now (run from cron)."""
    queued = reminders.queue_reminders()
    db.session().commit()
    _echo_queued(queued)


def _echo_queued(queued: dict[str, int]) -> None:
    summary = ", ".join(f"{kind} {count}" for kind, count in sorted(queued.items()))
    click.echo(f"Queued: {summary or 'nothing new'}.")


@push_group.command("send")
def send_command() -> None:
    """Deliver the queued notifications that are due, retrying failures later."""
    _require_keys()
    _echo_stats(sender.deliver_due())


def _echo_stats(stats: sender.SendStats) -> None:
    click.echo(
        f"Sent {stats.sent}, failed {stats.failed} (retried later), removed "
        f"{stats.removed} dead subscriptions, dropped {stats.dropped}."
    )


@push_group.command("run")
def run_command() -> None:
    """Queue due reminders, deliver the queue and prune old notifications (cron)."""
    _require_keys()
    run_due()


def run_due() -> None:
    """Queue the reminders due now, deliver the queue, prune old notifications."""
    _echo_queued(reminders.queue_reminders())
    db.session().commit()
    _echo_stats(sender.deliver_due())
    pruned = sender.prune()
    db.session().commit()
    if pruned:
        click.echo(f"Pruned {pruned} old notifications.")


def init_app(app: Flask) -> None:
    """Register `flask push ...`."""
    app.cli.add_command(push_group)
