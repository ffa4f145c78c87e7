"""What stored group_activity forms change: one activity row, and who took part.

Registered with the dispatcher in fieldapp/submissions/effects.py (create_app).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.families.models import Member
from fieldapp.prevention.models import ActivityStudent
from fieldapp.prevention.models import GroupActivity
from fieldapp.submissions.effects import Context
from fieldapp.submissions.effects import Stored

#: the participant counts of the form, by sex and age band
BANDS = (
    "girls_under_12",
    "boys_under_12",
    "girls_12_16",
    "boys_12_16",
    "women_17_plus",
    "men_17_plus",
)


def on_stored(
    session: orm.Session, stored: Sequence[Stored], _context: Context
) -> None:
    """Write an activity row (and its students) for each stored group_activity."""
    for submission in stored:
        if submission.form_id != "group_activity":
            continue
        answers = submission.answers
        counts = {b: int(answers[b]) for b in BANDS if isinstance(answers.get(b), int)}
        try:
            held_on = date.fromisoformat(str(answers.get("activity_date")))
        except ValueError:
            held_on = submission.received_at.date()
        activity = GroupActivity(
            submission_id=submission.id,
            held_on=held_on,
            kind=str(answers.get("kind", "")),
            topic=str(answers.get("topic", "")),
            topic_other=str(answers.get("topic_other", "")),
            facilitators=str(answers.get("facilitators", "")),
            place=str(answers.get("place", "")),
            participants=counts,
            total=sum(counts.values()),
        )
        session.add(activity)
        session.flush()
        wanted = set()
        for value in answers.get("students") or ():
            try:
                wanted.add(uuid.UUID(str(value)))
            except ValueError:
                continue
        # Only people the database knows: a phone may offer a student since removed.
        known = session.scalars(sa.select(Member.id).where(Member.id.in_(wanted)))
        for member_id in known:
            session.add(ActivityStudent(activity_id=activity.id, member_id=member_id))
