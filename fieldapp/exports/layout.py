"""What an export holds: its tables, their columns, and the cells of each record.

No Flask and no database here: the layout is planned from form definitions and the
options, and the rows are made from answers already read and decrypted, so all of it
is tested on plain data. Texts that are not in the form documents (the metadata
headers, "Yes" and "No") come in as ``Words``, already in the export's language.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any
from uuid import UUID

from forms import Choice
from forms import FormDefinition
from forms import Question
from forms.definition import SCORES_KEY
from forms.definition import Scale

#: A cell as the writers take it: text, a number, a day, a time, or empty.
Cell = str | int | float | date | datetime | None
#: What makes a field's cells from its answer (see ``Layout._converter``).
Converter = Callable[[Any, "People"], Any]

#: Answers that name a person, per form: left out of an export unless the user asks
#: for names (and may have them); people chosen from a list become pseudonyms instead.
NAME_QUESTIONS: dict[str, frozenset[str]] = {
    "family_intake": frozenset({"family_name", "members.full_name"}),
}
#: Dynamic choice lists whose values are member ids (see forms.definition).
MEMBER_SOURCES = frozenset({"family_members", "students"})
#: Question types written as numbers, and as days.
NUMBER_TYPES = frozenset({"integer", "decimal", "rating"})
DATE_TYPES = frozenset({"date"})
GROUP_TYPES = frozenset({"repeat", "roster"})
#: How many different lists of choices a field keeps joined (see choices_of).
CHOICE_CACHE = 4096
#: Key columns: the layout ODK Central uses, so tools that read its exports read ours.
KEY = "KEY"
PARENT_KEY = "PARENT_KEY"


@dataclass(frozen=True)
class Words:
    """The export's own texts (not from the form documents), in its language.

    ``headers`` names the metadata columns by code; ``score`` has a ``%(scale)s``.
    Without a language (codes), every header is its code and yes/no are 1/0.
    """

    headers: dict[str, str] = field(default_factory=dict)
    yes: str | int = 1
    no: str | int = 0
    score: str = "score.%(scale)s"

    def header(self, code: str) -> str:
        """Return the header of metadata column ``code``."""
        return self.headers.get(code, code)


@dataclass(frozen=True)
class Options:
    """What the user chose; ``language`` None means codes instead of labels."""

    language: str | None = None
    split_multiple: bool = False
    sensitive: bool = False
    names: bool = False


@dataclass(frozen=True)
class Field:
    """One question as exported, merged over the versions in the file."""

    #: ``visit_date``, or ``group.question`` inside a repeat group
    path: str
    #: from the newest version that has it (its label, type and source)
    question: Question
    #: every choice of every version: the newest version's order, older-only after
    choices: tuple[Choice, ...]
    #: sensitive in any version (a field once sealed stays sealed in the file)
    sensitive: bool

    @property
    def id(self) -> str:
        """Return the question's id (within its group)."""
        return self.question.id

    @property
    def members(self) -> bool:
        """Tell whether the answers are member ids (a list of people)."""
        return self.question.choices_from in MEMBER_SOURCES

    @property
    def split(self) -> bool:
        """Tell whether 0/1 columns can be made (a fixed list of choices)."""
        return (
            self.question.type == "multiple_choice"
            and not self.question.choices_from
            and bool(self.choices)
        )


@dataclass(frozen=True)
class Column:
    """A column: its code, its header in the export's language, its kind of cell."""

    code: str
    header: str
    #: "text", "number", "date" or "datetime": how the XLSX writer stores the cell
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    """The root table (``name`` is the form id) or one repeat group's table."""

    name: str
    columns: tuple[Column, ...]
    fields: tuple[Field, ...]
    #: the repeat or roster question; None for the root
    group: Field | None = None


@dataclass(slots=True)
class Record:
    """One stored submission as read for an export (answers already merged)."""

    #: the submission's UUID, as text with dashes
    uuid: str
    id: int
    version: int
    completed_at: datetime | None
    received_at: datetime
    author: str
    family_id: UUID | None
    course: str
    locale: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class People:
    """How people are written: pseudonyms by default, names when asked for."""

    family: Callable[[UUID], str]
    member: Callable[[str], str]
    family_name: Callable[[UUID], str] = lambda _id: ""


def merge_questions(
    groups: Sequence[Sequence[Question]],
) -> list[tuple[str, list[Question]]]:
    """Return (id, that question in each version, newest first) in export order.

    ``groups`` holds one sequence of questions per version, newest first: the newest
    version's order comes first, then questions only older versions had, in the order
    the newest of them had them.
    """
    order: dict[str, list[Question]] = {}
    for questions in groups:
        for question in questions:
            order.setdefault(question.id, []).append(question)
    return list(order.items())


def _merged_field(path: str, versions: list[Question]) -> Field:
    choices: dict[str, Choice] = {}
    for question in versions:
        for choice in question.choices:
            choices.setdefault(choice.value, choice)
    return Field(
        path=path,
        question=versions[0],
        choices=tuple(choices.values()),
        sensitive=any(q.sensitive for q in versions),
    )


class Layout:
    """The tables of one form's export over one or more of its versions."""

    def __init__(
        self,
        definitions: Sequence[FormDefinition],
        options: Options,
        words: Words,
    ) -> None:
        if not definitions:
            raise ValueError("an export needs at least one version of the form")
        self.definitions = sorted(definitions, key=lambda d: d.version, reverse=True)
        self.form_id = self.definitions[0].id
        self.options = options
        self.words = words
        self._converters: dict[str, Converter] = {}
        names = NAME_QUESTIONS.get(self.form_id, frozenset())
        self._left_out = frozenset() if options.names else names
        top = merge_questions([d.questions for d in self.definitions])
        self.fields: list[Field] = []
        self.groups: list[tuple[Field, list[Field]]] = []
        for question_id, versions in top:
            merged = _merged_field(question_id, versions)
            if not self._included(merged):
                continue
            if merged.question.type in GROUP_TYPES:
                rows = merge_questions([q.questions for q in versions])
                subs = [
                    _merged_field(f"{question_id}.{sub_id}", subs)
                    for sub_id, subs in rows
                ]
                self.groups.append((merged, [f for f in subs if self._included(f)]))
            else:
                self.fields.append(merged)
        self.scales = self._scales()
        self.root = Table(self.form_id, tuple(self._root_columns()), tuple(self.fields))
        self.tables = [self.root] + [
            Table(
                f"{self.form_id}-{group.id}",
                tuple(self._group_columns(group, subs)),
                tuple(subs),
                group,
            )
            for group, subs in self.groups
        ]
        subject = self.definitions[0].subject
        self._family_column = subject in ("family", "new_family")
        self._course_column = subject == "course_session"
        self._root_plan = self._plan(self.fields)
        self._group_plans = [
            (table, self._plan(table.fields)) for table in self.tables[1:]
        ]

    def _included(self, item: Field) -> bool:
        if item.sensitive and not self.options.sensitive:
            return False  # left out, not blank: the column itself would tell
        return item.path not in self._left_out

    def _scales(self) -> list[Scale]:
        """Return the scales whose scores the export holds (sealed ones only if asked)."""
        found: dict[str, Scale] = {}
        sealed = False
        for definition in self.definitions:
            scored = {item for scale in definition.scales for item in scale.items}
            sealed = sealed or bool(scored & definition.sensitive_paths())
            for scale in definition.scales:
                found.setdefault(scale.id, scale)
        if sealed and not self.options.sensitive:
            return []
        return list(found.values())

    # Columns ---------------------------------------------------------------------

    def _label(self, item: Field) -> str:
        if self.options.language is None:
            return item.id
        return item.question.label_in(self.options.language)

    def _field_columns(self, item: Field) -> Iterator[Column]:
        kind = (
            "number"
            if item.question.type in NUMBER_TYPES
            else "date"
            if item.question.type in DATE_TYPES
            else "text"
        )
        if item.question.type == "yes_no" and self.options.language is None:
            kind = "number"
        yield Column(item.path, self._label(item), kind)
        if self.options.split_multiple and item.split:
            for choice in item.choices:
                if self.options.language is None:
                    header = f"{item.id}/{choice.value}"
                else:
                    header = f"{self._label(item)}: {choice.label.get(self.options.language)}"
                yield Column(f"{item.path}/{choice.value}", header, "number")

    def _meta(self, code: str, kind: str = "text") -> Column:
        return Column(code, self.words.header(code), kind)

    def _root_columns(self) -> list[Column]:
        subject = self.definitions[0].subject
        columns = [
            Column(KEY, KEY),
            self._meta("submission_id", "number"),
            self._meta("form_version", "number"),
            self._meta("completed_at", "datetime"),
            self._meta("received_at", "datetime"),
            self._meta("author"),
        ]
        if subject in ("family", "new_family"):
            columns.append(self._meta("family"))
            if self.options.names:
                columns.append(self._meta("family_name"))
        if subject == "course_session":
            columns.append(self._meta("course"))
        columns.append(self._meta("respondent_locale"))
        for item in self.fields:
            columns += self._field_columns(item)
        for scale in self.scales:
            label = (
                scale.id
                if self.options.language is None
                else scale.label.get(self.options.language)
            )
            columns.append(
                Column(
                    f"{SCORES_KEY}.{scale.id}",
                    self.words.score % {"scale": label},
                    "number",
                )
            )
        return _unique_headers(columns)

    def _group_columns(self, group: Field, subs: list[Field]) -> list[Column]:
        columns = [Column(PARENT_KEY, PARENT_KEY), Column(KEY, KEY)]
        if group.question.type == "roster":
            columns.append(self._meta("member"))
        for item in subs:
            columns += self._field_columns(item)
        return _unique_headers(columns)

    # Rows ------------------------------------------------------------------------

    def _plan(self, fields: Sequence[Field]) -> list[tuple[str, Converter, bool]]:
        """Return (answer key, converter, makes several cells) per field, in order.

        Decided once per table, so that a row is made without looking anything up.
        """
        plan = []
        for item in fields:
            convert = self._converters.get(item.path)
            if convert is None:
                convert = self._converters[item.path] = self._converter(item)
            plan.append((item.id, convert, self.options.split_multiple and item.split))
        return plan

    def rows(
        self, record: Record, people: People
    ) -> Iterator[tuple[Table, list[Cell]]]:
        """Yield (table, row) for a record: its root row, then its groups' rows."""
        answers = record.answers
        row: list[Cell] = [
            record.uuid,
            record.id,
            record.version,
            record.completed_at,
            record.received_at,
            record.author,
        ]
        if self._family_column:
            family = record.family_id
            row.append(people.family(family) if family else None)
            if self.options.names:
                row.append(people.family_name(family) if family else None)
        if self._course_column:
            row.append(record.course)
        row.append(record.locale)
        get = answers.get
        append = row.append
        for key, convert, several in self._root_plan:
            value = get(key)
            if several:
                row += convert(value, people)
            elif value is None or value == "":
                append(None)
            else:
                append(convert(value, people))
        if self.scales:
            scores = get(SCORES_KEY)
            for scale in self.scales:
                score = scores.get(scale.id) if isinstance(scores, dict) else None
                append(_number(score))
        yield self.root, row
        for table, plan in self._group_plans:
            yield from self._group_rows(table, plan, record, people)

    def _group_rows(
        self,
        table: Table,
        plan: list[tuple[str, Converter, bool]],
        record: Record,
        people: People,
    ) -> Iterator[tuple[Table, list[Cell]]]:
        group = table.group
        assert group is not None  # noqa: S101 - only called for group tables
        value = record.answers.get(group.id)
        rows: list[tuple[str | None, Any]]
        if isinstance(value, list):
            rows = [(None, item) for item in value]
        elif isinstance(value, dict):
            rows = list(value.items())
        else:
            return
        parent = record.uuid
        roster = group.question.type == "roster"
        for number, (member, answers) in enumerate(rows, 1):
            cells: list[Cell] = [parent, f"{parent}/{group.id}[{number}]"]
            if roster:
                cells.append(people.member(str(member)))
            answers = answers if isinstance(answers, dict) else {}
            for key, convert, several in plan:
                item_value = answers.get(key)
                if several:
                    cells += convert(item_value, people)
                elif item_value is None or item_value == "":
                    cells.append(None)
                else:
                    cells.append(convert(item_value, people))
            yield table, cells

    def _converter(self, item: Field) -> Converter:
        """Return the function that makes a field's cells (decided once per field).

        With split columns, it takes any value and returns the list of cells; else it
        takes a value that is neither None nor "" and returns the one cell.
        """
        value_of = self._value_function(item)
        if not (self.options.split_multiple and item.split):
            return value_of
        codes = [choice.value for choice in item.choices]

        def with_split(value: Any, people: People) -> list[Cell]:
            if not isinstance(value, list):
                empty: list[Cell] = [None] * (len(codes) + 1)
                if value is not None and value != "":
                    empty[0] = value_of(value, people)
                return empty
            chosen = set(value)
            return [value_of(value, people)] + [int(code in chosen) for code in codes]

        return with_split

    def _value_function(self, item: Field) -> Callable[[Any, People], Cell]:
        kind = item.question.type
        if kind in NUMBER_TYPES:
            return _number_cell
        if kind in DATE_TYPES:
            return _day_cell
        if kind == "yes_no":
            yes, no = self.words.yes, self.words.no
            return lambda value, _people: (
                (yes if value else no) if isinstance(value, bool) else _text(value)
            )
        if kind not in ("single_choice", "multiple_choice"):
            return _text_cell
        joiner = "; " if self.options.language is not None else " "
        if item.members:

            def people_of(value: Any, people: People) -> Cell:
                values = value if isinstance(value, list) else [value]
                return joiner.join(people.member(str(v)) for v in values) or None

            return people_of
        labels: dict[Any, str] = {}
        if self.options.language is not None:
            for choice in item.choices:
                labels[choice.value] = choice.label.get(self.options.language)

        # The same few lists of choices come again and again: each is joined once.
        joined: dict[tuple[Any, ...], Cell] = {}

        def choices_of(value: Any, _people: People) -> Cell:
            if value.__class__ is str:  # one choice: the most common answer
                return labels.get(value) or value
            values = tuple(value) if isinstance(value, list) else (value,)
            try:
                return joined[values]
            except KeyError:
                pass
            except TypeError:  # a list holding lists or dicts: not for choices
                values = tuple(str(v) for v in values)
            shown = [labels.get(v) or str(v) for v in values]
            cell = joiner.join(shown) or None
            if len(joined) < CHOICE_CACHE:
                joined[values] = cell
            return cell

        return choices_of


def _text_cell(value: Any, _people: People) -> Cell:
    if value.__class__ is str:
        return value
    return _number_or_text(value)


def _number_cell(value: Any, _people: People) -> Cell:
    return _number_or_text(value)


def _day_cell(value: Any, _people: People) -> Cell:
    return _day(value)


def _text(value: Any) -> Cell:
    if isinstance(value, str):
        return value
    return _number_or_text(value)


def _number_or_text(value: Any) -> Cell:
    number = _number(value)
    return str(value) if number is None else number


def _day(value: Any) -> Cell:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return _text(value)


def _number(value: Any) -> int | float | None:
    """Return ``value`` if it is a number (not a yes/no), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _unique_headers(columns: list[Column]) -> list[Column]:
    """Return ``columns`` with repeated headers told apart by their codes."""
    seen: dict[str, int] = {}
    for column in columns:
        seen[column.header] = seen.get(column.header, 0) + 1
    return [
        column
        if seen[column.header] == 1
        else Column(column.code, f"{column.header} ({column.code})", column.kind)
        for column in columns
    ]
