"""The sync engine's storage in SQLAlchemy: one transaction (and commit) per group.

The engine hands over accepted items in groups; a group is written with one statement
per table (Core, insertmanyvalues) and one commit. A unique violation on
``submission.uuid`` is how two deliveries of one item racing each other are told apart:
the group rolls back and the engine stores its items again one by one; the loser reads
the winner's row and answers duplicate or conflict. The store holds no global state: it works on the session it is
given, so it runs the same under the test client, threads or gunicorn workers.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Collection
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy import orm

from fieldapp import db
from fieldapp.access import family_visible_for
from fieldapp.access import is_manager
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.crypto import encrypt_json
from fieldapp.db import utcnow
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.push.services import queue_notification
from fieldapp.submissions import effects
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict
from fieldapp.submissions.sensitive import split_sensitive
from forms import FormDefinition
from forms import Issue
from sync.changes import SubmissionItem
from sync.protocol import dump_item
from sync.store import Access
from sync.store import Author
from sync.store import DuplicateKey
from sync.store import InsertFailed
from sync.store import KnownFamily
from sync.store import NewSubmission
from sync.store import StoredSubmission

# Hot-path statements, built once (building one costs more than running it on SQLite).
_SUBMISSION = db.table_of(Submission)
_FIND = sa.select(
    _SUBMISSION.c.id,
    _SUBMISSION.c.uuid,
    _SUBMISSION.c.author_id,
    _SUBMISSION.c.content_hash,
    _SUBMISSION.c.received_at,
).where(_SUBMISSION.c.uuid.in_(sa.bindparam("uuids", expanding=True)))
# Plain executemany with ids given: INSERT ... RETURNING in parameter order costs
# PostgreSQL more than twice as much per row.
_INSERT = sa.insert(_SUBMISSION)
_LAST_ID = sa.select(sa.func.coalesce(sa.func.max(_SUBMISSION.c.id), 0))
_PG_IDS = sa.text(
    "SELECT nextval(pg_get_serial_sequence('submission', 'id'))"
    " FROM generate_series(1, :count)"
)


def _new_ids(connection: sa.Connection, count: int) -> list[int]:
    """Return ``count`` unused submission ids, in a write transaction.

    PostgreSQL: from the id sequence, as an insert would take them. SQLite: after the
    largest id, as SQLite itself picks them; the write lock (BEGIN IMMEDIATE) is held
    from the start of the transaction, so no other writer can take them meanwhile.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return sorted(connection.execute(_PG_IDS, {"count": count}).scalars())
    if dialect == "sqlite":
        last: int = connection.execute(_LAST_ID).scalar_one()
        return list(range(last + 1, last + 1 + count))
    raise RuntimeError(
        f"fieldapp stores submissions in SQLite or PostgreSQL, not {dialect}"
    )


@functools.cache
def _families(role: str) -> sa.Select[Any]:
    """Return the query of families, their visibility to ``role`` and their members."""
    family, member = db.table_of(Family), db.table_of(Member)
    visible = family_visible_for(role, sa.bindparam("user_id"), few=True)
    return (
        sa.select(family.c.id, visible.label("visible"), member.c.id.label("member"))
        .outerjoin(member, member.c.family_id == family.c.id)
        .where(family.c.id.in_(sa.bindparam("ids", expanding=True)))
    )


#: PostgreSQL's deadlock and serialization failures: the transaction may simply be retried
_RETRY_STATES = {"40P01", "40001"}


def _should_retry(error: exc.DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _RETRY_STATES


def neutral_errors(errors: dict[str, list[Issue]]) -> dict[str, Any]:
    """Return errors without messages (rendered later in each viewer's language)."""
    return {
        path: [{"code": i.code, "params": dict(i.params)} for i in found]
        for path, found in errors.items()
    }


class SqlSubmissionStore:
    """SubmissionStore on a SQLAlchemy session, for one signed-in user."""

    def __init__(
        self,
        session: orm.Session,
        user: User,
        *,
        device_id: uuid.UUID | None = None,
        keep_rejections: bool = True,
        delay: float = 0.0,
    ) -> None:
        self.session = session
        self.user = user
        self.device_id = device_id
        #: the HTML path shows errors on the page at once: nothing to keep for review
        self.keep_rejections = keep_rejections
        #: test-only: seconds to wait per stored item (TEST_INGEST_DELAY_MS)
        self.delay = delay

    def find(self, uuids: Collection[uuid.UUID]) -> dict[uuid.UUID, StoredSubmission]:
        """Return the submissions stored under any of ``uuids``, by uuid."""
        if not uuids:
            return {}
        with db.reads(self.session):
            rows = (
                self.session.connection().execute(_FIND, {"uuids": list(uuids)}).all()
            )
        return {
            row.uuid: StoredSubmission(
                server_id=row.id,
                uuid=row.uuid,
                author_id=row.author_id,
                content_hash=row.content_hash,
                received_at=row.received_at,
            )
            for row in rows
        }

    def families(
        self, author: Author, family_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, KnownFamily]:
        """Return what the server knows of each family (unknown ones are left out)."""
        if not family_ids:
            return {}
        params = {"ids": list(family_ids), "user_id": self.user.id}
        found: dict[uuid.UUID, tuple[bool, set[str]]] = {}
        with db.reads(self.session):
            rows = self.session.connection().execute(_families(self.user.role), params)
            for family_id, seen, member_id in rows:
                _, members = found.setdefault(family_id, (bool(seen), set()))
                if seen and member_id is not None:
                    members.add(str(member_id))
        known = {
            family_id: KnownFamily(seen, frozenset(members))
            for family_id, (seen, members) in found.items()
        }
        missing = [str(f) for f in family_ids if f not in known]
        if missing:
            # An erased family's id stays in the access log (fieldapp/protection).
            with db.reads(self.session):
                erased = self.session.scalars(
                    sa.select(AccessLogEntry.record_id).where(
                        AccessLogEntry.record_type == "family",
                        AccessLogEntry.action == "erase",
                        AccessLogEntry.record_id.in_(missing),
                    )
                ).all()
            for family_id in erased:
                known[uuid.UUID(family_id)] = KnownFamily(False, erased=True)
        return known

    def course_access(self, author: Author, course_id: int) -> Access:
        """Tell whether the course is the author's, someone else's, or unknown."""
        with db.reads(self.session):
            course = self.session.get(Course, course_id)
        if course is None:
            return "unknown"
        mine = is_manager(self.user) or course.instructor_id == self.user.id
        return "visible" if mine else "hidden"

    def course_roster(self, course_id: int) -> frozenset[str] | None:
        """Return the member ids currently enrolled in the course."""
        query = sa.select(Enrolment.member_id).where(
            Enrolment.course_id == course_id, Enrolment.ended_on.is_(None)
        )
        with db.reads(self.session):
            ids = self.session.scalars(query).all()
        return frozenset(str(member_id) for member_id in ids)

    def insert(
        self, entries: Sequence[NewSubmission], *, author: Author, commit: bool = True
    ) -> list[StoredSubmission]:
        """Store the entries and their effects in one transaction (one commit).

        ``commit=False``: the caller commits (and rolls back on failure).

        :raise DuplicateKey: when a UUID is already stored (nothing is kept).
        :raise InsertFailed: when another constraint fails, or PostgreSQL chose this
            transaction to give way in a deadlock (nothing is kept); the database's
            error is its ``__cause__``.
        """
        now = utcnow()
        rows = [
            submission_values(
                entry.item,
                definition=entry.definition,
                answers=entry.answers,
                content_hash=entry.content_hash,
                author_id=author.id,
                device_id=self.device_id,
                received_at=now,
            )
            for entry in entries
        ]
        try:
            connection = self.session.connection()
            ids = _new_ids(connection, len(rows))
            for server_id, row in zip(ids, rows, strict=True):
                row["id"] = server_id
            # The unique index on uuid is met here, before any effect is written.
            connection.execute(_INSERT, rows)
            effects.apply(
                self.session,
                [
                    effects.Stored(
                        id=server_id,
                        uuid=row["uuid"],
                        form_id=row["form_id"],
                        family_id=row["family_id"],
                        course_id=row["course_id"],
                        received_at=now,
                        completed_at=row["completed_at"],
                        answers=entry.answers,
                    )
                    for server_id, row, entry in zip(ids, rows, entries, strict=True)
                ],
                self.user,
                ask_ids=len(entries) == 1,
            )
            if commit:
                self.session.commit()
        except exc.IntegrityError as error:
            self.session.rollback()
            found = self.find([entry.item.uuid for entry in entries])
            if found:
                raise DuplicateKey(found) from None
            raise InsertFailed() from error
        except exc.DBAPIError as error:
            self.session.rollback()
            if _should_retry(error):
                # PostgreSQL: two transactions locked the same rows (UUIDs, families)
                # in different orders, and this one was chosen to give way.
                raise InsertFailed() from error
            raise
        except BaseException:
            self.session.rollback()
            raise
        if self.delay:
            # Test-only fault injection: widen "the middle of a batch" (config.py).
            time.sleep(self.delay * len(entries))
        return [
            StoredSubmission(
                server_id=server_id,
                uuid=row["uuid"],
                author_id=author.id,
                content_hash=row["content_hash"],
                received_at=now,
            )
            for server_id, row in zip(ids, rows, strict=True)
        ]

    def record_conflict(
        self,
        original: StoredSubmission,
        item: SubmissionItem,
        *,
        author: Author,
        content_hash: str,
    ) -> bool:
        """Keep a different payload for review, once per distinct hash; True if new."""
        seen = self.session.scalar(
            sa.select(SubmissionConflict.id).where(
                SubmissionConflict.submission_id == original.server_id,
                SubmissionConflict.content_hash == content_hash,
            )
        )
        if seen is not None:
            return False
        self.session.add(
            SubmissionConflict(
                submission_id=original.server_id,
                content_hash=content_hash,
                payload=encrypt_json(dump_item(item)),
                author_id=author.id,
                device_id=self.device_id,
            )
        )
        queue_notification(
            self.user, "conflict", dedupe=f"conflict:{item.uuid}:{content_hash[:16]}"
        )
        return self._commit()

    def record_rejection(
        self,
        item: SubmissionItem,
        *,
        author: Author,
        errors: dict[str, list[Issue]],
        code: str,
        content_hash: str,
    ) -> bool:
        """Keep a rejected item for review, once per uuid and hash; True if new."""
        if not self.keep_rejections:
            return False
        seen = self.session.scalar(
            sa.select(RejectedSubmission.id).where(
                RejectedSubmission.submission_uuid == item.uuid,
                RejectedSubmission.content_hash == content_hash,
            )
        )
        if seen is not None:
            return False
        self.session.add(
            RejectedSubmission(
                submission_uuid=item.uuid,
                form_id=item.form_id[:64],
                form_version=item.form_version,
                author_id=author.id,
                device_id=self.device_id,
                errors={"code": code, "fields": neutral_errors(errors)},
                payload=encrypt_json(dump_item(item)),
                content_hash=content_hash,
            )
        )
        queue_notification(
            self.user, "rejected", dedupe=f"rejected:{item.uuid}:{content_hash[:16]}"
        )
        return self._commit()

    def recover(self) -> None:
        """Roll back what a call that raised left half done (see SubmissionStore)."""
        self.session.rollback()

    def _commit(self) -> bool:
        try:
            self.session.commit()
        except exc.IntegrityError:
            # The same record (or notification) was kept by a concurrent delivery.
            self.session.rollback()
            return False
        return True


def submission_values(
    item: SubmissionItem,
    *,
    definition: FormDefinition,
    answers: dict[str, Any],
    content_hash: str,
    author_id: int,
    device_id: uuid.UUID | None,
    received_at: datetime,
) -> dict[str, Any]:
    """Return the row for ``item``: plain answers, and sensitive ones encrypted."""
    plain, secret = split_sensitive(definition, answers)
    about_family = definition.subject in ("new_family", "family")
    return {
        "uuid": item.uuid,
        "form_id": item.form_id,
        "form_version": item.form_version,
        "subject_type": definition.subject,
        "family_id": item.subject_id if about_family else None,
        "course_id": (
            item.course_id if definition.subject == "course_session" else None
        ),
        "author_id": author_id,
        "device_id": device_id,
        "started_at": item.started_at,
        "completed_at": item.completed_at,
        "received_at": received_at,
        "respondent_locale": item.respondent_locale,
        "answers": plain,
        "sensitive_answers": encrypt_json(secret),
        "content_hash": content_hash,
    }
