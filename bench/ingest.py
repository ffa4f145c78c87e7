"""Ingest throughput of the sync engine against a raw bulk insert of the same rows.

    .venv/bin/python bench/ingest.py [--db sqlite|postgresql|both] [--batches 20]

Engine: SqlSubmissionStore + sync.engine.apply_push, batches of 50, no HTTP: each item
parsed, validated against its form, hashed, looked up, stored and its effects applied
in its own transaction. Raw: `insert(Submission.__table__)` executemany of the same
rows (answers, encrypted sensitive part and hash computed beforehand), one transaction
per batch of 50. The two run interleaved batch by batch in the same process, so load
from elsewhere on the machine hits both alike. Target: engine >= 50% of raw. For scale
it also prints the raw insert with one commit per row (the engine's transaction grain).
The mix is realistic: one item in five registers a family, the others visit a known
family (member check, schedule update). PostgreSQL: FIELDAPP_BENCH_PG_URL, else the URL
scripts/postgres-test-db.sh prints; a throwaway database is made and dropped.
"""

from __future__ import annotations

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
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import split_sensitive
from fieldapp.sync_api.store import SqlSubmissionStore
from sync.engine import apply_push
from sync.engine import content_hash
from sync.protocol import parse_item
from sync.store import Author

BATCH = 50


def _raw_row(item: dict[str, Any], author_id: int, device: uuid.UUID) -> dict[str, Any]:
    """Return the submission row the engine would write for ``item`` (new uuid)."""
    parsed, _uuid, _errors = parse_item(item)
    assert parsed is not None
    definition = registry().get(parsed.form_id, parsed.form_version)
    plain, secret = split_sensitive(definition, parsed.answers)
    return {
        "uuid": uuid.uuid4(),
        "form_id": parsed.form_id,
        "form_version": parsed.form_version,
        "subject_type": definition.subject,
        "family_id": parsed.subject_id,
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


def measure(kind: str, batches: int) -> dict[str, float]:
    """Return items/s of the engine and of the raw insert on a fresh ``kind`` database."""
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
            rows = [[_raw_row(i, user.id, device) for i in batch] for batch in plan]
            table = Submission.__table__
            single = [[_raw_row(i, user.id, device) for i in batch] for batch in plan]
            engine_s = raw_s = single_s = 0.0
            for number, (items, raw_rows) in enumerate(zip(plan, rows, strict=True)):
                started = time.perf_counter()
                with db.engine().begin() as connection:
                    connection.execute(sa.insert(table), raw_rows)
                raw_time = time.perf_counter() - started
                # For scale: the same raw rows, one transaction (commit) per row.
                started = time.perf_counter()
                for row in single[number]:
                    with db.engine().begin() as connection:
                        connection.execute(sa.insert(table), row)
                single_time = time.perf_counter() - started
                started = time.perf_counter()
                result = apply_push(
                    store, items, author=author, registry=forms, today=date.today()
                )
                engine_time = time.perf_counter() - started
                statuses = {r.status for r in result.results}
                assert statuses == {"accepted"}, statuses
                if number:  # batch 0 warms caches and connections up
                    raw_s += raw_time
                    single_s += single_time
                    engine_s += engine_time
            stored = session.scalar(sa.select(sa.func.count(Submission.id)))
            assert stored == len(seed) + 3 * (batches + 1) * BATCH
        db.engine(app).dispose()
    items = batches * BATCH
    return {
        "engine": items / engine_s,
        "raw": items / raw_s,
        "single": items / single_s,
    }


def main() -> None:
    """Print the figures for each database asked for."""
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20, help="timed batches of 50")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"# bench/ingest.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    print(f"# {args.batches} timed batches of {BATCH} (after one warm-up batch)")
    for kind in kinds:
        rates = measure(kind, args.batches)
        ratio = rates["engine"] / rates["raw"]
        verdict = "meets" if ratio >= 0.5 else "BELOW"
        print(
            f"{kind:<10} engine {rates['engine']:8.0f} items/s | raw bulk insert "
            f"{rates['raw']:8.0f} rows/s | engine/raw {ratio:6.1%} "
            f"({verdict} the 50% target)\n"
            f"{'':<10} for scale: raw insert with one commit per row "
            f"{rates['single']:8.0f} rows/s | engine/that "
            f"{rates['engine'] / rates['single']:6.1%}"
        )


if __name__ == "__main__":
    main()
