"""Form definitions as data: load, validate and evaluate them, with no web framework."""

from __future__ import annotations

from forms.conditions import evaluate_condition
from forms.definition import ROLES
from forms.definition import SUBJECTS
from forms.definition import Choice
from forms.definition import FormDefinition
from forms.definition import Question
from forms.definition import Section
from forms.field_base import FieldType
from forms.field_types import FIELD_TYPES
from forms.form_data import from_form_data
from forms.issues import Issue
from forms.loader import DefinitionError
from forms.loader import DefinitionProblem
from forms.loader import load_definition
from forms.locales import DEFAULT_LOCALE
from forms.locales import LOCALES
from forms.locales import Text
from forms.locales import normalize_locale
from forms.messages import ISSUE_CODES
from forms.registry import FormRegistry
from forms.registry import UnknownForm
from forms.registry import UnknownVersion
from forms.registry import load_registry
from forms.transliteration import transliterate_sr
from forms.validation import ValidationContext
from forms.validation import ValidationResult
from forms.validation import validate_answers
from forms.validation import visible_questions

__all__ = [
    "DEFAULT_LOCALE",
    "FIELD_TYPES",
    "ISSUE_CODES",
    "LOCALES",
    "ROLES",
    "SUBJECTS",
    "Choice",
    "DefinitionError",
    "DefinitionProblem",
    "FieldType",
    "FormDefinition",
    "FormRegistry",
    "Issue",
    "Question",
    "Section",
    "Text",
    "UnknownForm",
    "UnknownVersion",
    "ValidationContext",
    "ValidationResult",
    "evaluate_condition",
    "from_form_data",
    "load_definition",
    "load_registry",
    "normalize_locale",
    "transliterate_sr",
    "validate_answers",
    "visible_questions",
]
