"""Export one form's records to a file: checks, the scoped query, and the log entry.

The web page (routes.py) and the command line (cli.py) both come here, so the same
rules decide what leaves the app: the rows the user may read (``access``), sensitive
answers only for roles that may read them and only when asked for, pseudonyms for
people unless names are asked for and allowed. The rows are read in batches and
written as they come (``writers``): a large export never holds them all in memory.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import tempfile
import uuid
from collections.abc import Callable
from collections.abc import Generator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldapp import db
from fieldapp.access import family_visible
from fieldapp.access import may_export
from fieldapp.access import may_export_names
from fieldapp.access import may_read_form
from fieldapp.access import may_read_sensitive
from fieldapp.access import submission_visible
from fieldapp.audit import log
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.crypto import decrypt_json
from fieldapp.exports.layout import Layout
from fieldapp.exports.layout import Options
from fieldapp.exports.layout import People
from fieldapp.exports.layout import Record
from fieldapp.exports.layout import Words
from fieldapp.exports.writers import CSV_MIMETYPE
from fieldapp.exports.writers import XLSX_MAX_ROWS
from fieldapp.exports.writers import XLSX_MIMETYPE
from fieldapp.exports.writers import TooManyRows
from fieldapp.exports.writers import open_writer
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import merge_sensitive
from forms import LOCALES
from forms import FormDefinition

#: File formats, and the value that means "codes instead of labels".
FORMATS = ("csv", "xlsx")
CODES = "codes"
#: Rows fetched from the database at a time.
BATCH = 500


@dataclass(frozen=True)
class ExportRequest:
    """What to export; ``language`` is one of forms.LOCALES or CODES."""

    form_id: str
    file_format: str = "xlsx"
    language: str = "sq"
    split_multiple: bool = False
    since: date | None = None
    until: date | None = None
    #: versions to put in the file (empty: every version the server knows)
    versions: tuple[int, ...] = ()
    sensitive: bool = False
    names: bool = False


@dataclass
class ExportResult:
    """What was written: the download's name and type, and the rows per table."""

    filename: str
    mimetype: str
    rows: int = 0
    group_rows: dict[str, int] = field(default_factory=dict)


class ExportRefused(Exception):
    """The request cannot be exported; ``errors`` maps option names to messages."""

    def __init__(self, errors: dict[str, str], status_code: int = 400) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.status_code = status_code


def exportable_forms(user: User) -> list[FormDefinition]:
    """Return the latest definitions of the forms ``user`` may export, by id."""
    if not may_export(user):
        return []
    return [d for d in registry().all() if may_read_form(user, d.id)]


def record_counts(user: User) -> dict[str, int]:
    """Return how many records of each form ``user`` may read, by form id."""
    query = (
        sa.select(Submission.form_id, sa.func.count())
        .where(submission_visible(user))
        .group_by(Submission.form_id)
    )
    return {form_id: count for form_id, count in db.session().execute(query)}


def definition_or_none(user: User, form_id: str) -> FormDefinition | None:
    """Return the latest definition of ``form_id`` if ``user`` may export it."""
    if form_id not in registry() or not may_export(user):
        return None
    if not may_read_form(user, form_id):
        return None
    return registry().latest(form_id)


def check(user: User, request: ExportRequest) -> list[int]:
    """Return the versions to export, after checking every option.

    :raise ExportRefused: 404 for a form the user may not export (or that does not
        exist); 400 with a message per option otherwise.
    """
    if definition_or_none(user, request.form_id) is None:
        raise ExportRefused(
            {"form": _("There is no form to export with this name.")}, 404
        )
    errors: dict[str, str] = {}
    if request.file_format not in FORMATS:
        errors["format"] = _("Choose CSV or XLSX.")
    if request.language not in (*LOCALES, CODES):
        errors["language"] = _("Choose one of the languages, or codes.")
    if request.since and request.until and request.until < request.since:
        errors["until"] = _("The end date is before the start date.")
    known = registry().versions(request.form_id)
    unknown = sorted(set(request.versions) - set(known))
    if unknown:
        errors["versions"] = _(
            "This form has no version %(versions)s.",
            versions=", ".join(str(v) for v in unknown),
        )
    if request.sensitive and not may_read_sensitive(user, request.form_id):
        errors["sensitive"] = _("Your role may not read this form's sensitive answers.")
    if request.names and not may_export_names(user):
        errors["names"] = _("Your role may not export names.")
    if errors:
        raise ExportRefused(errors)
    return sorted(request.versions or known)


def words(language: str | None) -> Words:
    """Return the export's own texts in ``language`` (None: codes)."""
    if language is None:
        return Words()
    with force_locale(language):
        return Words(
            headers={
                "submission_id": _("Receipt number"),
                "form_version": _("Form version"),
                "completed_at": _("Completed (Kosovo time)"),
                "received_at": _("Received (Kosovo time)"),
                "author": _("Recorded by"),
                "family": _("Family (pseudonym)"),
                "family_name": _("Family name"),
                "course": _("Course"),
                "respondent_locale": _("Language of the form"),
                "member": _("Student"),
            },
            yes=_("Yes"),
            no=_("No"),
            # Kept as a template: the layout puts each scale's name in.
            score=_("Score: %(scale)s", scale="%(scale)s"),
        )


@functools.lru_cache(maxsize=65536)
def _keyed(secret: str, kind: str, value: str) -> str:
    digest = hmac.new(
        secret.encode(), f"export:{kind}:{value}".encode(), hashlib.sha256
    )
    return f"{kind}-{digest.hexdigest()[:10].upper()}"


def pseudonym(kind: str, value: object) -> str:
    """Return the stable pseudonym of a family ("F-...") or a person ("P-...").

    A keyed hash of the id: the same person has the same pseudonym in every export,
    so files can be joined, but nobody without the server's secret key can tell who
    it is. ``kind`` is "F" or "P".
    """
    return _keyed(str(current_app.config["SECRET_KEY"]), kind, str(value))


def _pseudonyms(secret: str, kind: str) -> Callable[[Any], str]:
    """Return the pseudonym function of one export for ``kind`` ("F" or "P"): each id
    is hashed once, then looked up (an export names the same people again and again)."""
    known: dict[Any, str] = {}

    def of(value: Any) -> str:
        try:
            return known[value]
        except KeyError:
            known[value] = name = _keyed(secret, kind, str(value))
            return name

    return of


def _people(user: User, names: bool) -> People:
    secret = str(current_app.config["SECRET_KEY"])
    family_pseudonym = _pseudonyms(secret, "F")
    member_pseudonym = _pseudonyms(secret, "P")
    if not names:
        return People(family=family_pseudonym, member=member_pseudonym)
    # Names of the people the user may see, read once: far fewer than the records.
    session = db.session()
    families: dict[uuid.UUID, str] = {
        family_id: name
        for family_id, name in session.execute(
            sa.select(Family.id, Family.name).where(family_visible(user))
        )
    }
    members = {
        str(member_id): name
        for member_id, name in session.execute(
            sa.select(Member.id, Member.full_name)
            .join(Family, Family.id == Member.family_id)
            .where(family_visible(user))
        )
    }

    def member(member_id: str) -> str:
        return members.get(member_id) or member_pseudonym(member_id)

    return People(
        family=family_pseudonym,
        member=member,
        family_name=lambda family_id: families.get(family_id, ""),
    )


def _day_start(day: date) -> datetime:
    """Return the first instant of ``day`` in the NGO's time zone, in UTC."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _key_text(raw: Any) -> str:
    """Return a submission's UUID as text with dashes, from what the driver gives.

    SQLite keeps it as 32 lower-case hexadecimal digits, which are formatted here
    without making a UUID object per row (a few percent of a CSV export's time);
    PostgreSQL sends it as text with dashes already (see ``_uuid_column``).
    """
    if raw.__class__ is str:
        if len(raw) == 32:
            return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        if len(raw) == 36:
            return raw
    if isinstance(raw, uuid.UUID):
        return str(raw)
    return str(uuid.UUID(str(raw)))


def _uuid_column() -> Any:
    """The submission's UUID as text, however the database keeps it (see _key_text):
    PostgreSQL casts it (no UUID object made per row, then formatted); SQLite's is text."""
    if _on_postgresql():
        return sa.cast(Submission.uuid, sa.Text)
    return sa.type_coerce(Submission.uuid, sa.String)


def _local_time(column: Any, zone: str) -> Any:
    """``column`` (a UTC time, kept without its zone) as the naive local time in
    ``zone`` the export writes: PostgreSQL converts it itself (read as UTC, then shown
    in ``zone``); on SQLite ``_records`` does, row by row."""
    if _on_postgresql():
        utc = sa.func.timezone("UTC", sa.type_coerce(column, sa.DateTime()))
        return sa.func.timezone(zone, utc, type_=sa.DateTime())
    return column


def _on_postgresql() -> bool:
    return bool(db.session().get_bind().dialect.name == "postgresql")


def _records(
    user: User, request: ExportRequest, versions: list[int]
) -> Generator[Record]:
    """Yield the records to export, oldest first, read from the database in batches."""
    s = Submission
    zone_name = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    columns: list[Any] = [
        _uuid_column(),
        s.id,
        s.form_version,
        _local_time(s.completed_at, zone_name),
        _local_time(s.received_at, zone_name),
        User.username,
        s.family_id,
        Course.name,
        s.respondent_locale,
        s.answers,
    ]
    if request.sensitive:
        # Only then: the sealed part is read and opened for no one otherwise.
        columns.append(s.sensitive_answers)
    query = (
        sa.select(*columns)
        .join(User, User.id == s.author_id)
        .outerjoin(Course, Course.id == s.course_id)
        .where(
            s.form_id == request.form_id,
            s.form_version.in_(versions),
            submission_visible(user),
        )
        .order_by(s.id)
    )
    # The day a record belongs to: when it was completed on the phone, or, for the
    # few without that time, when the server received it.
    day = sa.func.coalesce(s.completed_at, s.received_at)
    if request.since:
        query = query.where(day >= _day_start(request.since))
    if request.until:
        query = query.where(day < _day_start(request.until + timedelta(days=1)))
    # Times still in UTC (SQLite) are made local here, once per row.
    zone = None if _on_postgresql() else ZoneInfo(zone_name)
    sensitive = request.sensitive

    # On the session's connection, as Core: plain rows, without the ORM's loading.
    result = db.session().connection().execute(query.execution_options(yield_per=BATCH))
    try:
        for row in result:
            (
                uuid_,
                id_,
                version,
                completed,
                received,
                author,
                family_id,
                course,
                locale,
                answers,
            ) = row[:10]
            if answers is None:
                answers = {}
            if sensitive and row[10]:
                # A copy: merge_sensitive writes into the answers it is given.
                answers = merge_sensitive(dict(answers), decrypt_json(row[10]))
            if zone is not None:
                if completed is not None:
                    completed = completed.astimezone(zone).replace(tzinfo=None)
                received = received.astimezone(zone).replace(tzinfo=None)
            yield Record(
                uuid=_key_text(uuid_),
                id=id_,
                version=version,
                completed_at=completed,
                received_at=received,
                author=author,
                family_id=family_id,
                course=course or "",
                locale=locale,
                answers=answers,
            )
    finally:
        # Also when the export stops early: a server-side cursor is closed at once.
        result.close()


def export(
    user: User,
    request: ExportRequest,
    output: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the export to ``output`` and return what it holds; the caller logs it.

    :raise ExportRefused: as ``check`` does.
    """
    versions = check(user, request)
    definitions = [registry().get(request.form_id, v) for v in versions]
    language = None if request.language == CODES else request.language
    layout = Layout(
        definitions,
        Options(
            language=language,
            split_multiple=request.split_multiple,
            sensitive=request.sensitive,
            names=request.names,
        ),
        words(language),
    )
    people = _people(user, request.names)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    extension = "zip" if request.file_format == "csv" else "xlsx"
    result = ExportResult(
        filename=f"{request.form_id}-{stamp}.{extension}",
        mimetype=CSV_MIMETYPE if request.file_format == "csv" else XLSX_MIMETYPE,
        group_rows={table.name: 0 for table in layout.tables[1:]},
    )
    with tempfile.TemporaryDirectory(prefix="fieldapp-export-") as workdir:
        writer = open_writer(request.file_format, output, layout.tables, Path(workdir))
        records = _records(user, request, versions)
        try:
            for record in records:
                for table, row in layout.rows(record, people):
                    writer.write(table, row)
                    if table is not layout.root:
                        result.group_rows[table.name] += 1
                result.rows += 1
                if progress is not None and result.rows % 10_000 == 0:
                    progress(result.rows)
        except TooManyRows:
            message = _(
                "Too many rows for one XLSX sheet (more than %(max)d). Choose CSV, or "
                "a shorter date range.",
                max=XLSX_MAX_ROWS - 1,
            )
            raise ExportRefused({"file_format": message}) from None
        finally:
            records.close()
            writer.close()
    return result


def record_export(
    request: ExportRequest,
    result: ExportResult,
    *,
    username: str | None = None,
    **extra: Any,
) -> None:
    """Write the export to the access log: who, which form, which options, how many."""
    log.record(
        "export",
        "form",
        request.form_id,
        username=username,
        format=request.file_format,
        language=request.language,
        split_multiple=request.split_multiple,
        since=request.since.isoformat() if request.since else None,
        until=request.until.isoformat() if request.until else None,
        versions=list(request.versions),
        sensitive=request.sensitive,
        names=request.names,
        rows=result.rows,
        group_rows=result.group_rows,
        **extra,
    )


def new_output_path() -> Path:
    """Return a fresh temporary file for an export (the caller removes it)."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed at once, kept by name
        prefix="fieldapp-export-", delete=False
    )
    handle.close()
    return Path(handle.name)


__all__ = [
    "CODES",
    "FORMATS",
    "ExportRefused",
    "ExportRequest",
    "ExportResult",
    "check",
    "export",
    "exportable_forms",
    "new_output_path",
    "pseudonym",
    "record_counts",
    "record_export",
    "words",
]
