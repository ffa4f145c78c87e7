"""The quarterly donor impact report: pick a quarter and a language, read, print.

Coordinators and admins only; every report shown is written to the access log.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import MANAGERS
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.i18n import NATIVE_NAMES
from fieldapp.reports import services
from fieldapp.reports.models import STORY_MAX
from fieldapp.reports.models import QuarterStory

bp = Blueprint("reports", __name__, template_folder="templates")


def today() -> date:
    """Return today's date (a seam for tests)."""
    return date.today()


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    """Return the quarterly report page (the report, if given, below the form with
    its year, quarter and language choices) and ``status``."""
    return render_template(
        "reports/quarterly.html",
        years=list(range(today().year, services.FIRST_YEAR - 1, -1)),
        report_languages=[
            (code, NATIVE_NAMES[code]) for code in services.REPORT_LANGUAGES
        ],
        **context,
    ), status


@bp.get("/quarterly")
@require(*MANAGERS)
def quarterly() -> tuple[str, int]:
    """Show the form; with year, quarter and language, the report below it."""
    args = request.args
    current = services.current_quarter(today())
    previous = current.previous()
    selected = {
        "year": args.get("year", str(previous.year)),
        "quarter": args.get("quarter", str(previous.quarter)),
        "language": args.get("language", g.user.locale or "sq"),
    }
    if "year" not in args and "quarter" not in args:
        return _page(report=None, selected=selected)
    try:
        quarter, language = services.parse_request(
            args.get("year"), args.get("quarter"), args.get("language"), today()
        )
    except services.ReportInputError as refused:
        return _page(
            400,
            report=None,
            error=str(refused),
            selected=selected,
        )
    report = services.build(quarter, language, today())
    log.record("view", "report", quarter.label, language=language, kind="quarterly")
    db.session().commit()
    return _page(
        report=report,
        charts=services.charts_of(report),
        selected=selected,
        story_max=STORY_MAX,
        report_lang=language.replace("_", "-"),
    )


@bp.post("/quarterly/story")
@require(*MANAGERS)
def story_submit() -> Response | tuple[str, int]:
    """Save the NGO's story of a quarter (one text per quarter, any language)."""
    form = request.form
    try:
        quarter, language = services.parse_request(
            form.get("year"), form.get("quarter"), form.get("language"), today()
        )
    except services.ReportInputError as refused:
        return _page(
            400,
            report=None,
            error=str(refused),
            selected={"year": "", "quarter": "", "language": ""},
        )
    text = (form.get("story") or "").strip().replace("\r\n", "\n")
    if len(text) > STORY_MAX:
        report = services.build(quarter, language, today())
        return _page(
            400,
            report=report,
            charts=services.charts_of(report),
            selected={
                "year": str(quarter.year),
                "quarter": str(quarter.quarter),
                "language": language,
            },
            story_max=STORY_MAX,
            story_text=text,
            story_error=_(
                "The story is too long: at most %(max)d characters.", max=STORY_MAX
            ),
            report_lang=language.replace("_", "-"),
        )
    story = db.session().scalar(
        sa.select(QuarterStory).where(
            QuarterStory.year == quarter.year,
            QuarterStory.quarter == quarter.quarter,
        )
    )
    if story is None:
        story = QuarterStory(year=quarter.year, quarter=quarter.quarter)
        db.session().add(story)
    story.text = text
    story.updated_by_id = g.user.id
    log.record("update", "quarter_story", quarter.label)
    db.session().commit()
    flash(_("The story of %(quarter)s is saved.", quarter=quarter.label), "success")
    return redirect(
        url_for(
            "reports.quarterly",
            year=quarter.year,
            quarter=quarter.quarter,
            language=language,
        )
        + "#story"
    )
