"""Retention: anonymise closed cases a number of years after they closed.

The policy is a setting, RETENTION_POLICY (FIELDAPP_RETENTION_POLICY), for example::

    {"anonymise": "closed", "after_years": 5}

Empty: no retention. `flask --app wsgi retention run --dry-run` lists what it would do;
`flask cron` runs it. A policy that would touch open cases ("anonymise" other than
"closed") or a number of years below 1 is refused with one line, and nothing changes.

When did a case close? Each function in CLOSURES returns, for some families, the day
their case closed; the latest answer wins. Until case management lands, the one source
is the family record: a family that is no longer active closed on its last activity
(its last change or its last submission, whichever is later). Case management adds its
own source (case closure dates, ``register``); an open case anywhere keeps the family.
A feature that keeps free text about a family registers a function that clears it
when the family is anonymised (``register(anonymiser=...)``).

Anonymising keeps what reports count (the family row and its id, municipality,
programme, dates, members' sex and relationship, birth years rounded down to a 5-year
band, submissions' choices, numbers and dates, sensitive ones still sealed) and drops
identities: names become the family's code, village and schools go, free-text answers
go, conflicting
copies and rejected items about the family go, and searches in the access log that
named it are blanked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.audit import log
from fieldapp.audit.models import AccessLogEntry
from fieldapp.crypto import decrypt_json
from fieldapp.crypto import encrypt_json
from fieldapp.families.models import Family
from fieldapp.protection import consents
from fieldapp.protection import erasure
from fieldapp.submissions.forms_registry import definition_for
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict

#: Question types whose answers may identify someone: dropped when anonymising.
FREE_TEXT = frozenset({"text", "long_text"})


class PolicyError(Exception):
    """A retention policy refused; the message is one line."""


@dataclass(frozen=True)
class Policy:
    """Anonymise closed cases ``after_years`` after they closed."""

    after_years: int

    def cutoff(self, today: date) -> date:
        """Return the day a case must have closed by to be anonymised ``today``."""
        try:
            return today.replace(year=today.year - self.after_years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - self.after_years, day=28)


def policy(app: Flask) -> Policy | None:
    """Return the configured policy (None: no retention).

    :raise PolicyError: for a policy that would touch open cases, or is not one.
    """
    value = app.config.get("RETENTION_POLICY") or None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PolicyError(
            'RETENTION_POLICY is not a policy: set it like {"anonymise": "closed", '
            '"after_years": 5}, or leave it empty.'
        )
    if value.get("anonymise") != "closed":
        raise PolicyError(
            f"RETENTION_POLICY would anonymise {value.get('anonymise')!r} cases: only "
            'closed cases are anonymised ({"anonymise": "closed", ...}); nothing done.'
        )
    years = value.get("after_years")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise PolicyError(
            "RETENTION_POLICY after_years must be a whole number of years, 1 or more; "
            "nothing done."
        )
    return Policy(after_years=years)


# --- when cases closed ---------------------------------------------------------------


def _closed_families() -> dict[uuid.UUID, date | None]:
    """Inactive families, closed on their last activity; active ones are open (None)."""
    family = db.table_of(Family)
    submission = db.table_of(Submission)
    last_submission = (
        sa.select(sa.func.max(submission.c.received_at))
        .where(submission.c.family_id == family.c.id)
        .scalar_subquery()
    )
    found: dict[uuid.UUID, date | None] = {}
    for family_id, active, updated, submitted in db.session().execute(
        sa.select(family.c.id, family.c.is_active, family.c.updated_at, last_submission)
    ):
        if active:
            found[family_id] = None
            continue
        moments = [m for m in (updated, submitted) if m is not None]
        found[family_id] = max(moments).date() if moments else None
    return found


#: Sources of closure dates: family id -> day closed, or None for an open case.
CLOSURES: list[Callable[[], dict[uuid.UUID, date | None]]] = [_closed_families]
#: What other features clear of a family's free text when it is anonymised.
ANONYMISERS: list[Callable[[Family], None]] = []


def register(
    *,
    closures: Callable[[], dict[uuid.UUID, date | None]] | None = None,
    anonymiser: Callable[[Family], None] | None = None,
) -> None:
    """Add a feature's source of closure dates and its anonymiser (once each)."""
    if closures is not None and closures not in CLOSURES:
        CLOSURES.append(closures)
    if anonymiser is not None and anonymiser not in ANONYMISERS:
        ANONYMISERS.append(anonymiser)


def _anonymised_ids() -> set[str]:
    return set(
        db.session().scalars(
            sa.select(AccessLogEntry.record_id).where(
                AccessLogEntry.action == "anonymise",
                AccessLogEntry.record_type == "family",
            )
        )
    )


@dataclass(frozen=True)
class Due:
    """A family the policy anonymises, and the day its case closed."""

    family_id: uuid.UUID
    closed_on: date


def due(rule: Policy, today: date | None = None) -> list[Due]:
    """Return the families whose cases closed before the policy's cutoff."""
    cutoff = rule.cutoff(today or date.today())
    closed: dict[uuid.UUID, date | None] = {}
    open_somewhere: set[uuid.UUID] = set()
    for source in CLOSURES:
        for family_id, day in source().items():
            if day is None:
                open_somewhere.add(family_id)
            elif closed.get(family_id) is None or day > closed[family_id]:  # type: ignore[operator]
                closed[family_id] = day
    done = _anonymised_ids()
    return sorted(
        (
            Due(family_id, day)
            for family_id, day in closed.items()
            if day is not None
            and day <= cutoff
            and family_id not in open_somewhere
            and str(family_id) not in done
        ),
        key=lambda d: (d.closed_on, str(d.family_id)),
    )


# --- anonymising ---------------------------------------------------------------------


def _keep(answers: Any, questions: dict[str, str]) -> Any:
    if isinstance(answers, dict):
        return {
            key: _keep(value, questions)
            for key, value in answers.items()
            if key not in consents.IDENTITY_ANSWERS
            and questions.get(key) not in FREE_TEXT
        }
    if isinstance(answers, list):
        return [_keep(item, questions) for item in answers]
    return answers


def anonymise(family: Family) -> int:
    """Drop the identities of ``family`` and keep its aggregates; the caller commits.

    Returns the number of submissions rewritten.
    """
    names = {family.name, *(m.full_name for m in family.members)}
    bands = {m.id: m.birth_year for m in family.members}
    consents.anonymise(family)
    for member in family.members:
        year = bands.get(member.id)
        member.birth_year = None if year is None else year - year % 5
    session = db.session()
    rewritten = 0
    submissions = session.scalars(
        sa.select(Submission).where(Submission.family_id == family.id)
    ).all()
    for submission in submissions:
        definition = definition_for(submission.form_id, submission.form_version)
        types = (
            {
                question.id: question.type
                for _path, question in definition.all_questions()
            }
            if definition
            else {}
        )
        submission.answers = _keep(dict(submission.answers), types)
        # Sensitive choices (a risk level) are counted too: kept, sealed as before.
        secret = _keep(decrypt_json(submission.sensitive_answers), types)
        submission.sensitive_answers = encrypt_json(secret)
        rewritten += 1
    ids = [s.id for s in submissions]
    if ids:
        session.execute(
            sa.delete(db.table_of(SubmissionConflict)).where(
                SubmissionConflict.submission_id.in_(ids)
            )
        )
    rejects = erasure.LINKS["rejected_submission"](session, family.id)
    if rejects:
        session.execute(
            sa.delete(db.table_of(RejectedSubmission)).where(
                RejectedSubmission.id.in_(rejects)
            )
        )
    for clear in ANONYMISERS:
        clear(family)
    erasure._blank_searches(names)
    log.record("anonymise", "family", family.id, username="", submissions=rewritten)
    return rewritten


def run(app: Flask, *, dry_run: bool, today: date | None = None) -> list[Due]:
    """Apply the policy (or only list what it would do); return the families due."""
    rule = policy(app)
    if rule is None:
        return []
    found = due(rule, today)
    if not dry_run:
        for item in found:
            family = db.session().get(Family, item.family_id)
            if family is not None:
                anonymise(family)
        db.session().commit()
    return found


@click.group("retention", cls=AppGroup)
def retention_group() -> None:
    """Apply the retention policy (RETENTION_POLICY)."""


@retention_group.command("run")
@click.option(
    "--dry-run", is_flag=True, help="List what would be done; change nothing."
)
def run_command(dry_run: bool) -> None:
    """Anonymise closed cases the policy says are due."""
    try:
        rule = policy(current_app)
    except PolicyError as error:
        raise click.ClickException(str(error)) from None
    if rule is None:
        click.echo("retention: no policy configured (RETENTION_POLICY), nothing done.")
        return
    found = run(current_app, dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    click.echo(
        f"retention: {verb} {len(found)} families closed {rule.after_years} or more "
        "years ago."
    )
    for item in found:
        click.echo(f"  {item.family_id} closed {item.closed_on.isoformat()}")


def cron_job() -> None:
    """`flask cron`'s retention job: the policy, or a note that there is none."""
    try:
        rule = policy(current_app)
    except PolicyError as error:
        raise click.ClickException(str(error)) from None
    if rule is None:
        click.echo("retention: no policy configured, skipped.")
        return
    found = run(current_app, dry_run=False)
    click.echo(f"retention: anonymised {len(found)} families.")


def init_app(app: Flask) -> None:
    """Register `flask retention ...`."""
    app.cli.add_command(retention_group)
