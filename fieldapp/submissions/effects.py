"""The dispatcher of what stored submissions change in the rest of the data.

A feature package whose data follows from submissions (families from intakes, dates
from visits, attendance from registers, and later cases, services, referrals) keeps
that logic in its own ``effects.py`` and registers it here from create_app()::

    effects.register(app, stored=families_effects.on_stored,
                     changed=families_effects.on_changed)

The submission store calls ``apply`` for every group it inserts, in the same
transaction, whether the submissions came through the sync API or an HTML form, so an
effect is written exactly when its submission is, and never otherwise. Effects run in
the order they were registered. Effects are written for a group at once (one
statement per table, not one per item): this is the hot path of every sync.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Flask
from flask import current_app
from sqlalchemy import orm

from fieldapp.auth.models import User


@dataclass(frozen=True)
class Stored:
    """A submission just inserted: its row's values and its answers in full."""

    id: int
    uuid: UUID
    form_id: str
    family_id: UUID | None
    course_id: int | None
    received_at: datetime
    completed_at: datetime | None
    #: the clean answers, sensitive ones included
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Context:
    """Who stored the group, and how the store wants it written."""

    author: User
    #: False for a group: a new row's id that is someone else's already fails the
    #: primary key (and the transaction) instead of being looked up first; the store
    #: then stores each item on its own, asking.
    ask_ids: bool = True


#: an effect of stored submissions (in the order they were stored)
OnStored = Callable[[orm.Session, Sequence[Stored], Context], None]
#: an effect of stored submissions changed afterwards (conflict review): family id ->
#: the forms whose submissions changed
OnChanged = Callable[[orm.Session, Mapping[UUID, Collection[str]]], None]


@dataclass
class _Registry:
    stored: list[OnStored] = field(default_factory=list)
    changed: list[OnChanged] = field(default_factory=list)


def _registry(app: Flask | None = None) -> _Registry:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    registry: _Registry = app.extensions.setdefault("fieldapp.effects", _Registry())
    return registry


def register(
    app: Flask, *, stored: OnStored | None = None, changed: OnChanged | None = None
) -> None:
    """Register a feature's effects (create_app, in the order they must run)."""
    registry = _registry(app)
    if stored is not None:
        registry.stored.append(stored)
    if changed is not None:
        registry.changed.append(changed)


def apply(
    session: orm.Session,
    stored: Sequence[Stored],
    author: User,
    *,
    ask_ids: bool = True,
) -> None:
    """Write the effects of ``stored`` (just inserted, in order) by ``author``."""
    context = Context(author=author, ask_ids=ask_ids)
    for effect in _registry().stored:
        effect(session, stored, context)


def changed(session: orm.Session, wanted: Mapping[UUID, Collection[str]]) -> None:
    """Recompute what follows from the families' submissions of the given forms."""
    for effect in _registry().changed:
        effect(session, wanted)
