"""Case management: cases, services, referrals, plan, follow-ups, history

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 04:00:00

A case is a family's episode of support in a programme (referred -> active -> closed,
reopened when needed); case_service its services, referral its outgoing referrals to
a partner (the coordinator's list), case_goal and plan_review its plan, case_follow_up the follow-ups 3, 6 and 12 months
after closure; case_event
is the append-only history of them all: who, when, why, and the before and after values of every change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fieldapp.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("referral_source", sa.String(length=64), nullable=False),
        sa.Column("referring_body", sa.String(length=200), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=True),
        sa.Column("consent_services", sa.Boolean(), nullable=True),
        sa.Column("consent_data", sa.Boolean(), nullable=True),
        sa.Column("consent_share", sa.Boolean(), nullable=True),
        sa.Column("intake_uuid", sa.Uuid(), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=True),
        sa.Column("planned_end_on", sa.Date(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=32), nullable=False),
        sa.Column("closure_other", sa.String(length=200), nullable=False),
        sa.Column("closing_summary", sa.Text(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"], ["family.id"], name=op.f("fk_support_case_family_id_family")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user.id"],
            name=op.f("fk_support_case_opened_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_case")),
        sa.UniqueConstraint("intake_uuid", name=op.f("uq_support_case_intake_uuid")),
    )
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_case_family_id"), ["family_id"], unique=False
        )
        batch_op.create_index(
            "ix_support_case_status_planned_end",
            ["status", "planned_end_on"],
            unique=False,
        )

    op.create_table(
        "case_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("submission_uuid", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_case_service_case_id_support_case"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_case_service_created_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_service")),
        sa.UniqueConstraint(
            "submission_uuid", name=op.f("uq_case_service_submission_uuid")
        ),
    )
    with op.batch_alter_table("case_service", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_service_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_name")),
    )

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("consent_override", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_referral_case_id_support_case"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_referral_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_referral_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "case_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_case_goal_case_id_support_case"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_case_goal_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_goal")),
    )
    with op.batch_alter_table("case_goal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_goal_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "plan_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_plan_review_case_id_support_case"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user.id"],
            name=op.f("fk_plan_review_reviewed_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_review")),
    )
    with op.batch_alter_table("plan_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_review_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "case_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("submission_uuid", sa.Uuid(), nullable=True),
        sa.Column("created_at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_case_follow_up_case_id_support_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_follow_up")),
        sa.UniqueConstraint(
            "submission_uuid", name=op.f("uq_case_follow_up_submission_uuid")
        ),
    )
    with op.batch_alter_table("case_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_follow_up_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", fieldapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_case_event_case_id_support_case"),
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["case_goal.id"], name=op.f("fk_case_event_goal_id_case_goal")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_case_event_referral_id_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["case_service.id"],
            name=op.f("fk_case_event_service_id_case_service"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_case_event_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))
    op.drop_table("case_event")
    with op.batch_alter_table("case_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_follow_up_case_id"))
    op.drop_table("case_follow_up")
    with op.batch_alter_table("plan_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_review_case_id"))
    op.drop_table("plan_review")
    with op.batch_alter_table("case_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_goal_case_id"))
    op.drop_table("case_goal")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_case_id"))
    op.drop_table("referral")
    op.drop_table("partner")
    with op.batch_alter_table("case_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_service_case_id"))
    op.drop_table("case_service")
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_index("ix_support_case_status_planned_end")
        batch_op.drop_index(batch_op.f("ix_support_case_family_id"))
    op.drop_table("support_case")
