"""The one place that decides who may do what, and which records each user may see.

Every view declares its rule with ``@require(...)``; queries for records go through the
``*_visible_to`` functions, and single records through the ``get_*_or_404`` helpers, which
answer 404 (not 403) for a record outside the user's scope so ids cannot be probed.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.cases.models import SupportCase
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.errors import AppError
from fieldapp.errors import ForbiddenError
from fieldapp.errors import NotFoundError
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.i18n import current_language
from fieldapp.submissions.models import Submission
from forms.collation import sorted_by
from forms.collation import surname_first

F = TypeVar("F", bound=Callable[..., Any])

#: Roles that manage the whole programme and see every family and course.
MANAGERS = frozenset({Role.ADMIN, Role.COORDINATOR})
#: Roles whose caseload is the families assigned to them.
CASE_WORKERS = frozenset({Role.SOCIAL_WORKER, Role.PSYCHOLOGIST})
ALL_ROLES = frozenset(Role)

#: Who may read a form's sensitive answers, per form id ("*" for the rest). The NGO
#: may widen this with the SENSITIVE_READERS setting (a JSON object of lists).
DEFAULT_SENSITIVE_READERS: dict[str, frozenset[str]] = {
    "psych_support": frozenset({Role.PSYCHOLOGIST}),
    "*": frozenset({Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.COORDINATOR}),
}
#: Who may read submissions of a form at all (within their record scope).
FORM_READERS: dict[str, frozenset[str]] = {
    "family_intake": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
    "home_visit": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
    "psych_support": frozenset({Role.ADMIN, Role.COORDINATOR, Role.PSYCHOLOGIST}),
    "class_attendance": frozenset({Role.ADMIN, Role.COORDINATOR, Role.INSTRUCTOR}),
    "life_skills": frozenset({Role.ADMIN, Role.COORDINATOR, Role.INSTRUCTOR}),
    "group_activity": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.INSTRUCTOR, Role.SOCIAL_WORKER}
    ),
    "self_esteem": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
    "school_attendance": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
    "school_behaviour": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
    "case_follow_up": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
    "service_record": frozenset(
        {Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}
    ),
}

#: Whose accounts each role may create, edit, give a role to (or take one from), and
#: deactivate or reactivate (issue 22). An account of a role grants that role's access
#: to whoever holds its password, so no role may make or change accounts of a role that
#: sees more than it does: a psychologist's account reads clinical notes, an admin's
#: everything, and only admins make or change those. Roles missing here manage none.
ACCOUNT_MANAGERS: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_ROLES,
    Role.COORDINATOR: frozenset(
        {Role.SOCIAL_WORKER, Role.INSTRUCTOR, Role.COORDINATOR}
    ),
}
#: Who may issue a temporary password to someone else's account (it ends that person's
#: sessions and gives the issuer a way in until the owner chooses their own). Nobody
#: sets another person's password directly.
PASSWORD_ISSUERS = frozenset({Role.ADMIN})

#: Every view's rule, by endpoint; tests/fieldapp/test_access_matrix.py walks the URL map
#: and fails on an endpoint that is not listed here.
RULES: dict[str, frozenset[str] | None] = {}


def current_user() -> User | None:
    """Return the signed-in user of this request, if any."""
    user: User | None = g.get("user")
    return user


def require(
    *roles: Role | str, public: bool = False, during_password_change: bool = False
) -> Callable[[F], F]:
    """Let only signed-in users with one of ``roles`` (all roles if none) into a view.

    ``public=True`` marks a view anyone may open (login page, health check, assets).
    ``during_password_change=True`` marks a view open to a user who must still choose
    their own password (someone else issued the one they signed in with); every other
    view sends them to choose it first.
    :raise 401/403: for anonymous users (redirected to login on pages) or other roles;
        403 ``password_change_required`` on the API until the password is chosen.
    """
    allowed = frozenset(Role(r) for r in roles) if roles else ALL_ROLES

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not public:
                user = current_user()
                if user is None:
                    if request.path.startswith("/api/"):
                        raise AppError(status_code=401, code="login_required")
                    return redirect(url_for("auth.login", next=request.full_path))
                if user.must_change_password and not during_password_change:
                    return _password_change_required()
                if user.role not in allowed:
                    raise ForbiddenError()
            return view(*args, **kwargs)

        wrapped.access_rule = None if public else allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _password_change_required() -> Response:
    """Send a user who must choose their password to that page (API: a 403)."""
    if request.path.startswith("/api/"):
        raise AppError(
            _("Choose your own password first: open any page of the app to do it."),
            status_code=403,
            code="password_change_required",
        )
    # Come back to the page asked for, unless it was a form being sent.
    next_path = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.password", next=next_path))


def redirect_to_login() -> Response:
    """Send an anonymous visitor to the login page, coming back here afterwards."""
    return redirect(url_for("auth.login", next=request.full_path))


def is_manager(user: User) -> bool:
    """Tell whether ``user`` sees every family and course."""
    return user.role in MANAGERS


def _assigned_family_ids(user: User) -> sa.Select[uuid.UUID]:
    return sa.select(Assignment.family_id).where(
        Assignment.user_id == user.id, Assignment.ended_at.is_(None)
    )


def family_visible(user: User) -> sa.ColumnElement[bool]:
    """Return the condition on Family that holds when ``user`` may see the family."""
    return family_visible_for(user.role, sa.bindparam(None, user.id))


def family_visible_for(
    role: str, user_id: sa.ColumnElement[int], *, few: bool = False
) -> sa.ColumnElement[bool]:
    """Return the condition for a user of ``role`` whose id is ``user_id``.

    ``user_id`` may be a named bind parameter: hot paths build the query once per role.
    ``few``: the query is about a few families named by id, so ask about each of them
    (the index on assignment.family_id) rather than gather the whole caseload first.
    """
    if role in MANAGERS:
        return sa.true()
    if role in CASE_WORKERS:
        current = (Assignment.user_id == user_id, Assignment.ended_at.is_(None))
        if few:
            return sa.exists().where(Assignment.family_id == Family.id, *current)
        return Family.id.in_(sa.select(Assignment.family_id).where(*current))
    return sa.false()


def families_visible_to(user: User) -> sa.Select[Family]:
    """Return a query of the families ``user`` may see."""
    return sa.select(Family).where(family_visible(user))


def can_see_family(user: User, family_id: uuid.UUID) -> bool:
    """Tell whether ``user`` may see the family ``family_id``."""
    if is_manager(user):
        return True
    if user.role not in CASE_WORKERS:
        return False
    query = _assigned_family_ids(user).where(Assignment.family_id == family_id)
    return db.session().scalar(query.limit(1)) is not None


def get_family_or_404(user: User, family_id: uuid.UUID | str) -> Family:
    """Return the family if ``user`` may see it.

    :raise 404: if it does not exist or is outside the user's scope.
    """
    fid = parse_uuid_or_404(family_id)
    family = db.session().get(Family, fid)
    if family is None or not can_see_family(user, family.id):
        raise NotFoundError()
    return family


def cases_visible_to(user: User) -> sa.Select[SupportCase]:
    """Return a query of the cases ``user`` may see: those of the families they see.

    Instructors see no case data at all.
    """
    return (
        sa.select(SupportCase)
        .join(Family, Family.id == SupportCase.family_id)
        .where(family_visible(user))
    )


def get_case_or_404(user: User, case_id: int) -> SupportCase:
    """Return the case if ``user`` may see its family.

    :raise 404: if it does not exist or is outside the user's scope.
    """
    case = db.session().get(SupportCase, case_id)
    if case is None or not can_see_family(user, case.family_id):
        raise NotFoundError()
    return case


def courses_visible_to(user: User) -> sa.Select[Course]:
    """Return a query of the courses ``user`` may see."""
    query = sa.select(Course)
    if is_manager(user):
        return query
    if user.role == Role.INSTRUCTOR:
        return query.where(Course.instructor_id == user.id)
    return query.where(sa.false())


def get_course_or_404(user: User, course_id: int) -> Course:
    """Return the course if ``user`` may see it.

    :raise 404: if it does not exist or is outside the user's scope.
    """
    course = db.session().get(Course, course_id)
    if course is None or not (is_manager(user) or course.instructor_id == user.id):
        raise NotFoundError()
    return course


def roster_of(course: Course) -> list[Member]:
    """Return the students currently enrolled in ``course``, by surname."""
    query = (
        sa.select(Member)
        .join(Enrolment, Enrolment.member_id == Member.id)
        .where(Enrolment.course_id == course.id, Enrolment.ended_on.is_(None))
        .order_by(Member.full_name)
    )
    members = db.session().scalars(query)
    locale = current_language() if has_request_context() else "sq"
    return sorted_by(members, lambda m: surname_first(m.full_name), locale)


#: Who may read the risk a student's referral names (within their family scope).
REFERRAL_RISK_READERS = MANAGERS | CASE_WORKERS


def teaches(user: User, member_id: uuid.UUID) -> bool:
    """Tell whether ``user`` teaches, or taught, a course ``member_id`` enrolled in."""
    query = (
        sa.select(Enrolment.id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.member_id == member_id, Course.instructor_id == user.id)
    )
    return db.session().scalar(query.limit(1)) is not None


def student_view_or_404(user: User, member_id: uuid.UUID | str) -> tuple[Member, str]:
    """Return the member and how much of their progress ``user`` may see.

    "case": everything the family's case scope allows (managers, the family's case
    workers); "class": attendance and the life-skills checklist only (their instructor).

    :raise 404: if the member does not exist or is outside the user's scope.
    """
    mid = parse_uuid_or_404(member_id)
    member = db.session().get(Member, mid)
    if member is None:
        raise NotFoundError()
    if can_see_family(user, member.family_id):
        return member, "case"
    if user.role == Role.INSTRUCTOR and teaches(user, member.id):
        return member, "class"
    raise NotFoundError()


def may_read_referral_risk(user: User, member: Member) -> bool:
    """Tell whether ``user`` may read the risk named in ``member``'s referral."""
    return user.role in REFERRAL_RISK_READERS and can_see_family(user, member.family_id)


def students_visible_to(user: User) -> sa.Select[Member]:
    """Return a query of the members in the programme's courses ``user`` may see."""
    query = sa.select(Member).join(Family, Family.id == Member.family_id)
    if user.role == Role.INSTRUCTOR:
        taught = (
            sa.select(Enrolment.member_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Course.instructor_id == user.id)
        )
        return query.where(Member.id.in_(taught))
    return query.where(family_visible(user))


def may_fill(user: User, roles: Iterable[str]) -> bool:
    """Tell whether ``user`` may fill a form open to ``roles``."""
    return user.role in set(roles)


def may_read_form(user: User, form_id: str) -> bool:
    """Tell whether ``user``'s role may read submissions of ``form_id`` at all."""
    readers = FORM_READERS.get(form_id, frozenset({Role.ADMIN, Role.COORDINATOR}))
    return user.role in readers


def may_read_sensitive(user: User, form_id: str) -> bool:
    """Tell whether ``user`` may read the sensitive answers of ``form_id``."""
    configured: dict[str, list[str]] = current_app.config.get("SENSITIVE_READERS") or {}
    readers = configured.get(form_id) or configured.get("*")
    if readers is not None:
        return user.role in readers
    default = DEFAULT_SENSITIVE_READERS.get(form_id, DEFAULT_SENSITIVE_READERS["*"])
    return user.role in default


#: Who may download a form's records as a file (issue 18). Only the roles that see every
#: record: a file leaves the app's access rules, its log and its encryption behind, so
#: case workers and instructors, who carry phones into the field, read records in the
#: app only. Within a form, rows and sensitive columns still follow the rules below.
EXPORTERS = MANAGERS
#: Who may ask for names instead of pseudonyms in an export.
NAME_EXPORTERS = MANAGERS


def may_export(user: User) -> bool:
    """Tell whether ``user`` may download records as files at all."""
    return user.role in EXPORTERS


def may_export_names(user: User) -> bool:
    """Tell whether ``user`` may export names rather than pseudonyms."""
    return user.role in NAME_EXPORTERS


def submission_visible(user: User) -> sa.ColumnElement[bool]:
    """Return the condition on Submission that holds when ``user`` may read the record.

    The query twin of ``submissions.services.may_read`` (the form's readers are checked
    apart, with ``may_read_form``): managers read every record; others their own, those
    about a course they teach, and those about a family in their caseload.
    """
    if is_manager(user):
        return sa.true()
    taught = Submission.course_id.in_(
        sa.select(Course.id).where(Course.instructor_id == user.id)
    )
    about_family: sa.ColumnElement[bool] = sa.false()
    if user.role in CASE_WORKERS:
        about_family = sa.and_(
            Submission.course_id.is_(None),
            Submission.family_id.in_(_assigned_family_ids(user)),
        )
    return sa.or_(
        Submission.author_id == user.id,
        sa.and_(Submission.course_id.is_not(None), taught),
        about_family,
    )


def manageable_roles(user: User) -> frozenset[str]:
    """Return the roles whose accounts ``user`` may create and change."""
    return ACCOUNT_MANAGERS.get(user.role, frozenset())


def may_manage_account(user: User, account: User) -> bool:
    """Tell whether ``user`` may open and change the details of ``account``."""
    return account.role in manageable_roles(user)


def may_give_role(user: User, role: str) -> bool:
    """Tell whether ``user`` may create an account of ``role`` or give one that role."""
    return role in manageable_roles(user)


def may_change_standing(user: User, account: User) -> bool:
    """Tell whether ``user`` may change the role of ``account`` or whether it may sign in.

    Nobody changes their own: the last administrator could otherwise leave none.
    """
    return account.id != user.id and may_manage_account(user, account)


def may_issue_password(user: User, account: User) -> bool:
    """Tell whether ``user`` may issue a temporary password to ``account``.

    Not to their own: they change it with the current one (auth.password).
    """
    return user.role in PASSWORD_ISSUERS and account.id != user.id


def parse_uuid_or_404(value: uuid.UUID | str) -> uuid.UUID:
    """Parse ``value`` as a UUID.

    :raise 404: if it is not one.
    """
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise NotFoundError() from None


def check_every_view_has_a_rule(app: Flask) -> None:
    """Refuse to start if a view was registered without ``@require``.

    :raise RuntimeError: naming the endpoint that has no access decision.
    """
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        if not hasattr(view, "access_rule"):
            raise RuntimeError(f"View {endpoint!r} has no @require(...) access rule.")
