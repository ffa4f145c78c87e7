"""Export pages: the forms a coordinator may export, and each form's options.

The download is a plain form POST answered with the file: no JavaScript needed. The
file is written to a temporary file first (never in memory), then sent from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint
from flask import g
from flask import render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import EXPORTERS
from fieldapp.access import may_export_names
from fieldapp.access import may_read_sensitive
from fieldapp.access import require
from fieldapp.errors import NotFoundError
from fieldapp.exports import services
from fieldapp.exports.forms import ExportForm
from fieldapp.i18n import current_language
from fieldapp.submissions.forms_registry import registry
from forms import FormDefinition

bp = Blueprint("exports", __name__, template_folder="templates")


@bp.get("/")
@require(*EXPORTERS)
def index() -> str:
    """List the forms the user may export, with how many records each holds."""
    return render_template(
        "exports/index.html",
        definitions=services.exportable_forms(g.user),
        counts=services.record_counts(g.user),
    )


def _definition_or_404(form_id: str) -> FormDefinition:
    definition = services.definition_or_none(g.user, form_id)
    if definition is None:
        raise NotFoundError(_("There is no form to export with this name."))
    return definition


def _form(definition: FormDefinition) -> ExportForm:
    form = ExportForm()
    versions = registry().versions(definition.id)
    form.versions.choices = [(v, str(v)) for v in reversed(versions)]
    if not form.is_submitted():
        form.language.data = current_language()
        form.versions.data = versions
    return form


def _page(
    definition: FormDefinition, form: ExportForm, refused: list[str] | None = None
) -> str:
    return render_template(
        "exports/form.html",
        definition=definition,
        form=form,
        count=services.record_counts(g.user).get(definition.id, 0),
        may_sensitive=may_read_sensitive(g.user, definition.id),
        may_names=may_export_names(g.user),
        many_versions=len(form.versions.choices) > 1,
        refused=refused or [],
    )


@bp.get("/<form_id>")
@require(*EXPORTERS)
def options(form_id: str) -> str:
    """Show the options of an export of one form."""
    definition = _definition_or_404(form_id)
    return _page(definition, _form(definition))


@bp.post("/<form_id>")
@require(*EXPORTERS)
def download_submit(form_id: str) -> Response | tuple[str, int]:
    """Write the export and send it as a download; the access log records it."""
    definition = _definition_or_404(form_id)
    form = _form(definition)
    if not form.validate_on_submit():
        return _page(definition, form), 422
    request = services.ExportRequest(
        form_id=definition.id,
        file_format=form.file_format.data,
        language=form.language.data,
        split_multiple=form.split_multiple.data,
        since=form.since.data,
        until=form.until.data,
        versions=tuple(form.versions.data or ()),
        sensitive=form.sensitive.data,
        names=form.names.data,
    )
    output = services.new_output_path()
    try:
        result = services.export(g.user, request, output)
    except services.ExportRefused as refused:
        output.unlink(missing_ok=True)
        if refused.status_code == 404:
            raise NotFoundError(refused.errors.get("form")) from None
        # Said above the form: an option the page does not offer this user (sensitive
        # answers, names) has no field to carry its message.
        page = _page(definition, form, list(refused.errors.values()))
        return page, refused.status_code
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    services.record_export(request, result)
    db.session().commit()
    return Response(
        _sent_then_removed(output),
        mimetype=result.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"',
            "Content-Length": str(output.stat().st_size),
        },
    )


def _sent_then_removed(path: Path, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Yield the file's bytes; it is removed by name as soon as it is open.

    The open file is read to the end and its space freed when it closes, so no export
    is left on the server's disk, whether the download completes or is cut off.
    """
    with path.open("rb") as handle:
        path.unlink()
        while block := handle.read(chunk):
            yield block
