"""A loaded form definition: frozen dataclasses built from a YAML document."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import Any

from forms.locales import DEFAULT_LOCALE
from forms.locales import LOCALES
from forms.locales import Text
from forms.messages import MESSAGES

#: roles that may be allowed to fill a form
ROLES: frozenset[str] = frozenset(
    {"admin", "coordinator", "social_worker", "psychologist", "instructor"}
)
#: what a submission is about: a family being registered, a known family, a class
SUBJECTS: frozenset[str] = frozenset({"new_family", "family", "course_session"})
#: dynamic choice lists the app fills in (validated against ValidationContext)
CHOICE_SOURCES: frozenset[str] = frozenset({"family_members"})


@dataclass(frozen=True)
class Choice:
    """One option of a single or multiple choice question."""

    value: str
    label: Text
    #: chosen alone only (e.g. "none" among risk flags)
    exclusive: bool = False

    def client_dict(self) -> dict[str, Any]:
        """Return the JSON description for the browser."""
        out: dict[str, Any] = {"value": self.value, "label": self.label.as_dict()}
        if self.exclusive:
            out["exclusive"] = True
        return out


@dataclass(frozen=True)
class Question:
    """One question; repeat and roster questions hold the questions of a row."""

    id: str
    type: str
    label: Text
    hint: Text | None = None
    required: bool = False
    sensitive: bool = False
    #: bounds: numbers, ISO dates, "today" or {"field": <date question id>}
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    show_if: Mapping[str, Any] | None = None
    default: Any = None
    #: the document's own messages by issue code
    messages: Mapping[str, Text] = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    min_rows: int | None = None
    max_rows: int | None = None
    row_label: Text | None = None
    #: rating: texts for the two ends of the scale
    min_label: Text | None = None
    max_label: Text | None = None

    def label_in(self, locale: str | None = DEFAULT_LOCALE) -> str:
        """Return the label in ``locale``."""
        return self.label.get(locale)

    def hint_in(self, locale: str | None = DEFAULT_LOCALE) -> str | None:
        """Return the hint in ``locale``, or None."""
        return self.hint.get(locale) if self.hint else None

    def choice(self, value: str) -> Choice | None:
        """Return the choice with ``value``, or None."""
        try:
            return self._choice_by_value.get(value)
        except TypeError:  # unhashable: equal to no choice value
            return None

    @cached_property
    def _choice_by_value(self) -> dict[str, Choice]:
        # The first of equal values wins, as a scan in document order would find it.
        found: dict[str, Choice] = {}
        for choice in self.choices:
            found.setdefault(choice.value, choice)
        return found

    def client_dict(self) -> dict[str, Any]:
        """Return the JSON description for the browser (None options left out)."""
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        for name in ("required", "sensitive"):
            out[name] = getattr(self, name)
        for name in ("label", "hint", "row_label", "min_label", "max_label"):
            if (text := getattr(self, name)) is not None:
                out[name] = text.as_dict()
        for name in (
            "min", "max", "min_length", "max_length", "pattern", "choices_from",
            "show_if", "default", "min_rows", "max_rows",
        ):  # fmt: skip
            if (value := getattr(self, name)) is not None:
                out[name] = value
        if self.choices:
            out["choices"] = [c.client_dict() for c in self.choices]
        if self.messages:
            out["messages"] = {k: t.as_dict() for k, t in self.messages.items()}
        if self.questions:
            out["questions"] = [q.client_dict() for q in self.questions]
        return out


@dataclass(frozen=True)
class Section:
    """A titled group of questions shown together."""

    id: str
    title: Text
    questions: tuple[Question, ...]
    description: Text | None = None

    def client_dict(self) -> dict[str, Any]:
        """Return the JSON description for the browser."""
        out: dict[str, Any] = {"id": self.id, "title": self.title.as_dict()}
        if self.description is not None:
            out["description"] = self.description.as_dict()
        out["questions"] = [q.client_dict() for q in self.questions]
        return out


@dataclass(frozen=True)
class FormDefinition:
    """A versioned form: who fills it, what about, and its sections of questions."""

    id: str
    version: int
    roles: frozenset[str]
    subject: str
    title: Text
    sections: tuple[Section, ...]
    description: Text | None = None
    #: the file it was loaded from, for error messages
    source: str = ""

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Return the top-level questions in document order (gathered once)."""
        return tuple(q for s in self.sections for q in s.questions)

    def all_questions(self) -> Iterator[tuple[str, Question]]:
        """Yield (path, question) for every question; row paths are ``group.field``."""
        for question in self.questions:
            yield question.id, question
            for sub in question.questions:
                yield f"{question.id}.{sub.id}", sub

    def question(self, question_id: str) -> Question:
        """Return the top-level question ``question_id``; raise KeyError if unknown."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def label_of(self, path: str, locale: str | None = DEFAULT_LOCALE) -> str:
        """Return the question an answer ``path`` names, as a person reads it.

        ``visit_date`` -> "Visit date"; ``members.1.full_name`` -> "Family members 2:
        Full name"; a roster row (``attendance.<member id>.status``) -> "Attendance:
        Status". A path that names no question is returned as it is.
        """
        parts = path.split(".")
        try:
            top = self.question(parts[0])
        except KeyError:
            return path
        label = top.label_in(locale)
        if len(parts) < 3:
            return label
        by_id = {sub.id: sub for sub in top.questions}
        sub = by_id.get(parts[-1])
        if sub is None:
            return label
        row = f"{label} {int(parts[1]) + 1}" if parts[1].isdigit() else label
        return f"{row}: {sub.label_in(locale)}"

    def sensitive_paths(self) -> frozenset[str]:
        """Return the paths (``id`` or ``group.id``) of sensitive questions."""
        return frozenset(p for p, q in self.all_questions() if q.sensitive)

    def may_fill(self, role: str) -> bool:
        """Return whether a user with ``role`` may fill this form."""
        return role in self.roles

    @staticmethod
    def text(texts: Text | None, locale: str | None = DEFAULT_LOCALE) -> str:
        """Return ``texts`` in ``locale`` ("" when the element has no such text)."""
        return texts.get(locale) if texts is not None else ""

    def client_dict(self) -> dict[str, Any]:
        """Return everything the browser needs to render and validate this form."""
        out: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "roles": sorted(self.roles),
            "subject": self.subject,
            "title": self.title.as_dict(),
        }
        if self.description is not None:
            out["description"] = self.description.as_dict()
        out["sections"] = [s.client_dict() for s in self.sections]
        out["locales"] = list(LOCALES)
        out["default_locale"] = DEFAULT_LOCALE
        out["messages"] = {key: text.as_dict() for key, text in MESSAGES.items()}
        return out
