"""The sync engine's storage in SQLAlchemy: one transaction (and commit) per item.

A unique violation on ``submission.uuid`` is how two deliveries of one item racing each
other are told apart: the loser rolls back, reads the winner's row and answers
duplicate or conflict. The store holds no global state: it works on the session it is
given, so it runs the same under the test client, threads or gunicorn workers.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy import orm

from fieldapp.access import can_see_family
from fieldapp.access import is_manager
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.crypto import encrypt_json
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.push.services import queue_notification
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict
from fieldapp.submissions.sensitive import split_sensitive
from fieldapp.sync_api.effects import apply_effects
from forms import FormDefinition
from forms import Issue
from sync.changes import SubmissionItem
from sync.protocol import dump_item
from sync.store import Access
from sync.store import Author
from sync.store import DuplicateKey
from sync.store import StoredSubmission


def stored(submission: Submission) -> StoredSubmission:
    """Return what the engine compares of a stored submission."""
    return StoredSubmission(
        server_id=submission.id,
        uuid=submission.uuid,
        author_id=submission.author_id,
        content_hash=submission.content_hash,
        received_at=submission.received_at,
    )


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
    ) -> None:
        self.session = session
        self.user = user
        self.device_id = device_id
        #: the HTML path shows errors on the page at once: nothing to keep for review
        self.keep_rejections = keep_rejections

    def find(self, item_uuid: uuid.UUID) -> StoredSubmission | None:
        """Return the submission stored under ``item_uuid``, if any."""
        # Columns, not the ORM object: no answers decoded for a lookup on every item.
        row = self.session.execute(
            sa.select(
                Submission.id,
                Submission.uuid,
                Submission.author_id,
                Submission.content_hash,
                Submission.received_at,
            ).where(Submission.uuid == item_uuid)
        ).first()
        if row is None:
            return None
        return StoredSubmission(
            server_id=row.id,
            uuid=row.uuid,
            author_id=row.author_id,
            content_hash=row.content_hash,
            received_at=row.received_at,
        )

    def family_access(self, author: Author, family_id: uuid.UUID) -> Access:
        """Tell whether the family is the author's, someone else's, or unknown."""
        exists = self.session.scalar(sa.select(Family.id).where(Family.id == family_id))
        if exists is None:
            return "unknown"
        return "visible" if can_see_family(self.user, family_id) else "hidden"

    def family_members(self, family_id: uuid.UUID) -> frozenset[str] | None:
        """Return the ids of the family's members (None when the family is unknown)."""
        ids = self.session.scalars(
            sa.select(Member.id).where(Member.family_id == family_id)
        )
        return frozenset(str(member_id) for member_id in ids)

    def course_access(self, author: Author, course_id: int) -> Access:
        """Tell whether the course is the author's, someone else's, or unknown."""
        course = self.session.get(Course, course_id)
        if course is None:
            return "unknown"
        mine = is_manager(self.user) or course.instructor_id == self.user.id
        return "visible" if mine else "hidden"

    def course_roster(self, course_id: int) -> frozenset[str] | None:
        """Return the member ids currently enrolled in the course."""
        ids = self.session.scalars(
            sa.select(Enrolment.member_id).where(
                Enrolment.course_id == course_id, Enrolment.ended_on.is_(None)
            )
        )
        return frozenset(str(member_id) for member_id in ids)

    def insert(
        self,
        item: SubmissionItem,
        *,
        author: Author,
        definition: FormDefinition,
        answers: dict[str, Any],
        content_hash: str,
    ) -> StoredSubmission:
        """Store the item and its effects in one transaction.

        :raise DuplicateKey: when the UUID is already stored (nothing is kept).
        """
        submission = new_submission(
            item,
            definition=definition,
            answers=answers,
            content_hash=content_hash,
            author_id=author.id,
            device_id=self.device_id,
        )
        self.session.add(submission)
        try:
            # The flush meets the unique index on uuid before any effect is written.
            self.session.flush()
            apply_effects(self.session, submission, answers, self.user)
            self.session.commit()
        except exc.IntegrityError:
            self.session.rollback()
            if self.find(item.uuid) is not None:
                raise DuplicateKey(str(item.uuid)) from None
            raise
        except BaseException:
            self.session.rollback()
            raise
        return stored(submission)

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

    def _commit(self) -> bool:
        try:
            self.session.commit()
        except exc.IntegrityError:
            # The same record (or notification) was kept by a concurrent delivery.
            self.session.rollback()
            return False
        return True


def new_submission(
    item: SubmissionItem,
    *,
    definition: FormDefinition,
    answers: dict[str, Any],
    content_hash: str,
    author_id: int,
    device_id: uuid.UUID | None,
) -> Submission:
    """Build the row for ``item``: plain answers, and sensitive ones encrypted."""
    plain, secret = split_sensitive(definition, answers)
    about_family = definition.subject in ("new_family", "family")
    return Submission(
        uuid=item.uuid,
        form_id=item.form_id,
        form_version=item.form_version,
        subject_type=definition.subject,
        family_id=item.subject_id if about_family else None,
        course_id=item.course_id if definition.subject == "course_session" else None,
        author_id=author_id,
        device_id=device_id,
        started_at=item.started_at,
        completed_at=item.completed_at,
        respondent_locale=item.respondent_locale,
        answers=plain,
        sensitive_answers=encrypt_json(secret),
        content_hash=content_hash,
    )
