"""Marshmallow schemas for the shape of a form definition document."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields
from marshmallow import validate

from forms.definition import CHOICE_SOURCES
from forms.definition import ROLES
from forms.definition import SUBJECTS
from forms.definition import TOTAL_RULES

_ID = validate.Regexp(
    r"^[a-z][a-z0-9_]*$", error="Use lower-case letters, digits and _ (got {input})."
)
_TEXT_KEYS = ("sq", "sr", "en", "sr_Cyrl")


def _texts(**kwargs: Any) -> fields.Dict:
    # Missing languages are reported later, with the element's id path.
    return fields.Dict(
        keys=fields.Str(validate=validate.OneOf(_TEXT_KEYS)),
        values=fields.Str(),
        **kwargs,
    )


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ChoiceSchema(_Strict):
    """One option of a choice question."""

    value = fields.Str(required=True, validate=_ID)
    label = _texts(required=True)
    exclusive = fields.Bool()


class RatingLabelsSchema(_Strict):
    """Texts for the two ends of a rating scale."""

    min = _texts(required=True)
    max = _texts(required=True)


class QuestionSchema(_Strict):
    """One question; which options fit which type is checked after loading."""

    id = fields.Str(required=True, validate=_ID)
    type = fields.Str(required=True)
    label = _texts(required=True)
    hint = _texts()
    required = fields.Bool()
    sensitive = fields.Bool()
    #: asked of staff only: never shown in the family's part of a form
    staff_only = fields.Bool(truthy={True}, falsy={False})
    min = fields.Raw()
    max = fields.Raw()
    min_length = fields.Int(strict=True, validate=validate.Range(min=0))
    max_length = fields.Int(strict=True, validate=validate.Range(min=1))
    pattern = fields.Str()
    messages = fields.Dict(keys=fields.Str(), values=_texts())
    choices = fields.List(fields.Nested(ChoiceSchema), validate=validate.Length(min=1))
    choices_from = fields.Str(validate=validate.OneOf(sorted(CHOICE_SOURCES)))
    show_if = fields.Dict()
    default = fields.Raw()
    questions = fields.List(
        fields.Nested(lambda: QuestionSchema()), validate=validate.Length(min=1)
    )
    min_rows = fields.Int(strict=True, validate=validate.Range(min=0))
    max_rows = fields.Int(strict=True, validate=validate.Range(min=1))
    row_label = _texts()
    labels = fields.Nested(RatingLabelsSchema)


class SectionSchema(_Strict):
    """A titled group of questions."""

    id = fields.Str(required=True, validate=_ID)
    title = _texts(required=True)
    description = _texts()
    questions = fields.List(
        fields.Nested(QuestionSchema), required=True, validate=validate.Length(min=1)
    )


class ScaleSchema(_Strict):
    """A scored scale over some of the form's questions."""

    id = fields.Str(required=True, validate=_ID)
    label = _texts(required=True)
    items = fields.List(
        fields.Str(validate=_ID), required=True, validate=validate.Length(min=1)
    )
    reverse = fields.List(fields.Str(validate=_ID))
    item_min = fields.Int(required=True, strict=True)
    item_max = fields.Int(required=True, strict=True)
    total = fields.Str(required=True, validate=validate.OneOf(sorted(TOTAL_RULES)))


class FormSchema(_Strict):
    """A whole form definition document."""

    id = fields.Str(required=True, validate=_ID)
    version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    roles = fields.List(
        fields.Str(validate=validate.OneOf(sorted(ROLES))),
        required=True,
        validate=validate.Length(min=1),
    )
    subject = fields.Str(required=True, validate=validate.OneOf(sorted(SUBJECTS)))
    title = _texts(required=True)
    description = _texts()
    sections = fields.List(
        fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1)
    )
    scales = fields.List(fields.Nested(ScaleSchema), validate=validate.Length(min=1))
    #: languages whose translation awaits a native speaker's review
    unreviewed_translations = fields.List(
        fields.Str(validate=validate.OneOf(_TEXT_KEYS[:3]))
    )
