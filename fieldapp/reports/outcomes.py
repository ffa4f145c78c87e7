"""The outcome measures the donor report compares, and what counts as improving.

The one place where the margins are set. A student "improved" when the change from
the baseline to the completion record is at least ``margin`` in the better direction
(``direction`` +1: higher is better; -1: lower is better). The margins are the
smallest changes the programme staff consider real rather than noise:

- self-esteem (Rosenberg scale, 0-30): 3 points, about one standard error of the scale;
- school attendance rate: 10 percentage points (about two school days in a month);
- disciplinary incidents in the term: 1 fewer;
- teacher's rating (1-4): 1 step;
- life skills shown (0-6 on the checklist): 1 more skill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from fieldapp.prevention.progress import Measures


@dataclass(frozen=True)
class OutcomeMeasure:
    """One measure: how to read it from a student's Measures, and its margin."""

    code: str
    label: object
    read: Callable[[Measures], float | None]
    direction: int
    margin: float
    unit: str = ""


OUTCOME_MEASURES = (
    OutcomeMeasure(
        "self_esteem", _l("Self-esteem (0–30)"), lambda m: m.self_esteem, 1, 3
    ),
    OutcomeMeasure(
        "school_attendance",
        _l("School attendance rate"),
        lambda m: m.school_rate,
        1,
        10,
        "%",
    ),
    OutcomeMeasure(
        "incidents", _l("Disciplinary incidents"), lambda m: m.incidents, -1, 1
    ),
    OutcomeMeasure(
        "teacher_rating", _l("Teacher's rating (1–4)"), lambda m: m.teacher_rating, 1, 1
    ),
    OutcomeMeasure(
        "life_skills", _l("Life skills shown (0–6)"), lambda m: m.life_skills, 1, 1
    ),
)


def improved(measure: OutcomeMeasure, before: float, after: float) -> bool:
    """Tell whether the change from ``before`` to ``after`` reaches the margin."""
    return (after - before) * measure.direction >= measure.margin
