"""One problem found in a set of answers, with its message in every locale."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from forms.locales import Text
from forms.messages import MESSAGES
from forms.messages import format_message
from forms.messages import template_key


@dataclass(frozen=True)
class Issue:
    """A validation problem: a stable code, its parameters and an optional text."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    #: the document's own message for this code, overriding the engine's
    custom: Text | None = field(default=None, compare=False)

    def message(self, locale: str | None = None) -> str:
        """Return the message in ``locale`` (sq, sr_Latn, sr_Cyrl or en)."""
        text = self.custom or MESSAGES[template_key(self.code, self.params)]
        return format_message(text.get(locale), self.params)

    def as_dict(self, locale: str | None = None) -> dict[str, Any]:
        """Return {code, params, message} for a JSON response."""
        return {
            "code": self.code,
            "params": dict(self.params),
            "message": self.message(locale),
        }
