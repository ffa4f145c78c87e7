from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from sync import merge
from sync import samples
from sync.protocol import parse_item
from sync.pull import CURSOR_VERSION
from sync.pull import OVERLAP
from sync.pull import Cursor
from sync.pull import build_pull


def _incoming():
    item, _, _ = parse_item(samples.home_visit(uuid.uuid4()))
    return item


def test_keep_original_changes_nothing():
    resolution = merge.keep_original(_incoming())
    assert resolution.name == "kept_original"
    assert resolution.replace_answers is None
    assert resolution.new_item is None


def test_keep_incoming_replaces_the_answers():
    incoming = _incoming()
    resolution = merge.keep_incoming(incoming)
    assert resolution.replace_answers == incoming.answers


def test_keep_both_stores_the_incoming_under_a_new_uuid():
    incoming = _incoming()
    new = uuid.uuid4()
    resolution = merge.keep_both(incoming, new_uuid=new)
    assert resolution.new_item.uuid == new
    assert resolution.new_item.answers == incoming.answers


class Source:
    def __init__(self):
        self.visible = {
            "a": datetime(2025, 1, 1, tzinfo=UTC),
            "b": datetime(2025, 3, 1, tzinfo=UTC),
        }
        self.form_list = [{"id": "home_visit", "version": 1}]
        self.asked_since = []

    def forms(self):
        return self.form_list

    def families(self, since):
        self.asked_since.append(since)
        return [{"id": k} for k, t in self.visible.items() if not since or t > since]

    def family_ids(self):
        return list(self.visible)

    def courses(self):
        return [{"id": 3, "roster": []}]

    def due(self):
        return [{"kind": "visit", "family_id": "a"}]


def test_first_pull_is_full_with_forms():
    source = Source()
    result = build_pull(source, None, datetime(2025, 2, 1, tzinfo=UTC))
    assert result.full
    assert result.forms == source.form_list
    assert {f["id"] for f in result.families} == {"a", "b"}
    assert result.course_ids == [3]
    assert result.due == [{"kind": "visit", "family_id": "a"}]


def test_next_pull_sends_changes_only_and_no_unchanged_forms():
    source = Source()
    first = build_pull(source, None, datetime(2025, 2, 1, tzinfo=UTC))
    second = build_pull(source, first.cursor, datetime(2025, 4, 1, tzinfo=UTC))
    assert not second.full
    assert second.forms == []
    assert [f["id"] for f in second.families] == ["b"]
    assert source.asked_since[-1] == datetime(2025, 2, 1, tzinfo=UTC) - OVERLAP


def test_a_family_reassigned_away_is_missing_from_family_ids():
    source = Source()
    first = build_pull(source, None, datetime(2025, 2, 1, tzinfo=UTC))
    del source.visible["a"]
    second = build_pull(source, first.cursor, datetime(2025, 4, 1, tzinfo=UTC))
    assert second.family_ids == ["b"]


def test_changed_forms_are_sent_again():
    source = Source()
    first = build_pull(source, None, datetime(2025, 2, 1, tzinfo=UTC))
    source.form_list = [{"id": "home_visit", "version": 2}]
    second = build_pull(source, first.cursor, datetime(2025, 2, 2, tzinfo=UTC))
    assert second.forms == source.form_list


def test_an_unreadable_cursor_means_a_full_pull():
    for bad in (
        "",
        "garbage",
        "e30",
        "x" * 600,
        Cursor(datetime(2025, 1, 1, tzinfo=UTC), "f").encode()[:-3],
    ):
        assert Cursor.decode(bad) is None or bad
    result = build_pull(Source(), "%%%", datetime(2025, 2, 1, tzinfo=UTC))
    assert result.full


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+00:00",  # looking back OVERLAP from it would overflow
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-14:00",  # after 9999 in UTC
        "2025-01-01T00:00:00",  # no offset
    ],
)
def test_a_cursor_time_that_cannot_be_used_means_a_full_pull(at):
    raw = json.dumps({"v": CURSOR_VERSION, "t": at, "f": "x"}).encode()
    text = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert Cursor.decode(text) is None
    result = build_pull(Source(), text, datetime(2025, 2, 1, tzinfo=UTC))
    assert result.full


def test_cursor_round_trips():
    cursor = Cursor(datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=1), "abc")
    assert Cursor.decode(cursor.encode()) == cursor
