"""Import every feature's models, so the metadata (and Alembic) knows all tables."""

from __future__ import annotations

from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import LoginAttempt
from fieldapp.auth.models import User
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.db import Model
from fieldapp.devices.models import Device
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.protection.models import FamilyConsent
from fieldapp.push.models import Notification
from fieldapp.push.models import PushSubscription
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict

metadata = Model.metadata

__all__ = [
    "AccessLogEntry",
    "Assignment",
    "Attendance",
    "AuthSession",
    "Course",
    "Device",
    "Enrolment",
    "Family",
    "FamilyConsent",
    "LoginAttempt",
    "Member",
    "Notification",
    "PushSubscription",
    "RejectedSubmission",
    "Submission",
    "SubmissionConflict",
    "User",
    "metadata",
]
