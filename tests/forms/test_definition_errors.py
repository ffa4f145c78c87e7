"""Bad documents do not load, and the error names the file, field and language."""

from __future__ import annotations

import pytest

from forms import DefinitionError
from forms import UnknownForm
from forms import UnknownVersion
from forms import load_definition
from forms import load_registry


def load_error(write_document, document) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        load_definition(write_document(document, "broken.yaml"))
    return info.value


def test_missing_translation_names_file_field_and_language(
    write_document, doc, q
) -> None:
    question = q("age", "integer")
    del question["label"]["sr"]
    error = load_error(write_document, doc(question))
    assert (error.file, error.field, error.language) == (
        "broken.yaml",
        "age.label",
        "sr",
    )
    assert (
        str(error)
        == "broken.yaml: field 'age.label', language 'sr': missing the 'sr' translation"
    )


def test_missing_choice_translation(write_document, doc, q, tx) -> None:
    label = tx("Police")
    del label["en"]
    question = q(
        "source", "single_choice", choices=[{"value": "police", "label": label}]
    )
    error = load_error(write_document, doc(question))
    assert (error.field, error.language) == ("source.choices.police.label", "en")


def test_unknown_type(write_document, doc, q) -> None:
    error = load_error(write_document, doc(q("photo", "camera")))
    assert error.field == "photo"
    assert "unknown type 'camera'" in str(error)


def test_duplicate_field_inside_a_group(write_document, doc, q) -> None:
    group = q("members", "repeat", questions=[q("name", "text")])
    error = load_error(write_document, doc(q("name", "text"), group))
    assert error.field == "members.name"
    assert "duplicate question id 'name'" in str(error)


@pytest.mark.parametrize(
    ("show_if", "fragment"),
    [
        ({"field": "nowhere", "equals": "a"}, "unknown field 'nowhere'"),
        ({"field": "later", "answered": True}, "later field 'later'"),
        ({"field": "kind", "resembles": "a"}, "unknown operator 'resembles'"),
        ({"field": "kind", "equals": "c"}, "'c' is not among the choices of 'kind'"),
        ({"field": "kind", "gt": "a"}, "operator 'gt' does not apply"),
        ({"all": []}, "non-empty list"),
    ],
)
def test_bad_show_if(write_document, doc, q, tx, show_if, fragment) -> None:
    kind = q(
        "kind", "single_choice", choices=[{"value": v, "label": tx(v)} for v in "ab"]
    )
    error = load_error(
        write_document,
        doc(kind, q("detail", "text", show_if=show_if), q("later", "text")),
    )
    assert error.field == "detail.show_if"
    assert fragment in str(error)


@pytest.mark.parametrize("version", [0, "two", True, None])
def test_bad_version(write_document, doc, q, version) -> None:
    error = load_error(write_document, doc(q("a", "text"), version=version))
    assert error.field == "version"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"roles": ["janitor"]}, "roles.0"), ({"subject": "school"}, "subject")],
)
def test_bad_role_or_subject(write_document, doc, q, fields, field) -> None:
    assert load_error(write_document, doc(q("a", "text"), **fields)).field == field


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"type": "text", "min": 1}, "option 'min' does not apply to a text question"),
        ({"type": "integer", "min": 5, "max": 1}, "min must be less than max"),
        ({"type": "date", "max": "tomorrow"}, "max must be a date"),
        ({"type": "text", "pattern": "(?P<x>a)"}, "JavaScript"),
        ({"type": "text", "pattern": "("}, "does not compile"),
        ({"type": "single_choice"}, "exactly one of 'choices' and 'choices_from'"),
        ({"type": "text", "messages": {"shout": {}}}, "unknown issue code 'shout'"),
        ({"type": "yes_no", "default": "yes"}, "not a valid yes_no answer"),
    ],
)
def test_bad_options(write_document, doc, q, options, fragment) -> None:
    qtype = options.pop("type")
    assert fragment in str(load_error(write_document, doc(q("f", qtype, **options))))


def test_yaml_no_is_a_string_not_false(write_document, doc, q, tx) -> None:
    text = """
id: sample
version: 1
roles: [admin]
subject: family
title: {sq: T, sr: T, en: T}
sections:
  - id: main
    title: {sq: M, sr: M, en: M}
    questions:
      - id: answer
        type: single_choice
        label: {sq: A, sr: A, en: A}
        choices:
          - {value: no, label: {sq: Jo, sr: Ne, en: No}}
      - id: since
        type: date
        label: {sq: D, sr: D, en: D}
        min: 2024-01-01
"""
    definition = load_definition(write_document(text))
    assert definition.question("answer").choices[0].value == "no"
    assert definition.question("answer").choices[0].label.en == "No"
    assert definition.question("since").min == "2024-01-01"


def test_unparsable_yaml_names_the_file(write_document) -> None:
    error = load_error(write_document, "id: [unclosed")
    assert error.file == "broken.yaml"


def test_registry_serves_archived_versions(write_document, doc, q) -> None:
    path = write_document(doc(q("a", "text"), version=2), "sample.yaml")
    write_document(doc(q("a", "text"), version=1), "archive/sample.v1.yaml")
    registry = load_registry(path.parent)
    assert registry.versions("sample") == [1, 2]
    assert registry.latest("sample").version == 2
    assert registry.get("sample", 1).version == 1
    assert [d.version for d in registry.all()] == [2]
    with pytest.raises(UnknownVersion, match="no version 3; known versions: 1, 2"):
        registry.get("sample", 3)
    with pytest.raises(UnknownForm, match="no form 'nothing'"):
        registry.get("nothing")
    assert issubclass(UnknownForm, LookupError)


def test_registry_rejects_an_archive_newer_than_the_current_form(
    write_document, doc, q
) -> None:
    path = write_document(doc(q("a", "text"), version=1), "sample.yaml")
    write_document(doc(q("a", "text"), version=3), "archive/sample.v3.yaml")
    with pytest.raises(DefinitionError, match="must be older"):
        load_registry(path.parent)


def test_registry_requires_the_file_to_be_named_after_the_form(
    write_document, doc, q
) -> None:
    path = write_document(doc(q("a", "text")), "other.yaml")
    with pytest.raises(DefinitionError, match=r"must be named sample\.yaml"):
        load_registry(path.parent)
