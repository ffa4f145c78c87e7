"""Ingest throughput of the sync engine against a raw bulk insert of the same rows.

    .venv/bin/python bench/ingest.py [--db sqlite|postgresql|both] [--batches 60]

Engine: SqlSubmissionStore + sync.engine.apply_push, batches of 50, no HTTP: each item
parsed, validated against its form, hashed, looked up, stored and its effects applied
(accepted items are stored in groups, one transaction per batch here; see
sync/engine.py). Raw: SQLAlchemy Core executemany inserts, one transaction per batch
of 50, of the same rows the engine inserts: the submission rows (answers, encrypted
sensitive part and hash computed beforehand) and, for each intake, its family, member
and assignment rows. The runs interleave batch by batch in the same process, so load
from elsewhere on the machine hits them alike; each starts from a collected heap and,
on SQLite, a checkpointed log (untimed). Target: engine >= 50% of raw, judged by the
median over the batches of engine/raw (each batch's runs back to back on the same
rows): one stall of a shared disk moves the totals' ratio by more than the margin.
Both are printed, and for scale a raw insert of the submission rows alone and one with
a commit per row. The mix is realistic: one item in five registers a family (two
members), the others visit a known family (member check, schedule update).
PostgreSQL: FIELDAPP_BENCH_PG_URL, else the URL
scripts/postgres-test-db.sh prints; a throwaway database is made and dropped.
"""

from __future__ import annotations

import gc
import statistics
import time
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from common import arguments
from common import family_of
from common import fresh_database
from common import machine
from common import make_app
from common import visit_or_intake

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.crypto import encrypt_json
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.families.services import family_search_key
from fieldapp.families.services import member_search_key
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import split_sensitive
from fieldapp.submissions.store import SqlSubmissionStore
from sync.engine import apply_push
from sync.engine import content_hash
from sync.protocol import parse_item
from sync.store import Author

BATCH = 50


def _raw_rows(
    item: dict[str, Any], author_id: int, device: uuid.UUID
) -> dict[str, list[dict[str, Any]]]:
    """Return the rows the engine inserts for ``item``, by table (new ids)."""
    parsed, _uuid, _errors = parse_item(item)
    assert parsed is not None
    definition = registry().get(parsed.form_id, parsed.form_version)
    plain, secret = split_sensitive(definition, parsed.answers)
    family_id = uuid.uuid4() if definition.subject == "new_family" else None
    rows: dict[str, list[dict[str, Any]]] = {
        "submission": [
            {
                "uuid": uuid.uuid4(),
                "form_id": parsed.form_id,
                "form_version": parsed.form_version,
                "subject_type": definition.subject,
                # Its own family id: the raw rows must not pile visits onto the
                # families the engine keeps the schedule of.
                "family_id": family_id or uuid.uuid4(),
                "course_id": None,
                "author_id": author_id,
                "device_id": device,
                "started_at": parsed.started_at,
                "completed_at": parsed.completed_at,
                "received_at": datetime.now(UTC),
                "respondent_locale": parsed.respondent_locale,
                "answers": plain,
                "sensitive_answers": encrypt_json(secret),
                "content_hash": content_hash(parsed),
            }
        ],
        "family": [],
        "member": [],
        "assignment": [],
    }
    if family_id is None:
        return rows
    answers = parsed.answers
    people = [str(row["full_name"]) for row in answers["members"]]
    rows["family"].append(
        {
            "id": family_id,
            "name": answers["family_name"],
            "search_key": family_search_key([answers["family_name"], *people]),
            "municipality": answers["municipality"],
            "village": answers["village"],
            "programme": answers["programme"],
            "referral_source": answers["referral_source"],
            "created_by_id": author_id,
        }
    )
    for row in answers["members"]:
        rows["member"].append(
            {
                "id": uuid.uuid4(),
                "family_id": family_id,
                "full_name": row["full_name"],
                "search_key": member_search_key(row["full_name"]),
                "birth_year": row["birth_year"],
                "sex": row["sex"],
                "relationship": row["relationship"],
                "school": "",
                "grade": "",
            }
        )
    rows["assignment"].append(
        {"family_id": family_id, "user_id": author_id, "assigned_by_id": author_id}
    )
    return rows


TABLES = {
    "submission": Submission.__table__,
    "family": Family.__table__,
    "member": Member.__table__,
    "assignment": Assignment.__table__,
}


def _raw_insert(
    batch: list[dict[str, list[dict[str, Any]]]], tables: list[str]
) -> float:
    """Insert the batch's rows of ``tables`` in one transaction; return the seconds."""
    by_table = {name: [row for rows in batch for row in rows[name]] for name in tables}
    started = time.perf_counter()
    with db.engine().begin() as connection:
        for name in tables:
            if by_table[name]:
                connection.execute(sa.insert(TABLES[name]), by_table[name])
    return time.perf_counter() - started


def _settle(kind: str) -> None:
    """Start the next timed run from the same state (untimed).

    Python: collect garbage, so that the full collection the objects of earlier runs
    (and this script's prepared rows) build up to falls on none of the runs; it takes
    about 0.1 s, as long as two engine batches, and lands on whichever run allocates
    when it comes due. A run's own garbage is still collected during it. SQLite:
    checkpoint the write-ahead log, so that one run's commits (the fifty of the
    commit-per-row run above all) do not leave the checkpoint to whichever run commits
    next.
    """
    gc.collect()
    if kind == "sqlite":
        # Outside any transaction (SQLAlchemy would open one): the raw connection.
        raw = db.engine().raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        finally:
            raw.close()


def measure(kind: str, batches: int) -> dict[str, float]:
    """Return items/s of the engine and of the raw inserts on a fresh ``kind`` database."""
    with fresh_database(kind) as url:
        app = make_app(url)
        with app.test_request_context():
            session = db.session()
            user = User(
                username="bench", full_name="Bench", role="social_worker", locale="en"
            )
            user.password_hash = "x"  # noqa: S105 - never signs in
            session.add(user)
            session.commit()
            author = Author(user.id, user.role)
            device = uuid.uuid4()
            forms = registry()
            # Families to visit, registered through the engine first (not timed).
            seed = [visit_or_intake([], n) for n in range(40)]
            store = SqlSubmissionStore(session, user, device_id=device)
            apply_push(store, seed, author=author, registry=forms)
            families = [family_of(item) for item in seed]
            plan = [
                [visit_or_intake(families, b * BATCH + n + 1) for n in range(BATCH)]
                for b in range(batches + 1)
            ]

            def raw(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
                return [_raw_rows(i, user.id, device) for i in batch]

            every = [raw(batch) for batch in plan]
            alone = [raw(batch) for batch in plan]
            single = [raw(batch) for batch in plan]
            times = {"engine": 0.0, "raw": 0.0, "alone": 0.0, "single": 0.0}
            #: engine/raw of each batch: its runs are back to back, on the same rows
            paired: list[float] = []
            for number, items in enumerate(plan):
                taken = {}
                _settle(kind)
                taken["raw"] = _raw_insert(every[number], list(TABLES))
                _settle(kind)
                taken["alone"] = _raw_insert(alone[number], ["submission"])
                _settle(kind)
                # For scale: submission rows with one transaction (commit) each.
                taken["single"] = sum(
                    _raw_insert([rows], ["submission"]) for rows in single[number]
                )
                _settle(kind)
                started = time.perf_counter()
                result = apply_push(
                    store, items, author=author, registry=forms, today=date.today()
                )
                taken["engine"] = time.perf_counter() - started
                statuses = {r.status for r in result.results}
                assert statuses == {"accepted"}, statuses
                if number:  # batch 0 warms caches and connections up
                    for name, seconds in taken.items():
                        times[name] += seconds
                    paired.append(taken["raw"] / taken["engine"])
            stored = session.scalar(sa.select(sa.func.count(Submission.id)))
            assert stored == len(seed) + 4 * (batches + 1) * BATCH
        db.engine(app).dispose()
    items = batches * BATCH
    rates = {name: items / seconds for name, seconds in times.items()}
    rates["paired"] = statistics.median(paired)
    return rates


def main() -> None:
    """Print the figures for each database asked for."""
    parser = arguments(__doc__.splitlines()[0])
    # 60: with 20, the median moved by up to 15 points from one run to the next on a
    # shared 2-core VM; with 60, by about 4.
    parser.add_argument("--batches", type=int, default=60, help="timed batches of 50")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"# bench/ingest.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    print(f"# {args.batches} timed batches of {BATCH} (after one warm-up batch)")
    for kind in kinds:
        rates = measure(kind, args.batches)
        ratio = rates["engine"] / rates["raw"]
        # The verdict goes by the per-batch median: a stall of the shared disk or of
        # the machine in one run moves the totals by more than the whole margin.
        verdict = "meets" if rates["paired"] >= 0.5 else "BELOW"
        print(
            f"{kind:<10} engine {rates['engine']:8.0f} items/s | raw bulk insert of "
            f"the same rows {rates['raw']:8.0f} items/s | engine/raw {ratio:6.1%}\n"
            f"{'':<10} for scale: raw insert of the submission rows alone "
            f"{rates['alone']:8.0f} items/s (engine/that "
            f"{rates['engine'] / rates['alone']:6.1%}); with one commit per row "
            f"{rates['single']:8.0f} items/s\n"
            f"{'':<10} per batch (engine and raw back to back on the same rows): "
            f"median engine/raw {rates['paired']:6.1%} ({verdict} the 50% target)"
        )


if __name__ == "__main__":
    main()
