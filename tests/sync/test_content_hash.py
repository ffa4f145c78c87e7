"""The content hash: the fast path (text already NFC) equals the canonical definition."""

from __future__ import annotations

import hashlib
import json
import uuid

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from sync.changes import SubmissionItem
from sync.engine import canonical
from sync.engine import content_hash

# Letters, combining marks, controls and quotes: what can (de)compose or be escaped.
_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            *("a", "e", "n", "c", "\u00eb", "\u00e7", "\u03a9", "\u2126", "\u01c6"),
            *("\u0410", " ", '"', "\\", "\n", "\x01"),
            *("\u0308", "\u0301", "\u0303", "\u0327", "\u0306"),
        ]
    ),
    max_size=8,
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


def _reference(item: SubmissionItem) -> str:
    """The definition: every string and key in NFC, then canonical JSON, then SHA-256."""
    content = {
        "form_id": item.form_id,
        "form_version": item.form_version,
        "subject_id": str(item.subject_id) if item.subject_id else None,
        "course_id": item.course_id,
        "answers": item.answers,
    }
    text = json.dumps(
        canonical(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@settings(max_examples=400, deadline=None)
@given(answers=st.dictionaries(_TEXT, _JSON, max_size=5))
def test_the_hash_is_the_canonical_one_for_any_answers(answers):
    item = SubmissionItem(uuid.uuid4(), "home_visit", 1, answers=answers)
    assert content_hash(item) == _reference(item)


def test_keys_that_differ_only_in_normalization_hash_as_one():
    composed = SubmissionItem(uuid.uuid4(), "home_visit", 1, answers={"ë": "ë"})
    decomposed = SubmissionItem(
        uuid.uuid4(), "home_visit", 1, answers={"e\u0308": "e\u0308"}
    )
    assert content_hash(composed) == content_hash(decomposed)


def test_a_combining_mark_after_an_escaped_newline_is_not_composed():
    # JSON writes the newline as "\n": the "n" must not swallow the tilde that follows.
    item = SubmissionItem(uuid.uuid4(), "home_visit", 1, answers={"x": "\n\u0303"})
    assert content_hash(item) == _reference(item)
