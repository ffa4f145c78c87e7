"""Validate a set of answers against a form definition."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from inspect import getattr_static
from itertools import filterfalse
from typing import Any

from forms.conditions import Test
from forms.conditions import compile_condition
from forms.conditions import referenced_fields
from forms.definition import SCORES_KEY
from forms.definition import FormDefinition
from forms.definition import Question
from forms.definition import Scale
from forms.field_base import FieldType
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
#: FieldType.check, which finds nothing: types that keep it have no rules to run
_NO_RULES = getattr_static(FieldType, "check")


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


class _Step:
    """One question and what checking its answer needs, looked up once."""

    __slots__ = (
        "check",
        "condition",
        "default",
        "group",
        "id",
        "is_empty",
        "none_is_empty",
        "parse",
        "question",
        "refs",
        "required",
        "rows",
    )

    def __init__(self, question: Question, siblings: frozenset[str] | None) -> None:
        kind = FIELD_TYPES[question.type]
        self.question = question
        self.id = question.id
        self.required = question.required
        self.default = question.default
        self.is_empty = kind.is_empty
        self.none_is_empty = kind.is_empty(None)
        self.parse = kind.parse
        # Types without rules of their own skip the call (and the RuleEnv it needs).
        self.check: Callable[[Question, Any, RuleEnv], list[Issue]] | None = None
        if getattr_static(kind, "check") is not _NO_RULES:
            self.check = kind.check
        self.group = question.type if question.type in ("repeat", "roster") else None
        self.rows = _Level(question.questions) if self.group else None
        self.condition: Test | None = None
        #: (field id, whether it is a sibling in the same row) read by show_if
        self.refs: tuple[tuple[str, bool], ...] = ()
        if question.show_if is not None:
            self.condition = compile_condition(question.show_if)
            self.refs = tuple(
                (name, siblings is not None and name in siblings)
                for name in referenced_fields(question.show_if)
            )


class _Level:
    """The questions of one level (the form, or a row) in document order."""

    __slots__ = ("ids", "order", "row_ids", "steps")

    def __init__(self, questions: Sequence[Question], *, top: bool = False) -> None:
        self.order = tuple(q.id for q in questions)
        self.ids = frozenset(self.order)
        #: what a repeat row may hold: its questions and its client-made id
        self.row_ids = self.ids | {ROW_ID}
        self.steps = tuple(_Step(q, None if top else self.ids) for q in questions)


#: plans of recently used definitions by id(); the definition is kept alive beside
#: its plan, so an id is never reused while its entry stands
_PLANS: dict[int, tuple[FormDefinition, _Level]] = {}
_PLANS_MAX = 256


def _plan(definition: FormDefinition) -> _Level:
    """Return the steps of ``definition``'s top level, built on first use."""
    cached = _PLANS.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    plan = _Level(definition.questions, top=True)
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    _PLANS[id(definition)] = (definition, plan)
    return plan


class _Scope:
    """Answers of one level (the form, or one row) as they are being checked."""

    __slots__ = ("clean", "hidden", "level")

    def __init__(self, level: _Level) -> None:
        self.level = level
        self.clean: dict[str, Any] = {}
        self.hidden: set[str] = set()


class _Validator:
    __slots__ = ("_env", "context", "errors", "form", "own")

    def __init__(self, context: ValidationContext, form: dict[str, Any]) -> None:
        self.context = context
        self.errors: dict[str, list[Issue]] = {}
        #: the form's clean answers and those of the level whose rules run now:
        #: RuleEnv.lookup reads the level's first (a row's siblings, then the form)
        self.form = form
        self.own = form
        self._env: RuleEnv | None = None

    def add(self, path: str, found: Issue) -> None:
        self.errors.setdefault(path, []).append(found)

    def env(self) -> RuleEnv:
        """Return the rule environment, made on first use."""
        if self._env is None:

            def lookup(name: str) -> Any:
                return self.own.get(name, self.form.get(name))

            today = self.context.today or date.today()
            self._env = RuleEnv(today, self.context.members, lookup)
        return self._env

    def level(
        self, answers: Mapping[str, Any], path: str, scope: _Scope, top: _Scope
    ) -> None:
        """Check one level's answers in document order, filling scope.clean."""
        clean, hidden = scope.clean, scope.hidden
        row = clean if scope is not top else None
        for step in scope.level.steps:
            condition = step.condition
            if condition is not None:
                shown = True
                for name, own in step.refs:
                    # A question that depends on a hidden one is hidden too.
                    if name in (hidden if own else top.hidden):
                        shown = False
                        break
                if not shown or not condition(top.clean, row):
                    hidden.add(step.id)
                    continue
            raw = answers.get(step.id)
            if raw is None:
                raw = step.default
            if step.none_is_empty if raw is None else step.is_empty(raw):
                if step.required:
                    self.add(path + step.id, issue(step.question, "required"))
                continue
            question = step.question
            try:
                value = step.parse(question, raw)
            except InvalidAnswer as exc:
                self.add(path + step.id, issue(question, exc.code))
                continue
            if step.group is None:
                if step.check is not None:
                    self.own = clean
                    found = step.check(question, value, self._env or self.env())
                    for one in found:
                        self.add(path + step.id, one)
            elif step.group == "repeat":
                value = self.repeat(step, value, path + step.id, top)
            else:
                value = self.roster(step, value, path + step.id, top)
            clean[step.id] = value

    def unknown_keys(
        self, answers: Mapping[str, Any], path: str, known: frozenset[str]
    ) -> None:
        for key in answers:
            if key not in known:
                self.add(path + str(key), Issue("unknown_field"))

    def row(self, step: _Step, raw: Any, path: str, top: _Scope) -> Any:
        question = step.question
        if type(raw) is not dict and not isinstance(raw, Mapping):
            self.add(path, issue(question, "type"))
            return _EMPTY
        level = step.rows
        assert level is not None  # noqa: S101 - every group step has one
        scope = _Scope(level)
        known = level.ids
        if step.group == "repeat" and ROW_ID in raw:
            known = level.row_ids
            row_id = raw[ROW_ID]
            if isinstance(row_id, str) and _UUID.match(row_id):
                scope.clean[ROW_ID] = row_id
            else:
                self.add(f"{path}.{ROW_ID}", Issue("uuid"))
        self.level(raw, path + ".", scope, top)
        if not raw.keys() <= known:
            self.unknown_keys(raw, path + ".", known)
        return scope.clean

    def repeat(self, step: _Step, rows: list[Any], path: str, top: _Scope) -> Any:
        question = step.question
        if question.min_rows is not None and len(rows) < question.min_rows:
            self.add(path, issue(question, "min_rows", min=question.min_rows))
        if question.max_rows is not None and len(rows) > question.max_rows:
            self.add(path, issue(question, "max_rows", max=question.max_rows))
        clean = [self.row(step, raw, f"{path}.{i}", top) for i, raw in enumerate(rows)]
        return [row for row in clean if row is not _EMPTY]

    def roster(
        self, step: _Step, rows: Mapping[str, Any], path: str, top: _Scope
    ) -> Any:
        question = step.question
        enrolled = self.context.roster
        clean: dict[str, Any] = {}
        for member_id, raw in rows.items():
            if enrolled is not None and member_id not in enrolled:
                self.add(f"{path}.{member_id}", issue(question, "not_enrolled"))
                continue
            row = self.row(step, raw, f"{path}.{member_id}", top)
            if row is not _EMPTY:
                clean[member_id] = row
        for member_id in sorted(enrolled or ()):
            if member_id not in rows:
                self.add(f"{path}.{member_id}", issue(question, "roster_missing"))
        return clean


_NO_CONTEXT = ValidationContext()


def _score(
    scales: Sequence[Scale], clean: dict[str, Any], validator: _Validator
) -> None:
    """Add each complete scale's total to ``clean``; name the items still missing."""
    scores: dict[str, int] = {}
    for scale in scales:
        errors = validator.errors
        missing = [
            n
            for n, item in enumerate(scale.items, 1)
            if item not in clean and item not in errors
        ]
        if missing:
            for number in missing:
                validator.add(scale.items[number - 1], Issue("scale_item_missing"))
            listed = ", ".join(str(n) for n in missing)
            validator.add(scale.id, Issue("scale_incomplete", {"missing": listed}))
            continue
        if any(item in errors for item in scale.items):
            continue  # an answer out of range: its own issue says so; no score
        scores[scale.id] = sum(scale.item_score(i, clean[i]) for i in scale.items)
    if scores:
        clean[SCORES_KEY] = scores


def validate_answers(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    context: ValidationContext | None = None,
) -> ValidationResult:
    """Check ``answers``; hidden answers are dropped, unknown keys reported."""
    plan = _plan(definition)
    top = _Scope(plan)
    validator = _Validator(context or _NO_CONTEXT, top.clean)
    if type(answers) is not dict and not isinstance(answers, Mapping):
        validator.add("", Issue("type"))
        return ValidationResult({}, validator.errors)
    validator.level(answers, "", top, top)
    known = plan.ids
    if definition.scales:
        # A score sent by the phone is never trusted: it is computed again here.
        known = known | {SCORES_KEY}
        _score(definition.scales, top.clean, validator)
    if not answers.keys() <= known:
        validator.unknown_keys(answers, "", known)
    hidden = top.hidden
    visible = tuple(filterfalse(hidden.__contains__, plan.order))
    return ValidationResult(top.clean, validator.errors, visible)


def visible_questions(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    context: ValidationContext | None = None,
) -> tuple[str, ...]:
    """Return the ids of the top-level questions shown for ``answers``."""
    return validate_answers(definition, answers, context).visible
