"""The export options page's WTForm, with every message in the user's language.

WTForms' own messages have no Albanian catalog, so the fields here say their own.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms.validators import Optional
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from fieldapp.exports.services import CODES

FORMAT_CHOICES = [
    ("xlsx", _l("Excel workbook (XLSX): one sheet per repeated group")),
    ("csv", _l("CSV files in a ZIP: one file per repeated group")),
]
LANGUAGE_CHOICES = [
    ("sq", "Shqip"),
    ("sr_Latn", "Srpski (latinica)"),
    ("sr_Cyrl", "Српски (ћирилица)"),
    ("en", "English"),
    (CODES, _l("Codes, as in the form documents")),
]


class DayField(DateField):
    """A day (YYYY-MM-DD, as a date input sends it), with a message of our own."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the day; text that is not one is a clear error, never a crash."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a real date, for example 2026-03-31.")) from None


class ChoiceField(SelectField):
    """A list whose wrong answers are named in the user's language."""

    def pre_validate(self, form: Any) -> None:
        """Refuse a value that is not one of the choices."""
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_l("Choose one of the options in the list."))


class VersionsField(SelectMultipleField):
    """Form versions as checkboxes; a version the server does not know is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            *args,
            coerce=int,
            option_widget=CheckboxInput(),
            widget=ListWidget(prefix_label=False),
            **kwargs,
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the versions as whole numbers."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data: list[int] = []
            raise ValueError(_l("Choose versions from the list.")) from None

    def pre_validate(self, form: Any) -> None:
        """Refuse a version the form does not have."""
        known = {value for value, _label in self.choices}
        unknown = [str(v) for v in self.data or [] if v not in known]
        if unknown:
            raise ValidationError(
                _l(
                    "This form has no version %(versions)s.",
                    versions=", ".join(unknown),
                )
            )


class ExportForm(FlaskForm):
    """What to put in an export of one form."""

    file_format = ChoiceField(_l("File"), choices=FORMAT_CHOICES, default="xlsx")
    language = ChoiceField(_l("Questions and answers in"), choices=LANGUAGE_CHOICES)
    since = DayField(_l("Completed from"), validators=[Optional()])
    until = DayField(_l("Completed until"), validators=[Optional()])
    versions = VersionsField(_l("Form versions"))
    split_multiple = BooleanField(
        _l("Also give each choice of a multiple-choice question its own 0/1 column")
    )
    sensitive = BooleanField(_l("Include the sensitive answers"))
    names = BooleanField(_l("Include names instead of pseudonyms"))

    def validate_until(self, field: DayField) -> None:
        """The range must not end before it starts."""
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))
