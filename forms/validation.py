"""Validate a set of answers against a form definition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

from forms.conditions import evaluate_condition
from forms.conditions import referenced_fields
from forms.definition import FormDefinition
from forms.definition import Question
from forms.field_base import InvalidAnswer
from forms.field_base import RuleEnv
from forms.field_base import issue
from forms.field_types import FIELD_TYPES
from forms.issues import Issue

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
#: key of a repeat row's client-made UUID (how members get stable ids offline)
ROW_ID = "id"
_EMPTY = object()


@dataclass(frozen=True)
class ValidationContext:
    """Facts from the app that some rules need; None means "unknown, skip"."""

    #: ids of the subject family's members
    members: frozenset[str] | None = None
    #: member ids enrolled in the course
    roster: frozenset[str] | None = None
    #: the day "today" bounds mean (a device's capture date when replaying)
    today: date | None = None


@dataclass
class ValidationResult:
    """The verdict: clean answers to store and issues keyed by path."""

    clean: dict[str, Any]
    errors: dict[str, list[Issue]] = field(default_factory=dict)
    #: top-level questions shown for these answers
    visible: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Return whether the answers have no issue."""
        return not self.errors

    def messages(self, locale: str | None = None) -> dict[str, list[str]]:
        """Return {path: [message]} in ``locale``."""
        return {
            p: [i.message(locale) for i in found] for p, found in self.errors.items()
        }

    def errors_dict(self, locale: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Return {path: [{code, params, message}]} for a JSON response."""
        return {
            p: [i.as_dict(locale) for i in found] for p, found in self.errors.items()
        }


@dataclass
class _Scope:
    """Answers of one level (the form, or one row) as they are being checked."""

    questions: Sequence[Question]
    clean: dict[str, Any] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)

    def ids(self) -> set[str]:
        return {q.id for q in self.questions}


class _Validator:
    def __init__(self, context: ValidationContext) -> None:
        self.context = context
        self.today = context.today or date.today()
        self.errors: dict[str, list[Issue]] = {}

    def add(self, path: str, found: Issue) -> None:
        self.errors.setdefault(path, []).append(found)

    def visible(self, question: Question, scope: _Scope, top: _Scope) -> bool:
        if question.show_if is None:
            return True
        own = scope.ids() if scope is not top else set()
        for name in referenced_fields(question.show_if):
            # A question that depends on a hidden one is hidden too.
            if name in (scope.hidden if name in own else top.hidden):
                return False
        row = scope.clean if scope is not top else None
        return evaluate_condition(question.show_if, top.clean, row)

    def level(
        self, answers: Mapping[str, Any], path: str, scope: _Scope, top: _Scope
    ) -> None:
        """Check one level's answers in document order, filling scope.clean."""
        for question in scope.questions:
            if not self.visible(question, scope, top):
                scope.hidden.add(question.id)
                continue
            value = self.answer(
                question, answers.get(question.id), path + question.id, scope, top
            )
            if value is not _EMPTY:
                scope.clean[question.id] = value

    def unknown_keys(
        self, answers: Mapping[str, Any], path: str, known: set[str]
    ) -> None:
        for key in answers:
            if key not in known:
                self.add(path + str(key), Issue("unknown_field"))

    def answer(
        self, question: Question, raw: Any, path: str, scope: _Scope, top: _Scope
    ) -> Any:
        """Return the typed answer of one visible question (or _EMPTY)."""
        kind = FIELD_TYPES[question.type]
        if raw is None and question.default is not None:
            raw = question.default
        if kind.is_empty(raw):
            if question.required:
                self.add(path, issue(question, "required"))
            return _EMPTY
        try:
            value = kind.parse(question, raw)
        except InvalidAnswer as exc:
            self.add(path, issue(question, exc.code))
            return _EMPTY
        if question.type == "repeat":
            return self.repeat(question, value, path, top)
        if question.type == "roster":
            return self.roster(question, value, path, top)

        def lookup(name: str) -> Any:
            return scope.clean.get(name, top.clean.get(name))

        env = RuleEnv(self.today, self.context.members, lookup)
        for found in kind.check(question, value, env):
            self.add(path, found)
        return value

    def row(self, question: Question, raw: Any, path: str, top: _Scope) -> Any:
        if not isinstance(raw, Mapping):
            self.add(path, issue(question, "type"))
            return _EMPTY
        scope = _Scope(question.questions)
        known = scope.ids()
        if question.type == "repeat" and ROW_ID in raw:
            known.add(ROW_ID)
            row_id = raw[ROW_ID]
            if isinstance(row_id, str) and _UUID.match(row_id):
                scope.clean[ROW_ID] = row_id
            else:
                self.add(f"{path}.{ROW_ID}", Issue("uuid"))
        self.level(raw, path + ".", scope, top)
        self.unknown_keys(raw, path + ".", known)
        return scope.clean

    def repeat(
        self, question: Question, rows: list[Any], path: str, top: _Scope
    ) -> Any:
        if question.min_rows is not None and len(rows) < question.min_rows:
            self.add(path, issue(question, "min_rows", min=question.min_rows))
        if question.max_rows is not None and len(rows) > question.max_rows:
            self.add(path, issue(question, "max_rows", max=question.max_rows))
        clean = [
            self.row(question, raw, f"{path}.{i}", top) for i, raw in enumerate(rows)
        ]
        return [row for row in clean if row is not _EMPTY]

    def roster(
        self, question: Question, rows: Mapping[str, Any], path: str, top: _Scope
    ) -> Any:
        enrolled = self.context.roster
        clean: dict[str, Any] = {}
        for member_id, raw in rows.items():
            if enrolled is not None and member_id not in enrolled:
                self.add(f"{path}.{member_id}", issue(question, "not_enrolled"))
                continue
            row = self.row(question, raw, f"{path}.{member_id}", top)
            if row is not _EMPTY:
                clean[member_id] = row
        for member_id in sorted(enrolled or ()):
            if member_id not in rows:
                self.add(f"{path}.{member_id}", issue(question, "roster_missing"))
        return clean


def validate_answers(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    context: ValidationContext | None = None,
) -> ValidationResult:
    """Check ``answers``; hidden answers are dropped, unknown keys reported."""
    validator = _Validator(context or ValidationContext())
    top = _Scope(definition.questions)
    if not isinstance(answers, Mapping):
        validator.add("", Issue("type"))
        return ValidationResult({}, validator.errors)
    validator.level(answers, "", top, top)
    validator.unknown_keys(answers, "", top.ids())
    visible = tuple(q.id for q in top.questions if q.id not in top.hidden)
    return ValidationResult(top.clean, validator.errors, visible)


def visible_questions(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    context: ValidationContext | None = None,
) -> tuple[str, ...]:
    """Return the ids of the top-level questions shown for ``answers``."""
    return validate_answers(definition, answers, context).visible
