"""Every form the server knows: the current versions and the archived ones."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from forms.definition import FormDefinition
from forms.loader import DefinitionError
from forms.loader import DefinitionProblem
from forms.loader import load_definition

#: where the current documents live (archived versions are in archive/)
FORMS_DIRECTORY = Path(__file__).resolve().parent


class UnknownForm(LookupError):
    """No form has this id."""

    def __init__(self, form_id: str) -> None:
        super().__init__(f"There is no form {form_id!r}.")
        self.form_id = form_id


class UnknownVersion(LookupError):
    """The form exists but not in this version."""

    def __init__(self, form_id: str, version: int, known: list[int]) -> None:
        listed = ", ".join(str(v) for v in known)
        super().__init__(
            f"Form {form_id!r} has no version {version}; known versions: {listed}."
        )
        self.form_id = form_id
        self.version = version


class FormRegistry:
    """Form definitions by id and version; the highest version is the current one."""

    def __init__(self, definitions: Iterable[FormDefinition] = ()) -> None:
        self._forms: dict[str, dict[int, FormDefinition]] = {}
        for definition in definitions:
            self.add(definition)

    def add(self, definition: FormDefinition) -> None:
        """Register a definition; raise DefinitionError if its version is taken."""
        versions = self._forms.setdefault(definition.id, {})
        if definition.version in versions:
            other = versions[definition.version].source
            raise DefinitionError(
                [
                    DefinitionProblem(
                        definition.source,
                        "version",
                        None,
                        f"{definition.id} version {definition.version} is also"
                        f" defined in {other}",
                    )
                ]
            )
        versions[definition.version] = definition

    def get(self, form_id: str, version: int | None = None) -> FormDefinition:
        """Return a form in ``version`` (default: the latest)."""
        versions = self._forms.get(form_id)
        if not versions:
            raise UnknownForm(form_id)
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise UnknownVersion(form_id, version, sorted(versions))
        return versions[version]

    def latest(self, form_id: str) -> FormDefinition:
        """Return the current version of a form."""
        return self.get(form_id)

    def versions(self, form_id: str) -> list[int]:
        """Return the known versions of a form, oldest first."""
        if form_id not in self._forms:
            raise UnknownForm(form_id)
        return sorted(self._forms[form_id])

    def all(self) -> list[FormDefinition]:
        """Return the latest version of every form, sorted by id."""
        return [self.get(form_id) for form_id in sorted(self._forms)]

    def __contains__(self, form_id: object) -> bool:
        return form_id in self._forms


def load_registry(directory: str | Path | None = None) -> FormRegistry:
    """Load ``directory``/*.yaml (current) and ``directory``/archive/*.yaml (older)."""
    root = Path(directory) if directory is not None else FORMS_DIRECTORY
    registry = FormRegistry()
    problems: list[DefinitionProblem] = []
    current: dict[str, FormDefinition] = {}
    for path in sorted(root.glob("*.yaml")):
        try:
            definition = load_definition(path)
        except DefinitionError as exc:
            problems += exc.problems
            continue
        if path.stem != definition.id:
            message = (
                f"the file of form {definition.id!r} must be named {definition.id}.yaml"
            )
            problems.append(DefinitionProblem(path.name, "id", None, message))
            continue
        current[definition.id] = definition
        registry.add(definition)
    for path in sorted((root / "archive").glob("*.yaml")):
        try:
            definition = load_definition(path)
            registry.add(definition)
        except DefinitionError as exc:
            problems += exc.problems
            continue
        latest = current.get(definition.id)
        if latest is None or latest.version < definition.version:
            # The current document must carry the highest version, or devices would
            # be served an older form than one the server still accepts.
            message = "an archived version must be older than the current document"
            problems.append(
                DefinitionProblem(f"archive/{path.name}", "version", None, message)
            )
    if problems:
        raise DefinitionError(problems)
    return registry
