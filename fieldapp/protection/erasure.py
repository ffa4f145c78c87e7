"""Erase a family: every row about it, in every table, including tables added later.

What goes (see docs/architecture.md, "Erasure: which rows belong to a family"):

1. **Found through foreign keys**, from the schema itself: the family row; every row of a
   table with a foreign key to ``family``, ``member`` or ``submission`` (or to any row
   already doomed, so a ``service`` of a ``case`` of the family goes too), whatever
   feature added the table. A new table that points at one of them is covered without
   a line here.
2. **Linked without a foreign key**, listed in LINKS below: submissions by their
   ``family_id`` (and the intake that registered the family, by subject), rejected items
   whose sealed payload names the family, push notifications whose link names it.
   A table that refers to a family without a foreign key must add its link here.

The access log keeps every entry, which hold record ids only; search texts typed into
the family list that match the family's names are blanked. The erasure itself is logged
with who, when, the family id and how many rows went, never a name.

Devices drop the family at their next pull: it is no longer among the ``family_ids`` a
pull sends. An item about the family still waiting in a phone's outbox is refused at
ingest (``family_erased``, never stored, not even as a rejected item): the submission
store finds erased ids in the access log, like ``is_erased``. The phone keeps a refused
item until its user deletes it (the message asks them to).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from fieldapp import crypto
from fieldapp import db
from fieldapp.audit import log
from fieldapp.audit.models import AccessLogEntry
from fieldapp.families.models import Family
from fieldapp.push.models import Notification
from fieldapp.search import fold
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission

#: The tables whose rows, once doomed, doom the rows that point at them.
ROOTS = ("family", "member", "submission")


def _table(model: type[db.Model]) -> sa.Table:
    return db.table_of(model)


def _key(table: sa.Table) -> sa.Column[Any]:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise RuntimeError(
            f"table {table.name} refers to a family's rows but has no one-column "
            "primary key: erasure cannot name its rows (see docs/architecture.md)."
        )
    return columns[0]


def referencing(tables: set[str]) -> list[tuple[sa.Table, sa.Column[Any], str]]:
    """Return (table, column, referred table) for every foreign key into ``tables``."""
    found = []
    for table in db.Model.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name in tables and fk.parent.table is table:
                found.append((table, fk.parent, fk.column.table.name))
    return found


# --- links without a foreign key ----------------------------------------------------


def _submissions(session: Any, family_id: uuid.UUID) -> set[Any]:
    return set(
        session.scalars(
            sa.select(Submission.id).where(Submission.family_id == family_id)
        )
    )


def _rejects(session: Any, family_id: uuid.UUID) -> set[Any]:
    wanted = str(family_id)
    doomed = set()
    for row_id, token in session.execute(
        sa.select(RejectedSubmission.id, RejectedSubmission.payload)
    ):
        try:
            payload = crypto.decrypt_json(token)
        except (InvalidToken, ValueError):
            continue
        if isinstance(payload, dict) and wanted in _strings(payload):
            doomed.add(row_id)
    return doomed


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def _notifications(session: Any, doomed: Plan) -> set[Any]:
    """Notifications whose dedupe key or payload names the family or one of its rows:
    ``conflict:<submission uuid>:..``, ``rejected:<uuid>:..``, ``assigned:<id>``."""
    marks = [str(doomed.family_id)]
    for table, model_uuid in (
        ("submission", Submission.uuid),
        ("rejected_submission", RejectedSubmission.submission_uuid),
    ):
        key = _key(db.Model.metadata.tables[table])
        for chunk in _chunks(sorted(doomed.rows.get(table, ()), key=str)):
            marks += [
                str(u)
                for u in session.scalars(sa.select(model_uuid).where(key.in_(chunk)))
            ]
    found: set[Any] = set()
    notification = _table(Notification)
    for chunk in _chunks(marks, 100):
        found |= set(
            session.scalars(
                sa.select(notification.c.id).where(
                    sa.or_(
                        *(notification.c.dedupe_key.contains(m) for m in chunk),
                        *(
                            sa.cast(notification.c.payload, sa.Text).contains(m)
                            for m in chunk
                        ),
                    )
                )
            )
        )
    for assignment_id in doomed.rows.get("assignment", ()):
        found |= set(
            session.scalars(
                sa.select(notification.c.id).where(
                    notification.c.dedupe_key.like(f"%:assigned:{int(assignment_id)}")
                )
            )
        )
    return found


#: Tables that refer to a family without a foreign key: table name -> a function that
#: returns the primary keys of its rows about the family.
LINKS: dict[str, Callable[[Any, uuid.UUID], set[Any]]] = {
    "submission": _submissions,
    "rejected_submission": _rejects,
}
#: Tables whose rows about a family are found from the rows already doomed (after
#: LINKS and the foreign keys): table name -> a function of the plan so far.
LINKS_AFTER: dict[str, Callable[[Any, Plan], set[Any]]] = {
    "notification": _notifications,
}


# --- the plan -----------------------------------------------------------------------


@dataclass
class Plan:
    """What erasing one family removes: primary keys per table."""

    family_id: uuid.UUID
    rows: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    #: names to blank in the access log's search texts
    names: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """Return the number of rows per table, tables with none left out."""
        return {name: len(ids) for name, ids in sorted(self.rows.items()) if ids}

    @property
    def total(self) -> int:
        """Return the number of rows in all."""
        return sum(len(ids) for ids in self.rows.values())


def plan(family: Family) -> Plan:
    """Return every row that erasing ``family`` removes, in any table."""
    session = db.session()
    result = Plan(family.id)
    result.rows["family"].add(family.id)
    result.names = {family.name, *(m.full_name for m in family.members)}
    for table_name, find in LINKS.items():
        result.rows[table_name] |= find(session, family.id)
    # Follow foreign keys until nothing new is doomed.
    changed = True
    while changed:
        changed = False
        doomed_tables = {name for name, ids in result.rows.items() if ids}
        for table, column, referred in referencing(doomed_tables):
            key = _key(table)
            referred_ids = result.rows[referred]
            found = set()
            for chunk in _chunks(sorted(referred_ids, key=str)):
                found |= set(session.scalars(sa.select(key).where(column.in_(chunk))))
            new = found - result.rows[table.name]
            if new:
                result.rows[table.name] |= new
                changed = True
    for table_name, find_after in LINKS_AFTER.items():
        result.rows[table_name] |= find_after(session, result)
    return result


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _delete_order() -> list[sa.Table]:
    """Tables in the order rows can go: those that refer to others first."""
    return list(reversed(db.Model.metadata.sorted_tables))


def erase(family: Family, *, username: str | None = None) -> Plan:
    """Delete every row of ``plan(family)`` and log the fact; the caller commits."""
    session = db.session()
    done = plan(family)
    family_id = family.id
    session.expunge_all()  # the ORM must not try to cascade or refresh what goes
    conn = session.connection()
    # Foreign keys between rows that go (e.g. a conflict's new_submission_id) are
    # cut first, so the order of deletes inside a table never matters.
    for table in _delete_order():
        ids = done.rows.get(table.name)
        if not ids:
            continue
        key = _key(table)
        for chunk in _chunks(sorted(ids, key=str)):
            conn.execute(sa.delete(table).where(key.in_(chunk)))
    _blank_searches(done.names)
    log.record(
        "erase",
        "family",
        family_id,
        username=username,
        rows=done.total,
        tables=done.counts(),
    )
    return done


def _blank_searches(names: set[str]) -> None:
    """Blank search texts in the access log that name the family or a member."""
    keys = {fold(name) for name in names if name}
    words = {word for key in keys for word in key.split() if len(word) > 2}
    entries = db.session().execute(
        sa.select(AccessLogEntry.id, AccessLogEntry.detail).where(
            AccessLogEntry.action == "list"
        )
    )
    for entry_id, detail in entries:
        query = (detail or {}).get("q")
        if not isinstance(query, str) or not query:
            continue
        folded = fold(query)
        if any(word in folded for word in words) or any(
            folded and folded in key for key in keys
        ):
            db.session().execute(
                sa.update(_table(AccessLogEntry))
                .where(AccessLogEntry.id == entry_id)
                .values(detail={**detail, "q": "[erased]"})
            )


def is_erased(family_id: uuid.UUID | str) -> bool:
    """Return whether the family ``family_id`` was erased (the access log says so)."""
    return (
        db.session().scalar(
            sa.select(AccessLogEntry.id)
            .where(
                AccessLogEntry.record_type == "family",
                AccessLogEntry.record_id == str(family_id),
                AccessLogEntry.action == "erase",
            )
            .limit(1)
        )
        is not None
    )


def family_of(family_id: str) -> Family | None:
    """Return the family with the id ``family_id`` (any text), or None."""
    try:
        parsed = uuid.UUID(family_id)
    except ValueError:
        return None
    return db.session().get(Family, parsed)


def scrub(app: Any) -> None:
    """Make the deleted rows unreadable in the database files (after the commit).

    SQLite runs with secure_delete (freed content is overwritten with zeros); the
    checkpoint moves those pages into the database file and empties the write-ahead
    log. PostgreSQL: VACUUM the tables rows went from (autovacuum would, later).
    """
    if isinstance(db.sessionmaker(app).kw.get("bind"), sa.Connection):
        return  # sessions share one enclosing transaction (tests): nothing on disk yet
    engine = db.engine(app)
    if engine.dialect.name == "sqlite":
        db.checkpoint(app)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in db.Model.metadata.sorted_tables:
            conn.exec_driver_sql(f'VACUUM "{table.name}"')
