"""Import every feature's models, so the metadata (and Alembic) knows all tables."""

from __future__ import annotations

from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import LoginAttempt
from fieldapp.auth.models import User
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import CaseGoal
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import FollowUp
from fieldapp.cases.models import Partner
from fieldapp.cases.models import PlanReview
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.db import Model
from fieldapp.devices.models import Device
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.prevention.models import ActivityStudent
from fieldapp.prevention.models import EnrolmentEvent
from fieldapp.prevention.models import GroupActivity
from fieldapp.prevention.models import Student
from fieldapp.protection.models import FamilyConsent
from fieldapp.push.models import Notification
from fieldapp.push.models import PushSubscription
from fieldapp.reports.models import QuarterStory
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict

metadata = Model.metadata

__all__ = [
    "AccessLogEntry",
    "ActivityStudent",
    "Assignment",
    "Attendance",
    "AuthSession",
    "CaseEvent",
    "CaseGoal",
    "CaseService",
    "Course",
    "Device",
    "Enrolment",
    "EnrolmentEvent",
    "Family",
    "FamilyConsent",
    "FollowUp",
    "GroupActivity",
    "LoginAttempt",
    "Member",
    "Notification",
    "Partner",
    "PlanReview",
    "PushSubscription",
    "QuarterStory",
    "Referral",
    "RejectedSubmission",
    "Student",
    "Submission",
    "SubmissionConflict",
    "SupportCase",
    "User",
    "metadata",
]
