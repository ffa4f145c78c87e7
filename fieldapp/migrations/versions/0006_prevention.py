"""prevention programme: students, enrolment lifecycle and its history

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 04:15:00

Group activities (workshops, awareness sessions, parent meetings) and the students who
took part are written from stored group_activity forms. A student is a family member in the prevention programme; the referral's named risk is
sealed. An enrolment gets a state (enrolled, completed, left_early) and the reason a
coordinator gave for enrolling outside the age range; each step is kept as an event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fieldapp.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("referral_source", sa.String(length=32), nullable=False),
        sa.Column("referral_on", sa.Date(), nullable=True),
        sa.Column("referral_risk", sa.Text(), server_default="", nullable=False),
        sa.Column("form_locale", sa.String(length=16), nullable=False),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_student_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student")),
        sa.UniqueConstraint("member_id", name=op.f("uq_student_member_id")),
    )
    op.create_table(
        "enrolment_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("certificate", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["user.id"], name=op.f("fk_enrolment_event_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_enrolment_event_enrolment_id_enrolment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_event")),
    )
    with op.batch_alter_table("enrolment_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolment_event_enrolment_id"), ["enrolment_id"]
        )
    op.create_table(
        "group_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("topic_other", sa.String(length=200), nullable=False),
        sa.Column("facilitators", sa.String(length=300), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_group_activity_submission_id_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_activity")),
        sa.UniqueConstraint(
            "submission_id", name=op.f("uq_group_activity_submission_id")
        ),
    )
    with op.batch_alter_table("group_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_activity_held_on"), ["held_on"])
    op.create_table(
        "activity_student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["group_activity.id"],
            name=op.f("fk_activity_student_activity_id_group_activity"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_activity_student_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_student")),
        sa.UniqueConstraint(
            "activity_id",
            "member_id",
            name=op.f("uq_activity_student_activity_id_member_id"),
        ),
    )
    with op.batch_alter_table("activity_student", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_student_member_id"), ["member_id"]
        )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.String(length=16),
                server_default="enrolled",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("age_reason", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_column("age_reason")
        batch_op.drop_column("status")
    with op.batch_alter_table("activity_student", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_student_member_id"))
    op.drop_table("activity_student")
    with op.batch_alter_table("group_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_activity_held_on"))
    op.drop_table("group_activity")
    with op.batch_alter_table("enrolment_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_event_enrolment_id"))
    op.drop_table("enrolment_event")
    op.drop_table("student")
