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
from forms.locales import normalize_locale
from forms.messages import MESSAGES

#: roles that may be allowed to fill a form
ROLES: frozenset[str] = frozenset(
    {"admin", "coordinator", "social_worker", "psychologist", "instructor"}
)
#: what a submission is about: a family being registered, a known family, a class,
#: or the programme itself (a group activity: no one family or class)
SUBJECTS: frozenset[str] = frozenset(
    {"new_family", "family", "course_session", "programme"}
)
#: dynamic choice lists the app fills in (validated against ValidationContext)
CHOICE_SOURCES: frozenset[str] = frozenset({"family_members", "students"})


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
    #: asked of staff only (risk indicators, the worker's notes): kept out of the part
    #: of the form the family reads, and labelled in the worker's language
    staff_only: bool = False
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
    #: what a new form starts with, never assumed for a missing answer: "today" (a
    #: date's ``default: today`` in the document)
    preset: str | None = None
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
        if self.staff_only:
            out["staff_only"] = True
        for name in ("label", "hint", "row_label", "min_label", "max_label"):
            if (text := getattr(self, name)) is not None:
                out[name] = text.as_dict()
        for name in (
            "min", "max", "min_length", "max_length", "pattern", "choices_from",
            "show_if", "default", "preset", "min_rows", "max_rows",
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


#: the two answers of a yes_no question, shown in the respondent's language like the
#: question itself (Po/Jo under Albanian questions, Да/Не under Cyrillic ones)
YES_NO: dict[bool, Text] = {
    True: Text(sq="Po", sr_Latn="Da", sr_Cyrl="Да", en="Yes"),
    False: Text(sq="Jo", sr_Latn="Ne", sr_Cyrl="Не", en="No"),
}

#: the key of clean answers that holds the scores the engine computed
SCORES_KEY = "_scores"
#: how a scale's item scores make its total
TOTAL_RULES: frozenset[str] = frozenset({"sum"})


@dataclass(frozen=True)
class Scale:
    """A scored scale: its items (question ids), reverse-scored items, range, total."""

    id: str
    label: Text
    items: tuple[str, ...]
    #: the lowest and highest score of one item (the items' own bounds)
    item_min: int
    item_max: int
    reverse: frozenset[str] = frozenset()
    total: str = "sum"

    def item_score(self, item: str, value: int) -> int:
        """Return the score of ``item`` answered ``value`` (reverse items flipped)."""
        if item in self.reverse:
            return self.item_min + self.item_max - value
        return value

    def client_dict(self) -> dict[str, Any]:
        """Return the JSON description for the browser."""
        return {
            "id": self.id,
            "label": self.label.as_dict(),
            "items": list(self.items),
            "reverse": [i for i in self.items if i in self.reverse],
            "item_min": self.item_min,
            "item_max": self.item_max,
            "total": self.total,
        }


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
    #: scored scales computed from the answers, stored with them
    scales: tuple[Scale, ...] = ()
    #: languages (sq, sr, en) whose translation no native speaker has signed off yet
    unreviewed: tuple[str, ...] = ()

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

    @staticmethod
    def yes_no(value: bool, locale: str | None = DEFAULT_LOCALE) -> str:
        """Return the answer yes (True) or no (False) in ``locale``."""
        return YES_NO[bool(value)].get(locale)

    @cached_property
    def staff_questions(self) -> tuple[Question, ...]:
        """Return the questions marked staff_only, in document order."""
        return tuple(q for q in self.questions if q.staff_only)

    def sensitive_paths(self) -> frozenset[str]:
        """Return the paths (``id`` or ``group.id``) of sensitive questions."""
        return frozenset(p for p, q in self.all_questions() if q.sensitive)

    def unreviewed_in(self, locale: str | None) -> bool:
        """Return whether the texts shown in ``locale`` still await a native review."""
        language = normalize_locale(locale)
        document = "sr" if language.startswith("sr") else language
        return document in self.unreviewed

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
        if self.scales:
            out["scales"] = [scale.client_dict() for scale in self.scales]
        if self.unreviewed:
            out["unreviewed"] = list(self.unreviewed)
        out["locales"] = list(LOCALES)
        out["default_locale"] = DEFAULT_LOCALE
        out["messages"] = {key: text.as_dict() for key, text in MESSAGES.items()}
        out["yes_no"] = {
            "true": YES_NO[True].as_dict(),
            "false": YES_NO[False].as_dict(),
        }
        return out
