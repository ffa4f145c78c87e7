"""Split a submission's answers into plain and sensitive parts, and join them again."""

from __future__ import annotations

from typing import Any

from forms import FormDefinition
from forms.definition import SCORES_KEY


def split_sensitive(
    definition: FormDefinition, answers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (plain, sensitive) answers; rows keep their shape in both parts."""
    plain: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    for question in definition.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.sensitive:
            secret[question.id] = value
            continue
        row_secrets = {sub.id for sub in question.questions if sub.sensitive}
        if row_secrets and isinstance(value, list):
            plain[question.id] = [
                {k: v for k, v in row.items() if k not in row_secrets} for row in value
            ]
            hidden = [
                {k: v for k, v in row.items() if k in row_secrets} for row in value
            ]
            if any(hidden):
                secret[question.id] = hidden
        elif row_secrets and isinstance(value, dict):
            plain[question.id] = {
                key: {k: v for k, v in row.items() if k not in row_secrets}
                for key, row in value.items()
            }
            hidden_rows = {
                key: {k: v for k, v in row.items() if k in row_secrets}
                for key, row in value.items()
            }
            if any(hidden_rows.values()):
                secret[question.id] = hidden_rows
        else:
            plain[question.id] = value
    if SCORES_KEY in answers:
        # A score says as much as its items: sealed if any item of any scale is.
        sealed = definition.sensitive_paths()
        scored = {item for scale in definition.scales for item in scale.items}
        (secret if scored & sealed else plain)[SCORES_KEY] = answers[SCORES_KEY]
    return plain, secret


def merge_sensitive(answers: dict[str, Any], secret: dict[str, Any]) -> dict[str, Any]:
    """Put the sensitive answers back into ``answers`` (in place) and return it."""
    for key, value in secret.items():
        current = answers.get(key)
        if isinstance(value, list) and isinstance(current, list):
            for row, hidden in zip(current, value, strict=False):
                row.update(hidden)
        elif isinstance(value, dict) and isinstance(current, dict):
            for row_key, hidden in value.items():
                current.setdefault(row_key, {}).update(hidden)
        else:
            answers[key] = value
    return answers
