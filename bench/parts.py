"""CPU cost per item of each step of the sync ingest path, without a database write.

    .venv/bin/python bench/parts.py [--items 2000] [--repeats 7]

Steps, each timed alone over the same realistic items (bench/common.py
visit_or_intake: one family intake for four home visits):

- parse_item: sync.protocol.parse_item on the decoded JSON object;
- content_hash: sync.engine.content_hash of the parsed item;
- validate_answers: forms.validate_answers with an empty ValidationContext (and, for
  scale, with the family's members as the engine passes them);
- split+encrypt: fieldapp.submissions.sensitive.split_sensitive and
  fieldapp.crypto.encrypt_json of the sensitive part (in an app context on a throwaway
  SQLite database).

Each figure is in µs per item: the items are timed in chunks of 100, and each chunk
counts with the best of its --repeats runs. Compare with bench/ingest.py: the whole
ingest must reach 50% of a raw bulk insert.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from common import family_of
from common import fresh_database
from common import machine
from common import make_app
from common import visit_or_intake

from fieldapp.crypto import encrypt_json
from fieldapp.submissions.sensitive import split_sensitive
from forms import ValidationContext
from forms import load_registry
from forms import validate_answers
from sync.engine import content_hash
from sync.protocol import parse_item

CHUNK = 100


def best_us(step: Callable[[Any], object], inputs: list[Any], repeats: int) -> float:
    """Return µs per input of ``step``: the sum over chunks of each one's best run."""
    # Short chunks, each timed ``repeats`` times: a run the scheduler interrupts (two
    # CPUs shared with a test suite...) spoils one chunk's try, not the whole figure.
    total = 0.0
    for start in range(0, len(inputs), CHUNK):
        chunk = inputs[start : start + CHUNK]
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            for value in chunk:
                step(value)
            best = min(best, time.perf_counter() - started)
        total += best
    return total / len(inputs) * 1e6


def main() -> None:
    """Build the items, time each step and print one line per step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000, help="items (default 2000)")
    parser.add_argument("--repeats", type=int, default=7, help="runs (default 7)")
    args = parser.parse_args()

    seed = [visit_or_intake([], n) for n in range(40)]
    families = [family_of(item) for item in seed]
    members = {family_id: frozenset(ids) for family_id, ids in families}
    raws = [visit_or_intake(families, n) for n in range(args.items)]
    parsed = []
    for raw in raws:
        item, _uuid, errors = parse_item(raw)
        assert item is not None, errors
        parsed.append(item)
    forms = load_registry()
    pairs = [(forms.get(i.form_id, i.form_version), i) for i in parsed]
    empty = ValidationContext()
    with_members = [
        (d, i, ValidationContext(members=members.get(str(i.subject_id))))
        for d, i in pairs
    ]
    for definition, item, context in with_members:
        verdict = validate_answers(definition, item.answers, context)
        assert verdict.ok, verdict.errors

    def encrypt(pair: tuple[Any, Any]) -> object:
        definition, item = pair
        _plain, secret = split_sensitive(definition, item.answers)
        return encrypt_json(secret)

    figures = {
        "parse_item": best_us(parse_item, raws, args.repeats),
        "content_hash": best_us(content_hash, parsed, args.repeats),
        "validate_answers": best_us(
            lambda p: validate_answers(p[0], p[1].answers, empty), pairs, args.repeats
        ),
        "validate_answers (members)": best_us(
            lambda t: validate_answers(t[0], t[1].answers, t[2]),
            with_members,
            args.repeats,
        ),
    }
    with fresh_database("sqlite") as url:
        app = make_app(url)
        with app.app_context():
            figures["split+encrypt"] = best_us(encrypt, pairs, args.repeats)

    print(f"# bench/parts.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    print(
        f"# {len(raws)} items, chunks of {CHUNK} timed {args.repeats} times each"
        " (best counts), µs per item"
    )
    for name, figure in figures.items():
        print(f"{name:<28} {figure:7.1f}")
    core = ("parse_item", "content_hash", "validate_answers", "split+encrypt")
    print(f"{'sum (without members)':<28} {sum(figures[k] for k in core):7.1f}")


if __name__ == "__main__":
    main()
