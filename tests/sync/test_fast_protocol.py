"""parse_item's fast path answers exactly as ItemSchema does, or leaves it to ItemSchema.

The fast path reads well-formed items without marshmallow. Whenever it answers, the item
must be the one ItemSchema loads (field by field, types and time zones included); when
it cannot tell, parse_item must fall back to ItemSchema, whose messages stay the API's.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from marshmallow import fields
from marshmallow import validate

from forms import DEFAULT_LOCALE
from forms import LOCALES
from sync import protocol
from sync import samples
from sync.protocol import ItemSchema
from sync.protocol import parse_item
from sync.protocol import plainly_storable
from sync.protocol import unstorable

MEMBER = str(uuid.uuid4())
FAMILY = str(uuid.uuid4())
SAMPLES = [
    samples.home_visit(FAMILY, [MEMBER]),
    samples.family_intake(FAMILY),
    samples.psych_support(FAMILY, [MEMBER]),
    samples.class_attendance(12, ["s1", "s2"]),
]
ENVELOPE = [
    "uuid",
    "form_id",
    "form_version",
    "subject_id",
    "course_id",
    "started_at",
    "completed_at",
    "respondent_locale",
    "author_id",
    "answers",
]
TEXTS = [
    str(uuid.uuid4()),
    str(uuid.uuid4()).upper(),
    "{" + str(uuid.uuid4()) + "}",
    "urn:uuid:" + str(uuid.uuid4()),
    uuid.uuid4().hex,
    " " + uuid.uuid4().hex[1:],
    "0x" + uuid.uuid4().hex[2:],
    "+" + uuid.uuid4().hex[1:],
    "_" + uuid.uuid4().hex[1:],
    "00000000-0000-0000-0000-00000000000g",
    "٠" * 32,
    "",
    " ",
    "x" * 64,
    "x" * 65,
    "home_visit",
    "2025-03-01T09:30:00+01:00",
    "2025-03-01T09:30:00",
    "2025-03-01T09:30:00Z",
    "2025-03-01 09:30",
    "2025-03-01",
    "20250301T0930",
    "2025-W09-6",
    "2025-03-01T09:30:00.123456789",
    "2025-03-01T24:00:00",
    "2025-02-30T10:00:00",
    "2025-03-01T09:30:00+25:00",
    "0001-01-01T00:00:00-01:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+00:00",
    "0001-01-02T00:00:00+00:00",
    "9999-12-30T23:59:59.999999Z",
    "9999-12-31T23:59:59.999999Z",
    "２０２５-03-01",
    *LOCALES,
    "sr",
    "SQ",
    "nul\x00inside",
    "\ud800",
    "e\u0308",
]
NUMBERS = [0, 1, -1, 2, 64, 1_000_000, 1_000_001, 2**31 - 1, 2**31, 2**63, 1.0, 1.5]
NUMBERS += [float("nan"), float("inf"), -0.0]
# Mostly keys a database keeps, so that most generated items reach ItemSchema.
KEYS = ["a", "b", "id", "", "ë", "a", "b", "id", "", "ë", "\x00", "\udc00"]
SCALARS = st.sampled_from([None, True, False, *NUMBERS, *TEXTS])
JSON = st.recursive(
    SCALARS | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner)
    ),
    max_leaves=8,
)


def deep(depth: int) -> Any:
    """Return a value nested ``depth`` containers deep."""
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


class StrLike(str):
    __slots__ = ()


class DictLike(dict):  # type: ignore[type-arg]
    pass


ODD = [deep(30), deep(31), deep(32), deep(33), StrLike("x"), DictLike(a="b"), (1, 2)]
ODD += [StrLike("nul\x00"), DictLike(a="\ud800"), DictLike(a=deep(33)), ("\x00",)]


@st.composite
def items(draw: st.DrawFn) -> Any:
    """Return a sample item with some fields replaced, removed or added."""
    item = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    for name in draw(st.lists(st.sampled_from(ENVELOPE), max_size=4)):
        action = draw(st.sampled_from(["replace", "remove", "odd"]))
        if action == "remove":
            item.pop(name, None)
        elif action == "odd":
            item[name] = copy.deepcopy(draw(st.sampled_from(ODD)))
        else:
            item[name] = draw(JSON)
    if draw(st.booleans()):
        item[draw(st.sampled_from(["extra", "answers2", "extra", "\x00"]))] = draw(JSON)
    if type(item.get("answers")) is dict and draw(st.booleans()):
        answers = item["answers"]
        key = draw(st.sampled_from([*answers, "new", "\ud800", "n\x00"]))
        answers[key] = copy.deepcopy(draw(JSON | st.sampled_from(ODD)))
    if draw(st.sampled_from(range(10))) == 7:
        return draw(JSON)  # not an item at all, sometimes not even an object
    return item


def strictly(result: tuple[Any, str, dict[str, list[str]]]) -> str:
    """Return a text that differs whenever two results differ in any way."""
    # repr() shows types (1, 1.0, True) and time zones, which == would not compare.
    return repr(result)


def test_the_fast_path_reads_the_rules_item_schema_declares() -> None:
    declared = ItemSchema().fields
    assert list(declared) == ENVELOPE
    kinds = {name: type(field) for name, field in declared.items()}
    assert kinds == {
        "uuid": fields.UUID,
        "form_id": fields.String,
        "form_version": fields.Integer,
        "subject_id": fields.UUID,
        "course_id": fields.Integer,
        "started_at": protocol.ClientTime,
        "completed_at": protocol.ClientTime,
        "respondent_locale": fields.String,
        "author_id": fields.Integer,
        "answers": fields.Dict,
    }
    required = {name for name, field in declared.items() if field.required}
    assert required == {"uuid", "form_id", "form_version", "answers"}
    nullable = {name for name, field in declared.items() if field.allow_none}
    assert nullable == {
        "subject_id",
        "course_id",
        "started_at",
        "completed_at",
        "author_id",
    }
    assert declared["respondent_locale"].load_default == DEFAULT_LOCALE
    assert all(declared[name].load_default is None for name in nullable), (
        "a nullable field defaults to None"
    )
    for name in ("form_version", "course_id", "author_id"):
        field = declared[name]
        assert isinstance(field, fields.Integer)
        assert field.strict
    for name in ("started_at", "completed_at"):
        field = declared[name]
        # Both paths read times with sync.times.parse_client_time, and refuse those
        # that cannot be stored (clamping is for the device's own figures only).
        assert isinstance(field, protocol.ClientTime)
        assert field.default_timezone is protocol.DEFAULT_TIMEZONE
        assert not field.clamp
    answers = declared["answers"]
    assert isinstance(answers, fields.Dict)
    assert isinstance(answers.key_field, fields.String)
    assert answers.value_field is None
    assert not answers.key_field.validators

    def rules(name: str) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for rule in declared[name].validators:
            if isinstance(rule, validate.Range):
                assert rule.min_inclusive
                assert rule.max_inclusive
                found.append(("range", rule.min, rule.max))
            elif isinstance(rule, validate.Length):
                assert rule.equal is None
                found.append(("length", rule.min, rule.max))
            elif isinstance(rule, validate.OneOf):
                found.append(("one_of", tuple(rule.choices)))
            else:
                found.append(("unknown", rule))
        return found

    assert {name: rules(name) for name in declared} == {
        "uuid": [],
        "form_id": [("length", *protocol.FORM_ID_LENGTH)],
        "form_version": [("range", *protocol.FORM_VERSION_RANGE)],
        "subject_id": [],
        "course_id": [("range", *protocol.COURSE_ID_RANGE)],
        "started_at": [],
        "completed_at": [],
        "respondent_locale": [("one_of", LOCALES)],
        "author_id": [],
        "answers": [],
    }
    # No hook may change a loaded item behind the fast path's back.
    hooks = ItemSchema._hooks
    assert {kind: len(found) for kind, found in hooks.items() if found} == {
        "post_load": 1
    }


@pytest.mark.parametrize("raw", SAMPLES, ids=[s["form_id"] for s in SAMPLES])
def test_a_sample_item_takes_the_fast_path_and_both_paths_agree(raw) -> None:
    fast = protocol._fast_item(raw)
    assert fast is not None
    slow = protocol._parse_with_schema(raw)
    assert strictly((fast, str(fast.uuid), {})) == strictly(slow)
    assert strictly(parse_item(raw)) == strictly(slow)
    assert fast.answers == raw["answers"]
    assert fast.answers is not raw["answers"]


MISSING = object()


@pytest.mark.parametrize("name", [*ENVELOPE, "extra", "answers.extra"])
def test_each_envelope_field_with_each_kind_of_value_is_read_as_before(name) -> None:
    for raw in SAMPLES:
        for value in [MISSING, None, True, False, *NUMBERS, *TEXTS, *ODD, [], {}]:
            item = dict(raw)
            if name == "answers.extra":
                item["answers"] = {**raw["answers"], "extra": value}
            elif value is MISSING:
                item.pop(name, None)
            else:
                item[name] = value
            expected = protocol._parse_with_schema(item)
            assert strictly(parse_item(item)) == strictly(expected), (name, value)


@settings(max_examples=600, deadline=None, database=None)
@given(raw=items())
@example(raw={**SAMPLES[0], "started_at": "2025-03-01T09:30:00"})
@example(raw={**SAMPLES[0], "form_version": True})
@example(raw={**SAMPLES[0], "respondent_locale": None})
@example(raw={**SAMPLES[0], "answers": {"deep": deep(31)}})
@example(raw={**SAMPLES[0], "answers": {"deep": deep(32)}})
@example(raw={**SAMPLES[0], "answers": {1: "not a str key"}})
def test_parse_item_gives_what_item_schema_gives(raw) -> None:
    expected = protocol._parse_with_schema(raw)
    assert strictly(parse_item(raw)) == strictly(expected)
    if type(raw) is dict and plainly_storable(raw):
        fast = protocol._fast_item(raw)
        if fast is not None:
            assert strictly((fast, str(fast.uuid), {})) == strictly(expected)


@settings(max_examples=300, deadline=None, database=None)
@given(raw=st.dictionaries(st.text(max_size=3), JSON | st.sampled_from(ODD)))
@example(raw={"k": deep(32)})
@example(raw={"k": deep(33)})
@example(raw={"k": ["\ud83d", "\ude00"]})
@example(raw={"\x00": 1})
@example(raw={"k": {2: "int key"}})
def test_plainly_storable_never_passes_what_unstorable_refuses(raw) -> None:
    if plainly_storable(raw):
        assert unstorable(raw) == {}


def test_plainly_storable_passes_the_samples() -> None:
    for raw in SAMPLES:
        assert plainly_storable(raw)
