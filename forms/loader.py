"""Load a form definition document from YAML and check it thoroughly."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marshmallow as ma
import yaml

from forms.checks import check_document
from forms.definition import Choice
from forms.definition import FormDefinition
from forms.definition import Question
from forms.definition import Scale
from forms.definition import Section
from forms.locales import Text
from forms.schema import FormSchema


class _DocumentLoader(yaml.SafeLoader):
    """YAML 1.2-like loading: only true/false are booleans, dates stay strings."""


# YAML 1.1 reads `no` (a choice value!) as False and 2025-01-01 as a date object;
# documents must mean what they say, and dates must reach JSON as ISO strings.
_DocumentLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


@dataclass(frozen=True)
class DefinitionProblem:
    """One problem in a document: where it is and what is wrong."""

    file: str
    field: str | None
    language: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: "
        if self.field:
            where += f"field {self.field!r}"
            where += f", language {self.language!r}: " if self.language else ": "
        return where + self.message


class DefinitionError(Exception):
    """A form definition document that must not be loaded; lists every problem."""

    def __init__(self, problems: Sequence[DefinitionProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)

    @property
    def file(self) -> str:
        """Return the file of the first problem."""
        return self.problems[0].file

    @property
    def field(self) -> str | None:
        """Return the field path of the first problem."""
        return self.problems[0].field

    @property
    def language(self) -> str | None:
        """Return the language of the first problem, if it concerns one."""
        return self.problems[0].language


def _schema_problems(
    messages: Any, raw: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, str]]:
    """Flatten marshmallow messages, naming list items by their id."""
    if isinstance(messages, list):
        yield ".".join(path), "; ".join(str(m) for m in messages)
        return
    for key, sub in messages.items():
        item: Any = None
        if isinstance(raw, list) and isinstance(key, int) and key < len(raw):
            item = raw[key]
        elif isinstance(raw, Mapping):
            item = raw.get(key)
        name = str(key)
        if isinstance(key, int) and isinstance(item, Mapping) and "id" in item:
            # sections.0.questions.3 -> the question's own id path
            name = str(item["id"])
            if path[-1:] == ("questions",):
                # Question ids are unique in the whole document: start the path there.
                path = path[:-1]
                if len(path) >= 2 and path[-2] == "sections":
                    path = path[:-2]
        yield from _schema_problems(sub, item, (*path, name))


def parse_document(data: Any, file: str) -> FormDefinition:
    """Check a parsed document and build its definition; raise DefinitionError."""
    if not isinstance(data, Mapping):
        raise DefinitionError([DefinitionProblem(file, None, None, "not a mapping")])
    try:
        doc = FormSchema().load(data)
    except ma.ValidationError as exc:
        raise DefinitionError(
            [
                DefinitionProblem(file, field or None, None, message)
                for field, message in _schema_problems(exc.messages, data)
            ]
        ) from None
    problems = check_document(doc)
    if problems:
        raise DefinitionError(
            [DefinitionProblem(file, f, lang, msg) for f, lang, msg in problems]
        )
    return _build(doc, file)


def load_definition(path: str | Path) -> FormDefinition:
    """Load one YAML form definition; raise DefinitionError naming what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_DocumentLoader)  # noqa: S506 (a SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problem = DefinitionProblem(path.name, None, None, str(exc))
        raise DefinitionError([problem]) from exc
    return parse_document(data, path.name)


def _text(texts: Mapping[str, str] | None) -> Text | None:
    return Text.from_document(texts) if texts is not None else None


def _presets_today(q: Mapping[str, Any]) -> bool:
    return q["type"] == "date" and q.get("default") == "today"


def _question(q: Mapping[str, Any]) -> Question:
    labels = q.get("labels", {})
    return Question(
        id=q["id"],
        type=q["type"],
        label=Text.from_document(q["label"]),
        hint=_text(q.get("hint")),
        required=q.get("required", False),
        sensitive=q.get("sensitive", False),
        staff_only=q.get("staff_only", False),
        min=q.get("min"),
        max=q.get("max"),
        min_length=q.get("min_length"),
        max_length=q.get("max_length"),
        pattern=q.get("pattern"),
        choices=tuple(
            Choice(
                c["value"], Text.from_document(c["label"]), c.get("exclusive", False)
            )
            for c in q.get("choices", ())
        ),
        choices_from=q.get("choices_from"),
        show_if=q.get("show_if"),
        # A date's "default: today" presets the field when a new form starts (preset);
        # it is never assumed for a missing answer, as other defaults are.
        default=None if _presets_today(q) else q.get("default"),
        preset="today" if _presets_today(q) else None,
        messages={k: Text.from_document(v) for k, v in q.get("messages", {}).items()},
        questions=tuple(_question(sub) for sub in q.get("questions", ())),
        min_rows=q.get("min_rows"),
        max_rows=q.get("max_rows"),
        row_label=_text(q.get("row_label")),
        min_label=_text(labels.get("min")),
        max_label=_text(labels.get("max")),
    )


def _build(doc: Mapping[str, Any], file: str) -> FormDefinition:
    return FormDefinition(
        id=doc["id"],
        version=doc["version"],
        roles=frozenset(doc["roles"]),
        subject=doc["subject"],
        title=Text.from_document(doc["title"]),
        description=_text(doc.get("description")),
        sections=tuple(
            Section(
                id=s["id"],
                title=Text.from_document(s["title"]),
                description=_text(s.get("description")),
                questions=tuple(_question(q) for q in s["questions"]),
            )
            for s in doc["sections"]
        ),
        source=file,
        scales=tuple(
            Scale(
                id=sc["id"],
                label=Text.from_document(sc["label"]),
                items=tuple(sc["items"]),
                item_min=sc["item_min"],
                item_max=sc["item_max"],
                reverse=frozenset(sc.get("reverse", ())),
                total=sc["total"],
            )
            for sc in doc.get("scales", ())
        ),
        unreviewed=tuple(doc.get("unreviewed_translations", ())),
    )
