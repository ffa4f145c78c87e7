"""Every document in forms/ loads, is complete in every locale, keeps its contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import forms
from forms import LOCALES
from forms import FormRegistry
from forms import load_definition
from forms.locales import Text

DOCUMENTS = sorted(Path(forms.__file__).parent.glob("*.yaml"))
# Placeholders, markup and URLs may stay Latin inside Cyrillic text.
_VERBATIM = re.compile(r"%\(\w+\)s|%[sd]|\{[^{}]*\}|<[^>]*>|&\w+;|https?://\S+")


def all_texts(definition: forms.FormDefinition) -> list[tuple[str, Text]]:
    found = [("title", definition.title)]
    for section in definition.sections:
        found.append((f"{section.id}.title", section.title))
    for path, question in definition.all_questions():
        for name in ("label", "hint", "row_label", "min_label", "max_label"):
            if (text := getattr(question, name)) is not None:
                found.append((f"{path}.{name}", text))
        found += [(f"{path}.{c.value}", c.label) for c in question.choices]
        found += [(f"{path}.messages.{k}", t) for k, t in question.messages.items()]
    return found


def test_the_forms_exist(registry: FormRegistry) -> None:
    assert [d.id for d in registry.all()] == [
        "case_follow_up", "class_attendance", "family_intake", "group_activity",
        "home_visit", "life_skills", "psych_support", "school_attendance",
        "school_behaviour", "self_esteem", "service_record",
    ]  # fmt: skip


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_loads(path: Path) -> None:
    definition = load_definition(path)
    assert definition.id == path.stem
    json.dumps(definition.client_dict())


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_exists_in_every_locale(path: Path, locale: str) -> None:
    for where, text in all_texts(load_definition(path)):
        assert text.get(locale).strip(), (where, locale)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_cyrillic_has_no_latin_letters(path: Path) -> None:
    for where, text in all_texts(load_definition(path)):
        bare = _VERBATIM.sub("", text.sr_Cyrl)
        assert not re.search(r"[A-Za-zčćđšžČĆĐŠŽ]", bare), (where, text.sr_Cyrl)


@pytest.mark.parametrize(
    ("form_id", "roles", "subject"),
    [
        ("family_intake", {"social_worker", "coordinator", "admin"}, "new_family"),
        ("home_visit", {"social_worker", "coordinator", "admin"}, "family"),
        ("psych_support", {"psychologist", "admin"}, "family"),
        ("class_attendance", {"instructor", "coordinator", "admin"}, "course_session"),
    ],
)
def test_roles_and_subjects(registry, form_id, roles, subject) -> None:
    definition = registry.get(form_id)
    assert definition.roles == roles
    assert definition.subject == subject


def test_sensitive_fields(registry: FormRegistry) -> None:
    assert {"address", "phone", "notes", "risk_indicators"} <= registry.get(
        "family_intake"
    ).sensitive_paths()
    assert "observations" in registry.get("home_visit").sensitive_paths()
    assert "clinical_notes" in registry.get("psych_support").sensitive_paths()


def test_intake_lists_all_38_municipalities(registry: FormRegistry) -> None:
    municipality = registry.get("family_intake").question("municipality")
    assert len(municipality.choices) == 38
    labels = {c.label.sr_Latn for c in municipality.choices}
    assert {"Priština", "Uroševac", "Đakovica", "Severna Mitrovica"} <= labels


def test_attendance_marks_present_by_default(registry: FormRegistry) -> None:
    roster = registry.get("class_attendance").question("attendance")
    status = roster.questions[0]
    assert (roster.type, status.id, status.default) == ("roster", "status", "present")


def test_client_dict_top_level_keys(registry: FormRegistry) -> None:
    data = registry.get("home_visit").client_dict()
    assert set(data) == {
        "id", "version", "roles", "subject", "title", "sections", "locales",
        "default_locale", "messages", "yes_no",
    }  # fmt: skip
    assert set(data["title"]) == set(LOCALES)
    assert data["messages"]["required"]["sr_Cyrl"] == "Ово поље је обавезно."
