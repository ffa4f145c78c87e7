"""Create and change families, members and assignments (the view commits)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.db import utcnow
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.search import fold


def family_search_key(names: list[str]) -> str:
    """Return a family's search key: its name then every member's name, folded."""
    return fold(" ".join(names))[:400]


def member_search_key(full_name: str) -> str:
    """Return a member's search key."""
    return fold(full_name)[:400]


def index_family(family: Family) -> None:
    """Refresh the family's search key: its name and every member's name."""
    names = [family.name, *(member.full_name for member in family.members)]
    family.search_key = family_search_key(names)
    for member in family.members:
        member.search_key = member_search_key(member.full_name)


def assign(family: Family, worker: User, by: User | None) -> Assignment:
    """Make ``worker`` follow ``family``, unless they already do."""
    current = db.session().scalar(
        sa.select(Assignment).where(
            Assignment.family_id == family.id,
            Assignment.user_id == worker.id,
            Assignment.ended_at.is_(None),
        )
    )
    if current is not None:
        return current
    assignment = Assignment(
        family_id=family.id, user_id=worker.id, assigned_by_id=by.id if by else None
    )
    db.session().add(assignment)
    # Devices pull by the family's updated_at: a new assignee must see it.
    family.updated_at = utcnow()
    return assignment


def end_assignment(assignment: Assignment) -> None:
    """Stop ``assignment``; the worker's devices drop the family at their next pull."""
    assignment.ended_at = utcnow()
    assignment.family.updated_at = utcnow()


def active_assignees(family_id: uuid.UUID) -> list[Assignment]:
    """Return the current assignments of a family, with their users."""
    query = (
        sa.select(Assignment)
        .where(Assignment.family_id == family_id, Assignment.ended_at.is_(None))
        .order_by(Assignment.assigned_at)
    )
    return list(db.session().scalars(query))


def new_member(family: Family, **fields: object) -> Member:
    """Add a member to ``family``."""
    member = Member(family=family, **fields)
    family.members.append(member)
    return member
