"""Fixtures for the form engine tests: small definitions built from dicts or files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms import FormDefinition
from forms import FormRegistry
from forms import load_registry
from forms.loader import parse_document


def texts(word: str) -> dict[str, str]:
    """Return a complete {sq, sr, en} text for tests."""
    return {"sq": f"{word} sq", "sr": f"{word} sr", "en": f"{word} en"}


def document(*questions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Return a valid document holding ``questions`` in one section."""
    doc: dict[str, Any] = {
        "id": "sample",
        "version": 1,
        "roles": ["social_worker"],
        "subject": "family",
        "title": texts("Title"),
        "sections": [
            {"id": "main", "title": texts("Main"), "questions": list(questions)}
        ],
    }
    doc.update(fields)
    return doc


def question(qid: str, qtype: str, **options: Any) -> dict[str, Any]:
    """Return a question dict with a complete label."""
    return {"id": qid, "type": qtype, "label": texts(qid), **options}


@pytest.fixture
def make_definition() -> Callable[..., FormDefinition]:
    """Return a function that builds a definition from question dicts."""

    def make(*questions: dict[str, Any], **fields: Any) -> FormDefinition:
        return parse_document(document(*questions, **fields), "sample.yaml")

    return make


@pytest.fixture
def write_document(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes a document (dict or YAML text) to tmp_path."""

    def write(doc: dict[str, Any] | str, name: str = "sample.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    """Return the registry of the real documents in forms/."""
    return load_registry()


@pytest.fixture
def q() -> Callable[..., dict[str, Any]]:
    """Return the question builder: q("age", "integer", min=0)."""
    return question


@pytest.fixture
def doc() -> Callable[..., dict[str, Any]]:
    """Return the document builder: doc(q1, q2, version=2)."""
    return document


@pytest.fixture
def tx() -> Callable[[str], dict[str, str]]:
    """Return the complete-text builder: tx("Label")."""
    return texts
