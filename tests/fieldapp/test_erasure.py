"""Issue 20: erasing a family removes every row about it, everywhere, and leaves the fact."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.protection import erasure
from fieldapp.push.models import Notification
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict

from .test_backup import SECRET_NOTE
from .test_backup import _fill
from .test_backup import scratch

_ = scratch


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session().scalar(
            sa.select(sa.func.count()).select_from(model).where(*where)
        )


def test_discovery_covers_every_table_that_refers_to_a_family(app) -> None:
    """Every table with a foreign key to family, member or submission, or to a table
    that does (a case, then its services ...), is followed, with a usable key."""
    with app.app_context():
        tables = db.Model.metadata.tables
        closure = set(erasure.ROOTS) | set(erasure.LINKS)
        while True:
            more = {
                table.name
                for table in tables.values()
                for fk in table.foreign_keys
                if fk.column.table.name in closure
            } - closure
            if not more:
                break
            closure |= more
        found = {t.name for t, _c, _r in erasure.referencing(closure)}
        every = {
            table.name
            for table in tables.values()
            for fk in table.foreign_keys
            if fk.column.table.name in closure
        }
        assert every <= found
        assert {"member", "assignment", "enrolment", "attendance"} <= found
        assert "submission_conflict" in found
        for name in found:
            erasure._key(tables[name])  # one-column primary key, or it raises


def _notify(app, family_id) -> None:
    with app.app_context():
        user_id = db.session().scalar(sa.select(db.table_of(Family).c.created_by_id))
        from fieldapp.auth.models import User

        user_id = user_id or db.session().scalar(sa.select(User.id).limit(1))
        db.session().add(
            Notification(
                user_id=user_id,
                kind="visit_due",
                dedupe_key=f"visit_due:{family_id}",
                payload={"url": f"/families/{family_id}"},
            )
        )
        db.session().commit()


def test_admin_erases_a_family_after_typing_its_code(app, world, signed_in) -> None:
    family_id = world.ids["family"]
    _notify(app, family_id)
    social, _token = signed_in("social")
    assert (
        str(family_id)
        in social.get(
            "/api/v1/sync/pull", headers={"X-Device-Id": str(world.ids["device"])}
        ).json["family_ids"]
    )
    admin, token = signed_in("admin")
    admin.get("/families/?q=Krasniqi")  # a search that names the family, logged
    page = admin.get(f"/families/{family_id}/erase")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Family members" in text
    assert "Forms filled about the family" in text
    code = str(family_id)[:8]
    assert code in text
    submissions = _count(app, Submission, Submission.family_id == family_id)
    assert submissions >= 1

    wrong = admin.post(
        f"/families/{family_id}/erase", data={"csrf_token": token, "confirm": "nope"}
    )
    assert wrong.status_code == 422
    assert "does not match" in wrong.get_data(as_text=True)
    assert _count(app, Family, Family.id == family_id) == 1

    done = admin.post(
        f"/families/{family_id}/erase", data={"csrf_token": token, "confirm": code}
    )
    assert done.status_code == 302
    assert _count(app, Family, Family.id == family_id) == 0
    assert _count(app, Member, Member.family_id == family_id) == 0
    assert _count(app, Submission, Submission.family_id == family_id) == 0
    assert _count(app, SubmissionConflict) == 0
    assert _count(app, RejectedSubmission) == 0
    assert _count(app, Notification) == 0
    assert _count(app, Family) == 1  # the other family stays
    with app.app_context():
        entry = (
            db.session()
            .scalars(sa.select(AccessLogEntry).where(AccessLogEntry.action == "erase"))
            .one()
        )
        assert entry.record_id == str(family_id)
        assert entry.username == "admin"
        assert entry.detail["rows"] >= 5
        log_text = " ".join(
            repr(row)
            for row in db.session().execute(
                sa.select(AccessLogEntry.detail, AccessLogEntry.record_id)
            )
        )
        assert "Krasniqi" not in log_text
        assert "Arben" not in log_text
        assert erasure.is_erased(family_id)
    pulled = social.get(
        "/api/v1/sync/pull", headers={"X-Device-Id": str(world.ids["device"])}
    ).json
    assert str(family_id) not in pulled["family_ids"]
    assert admin.get(f"/families/{family_id}").status_code == 404


def test_erase_command(app, world, runner) -> None:
    unknown = runner.invoke(args=["family", "erase", str(uuid.uuid4()), "--yes"])
    assert unknown.exit_code == 1
    assert "no family has the id" in unknown.output
    garbage = runner.invoke(args=["family", "erase", "not-an-id", "--yes"])
    assert garbage.exit_code == 1
    assert len(garbage.output.strip().splitlines()) == 1
    assert _count(app, Family) == 2
    family_id = world.ids["family"]
    result = runner.invoke(args=["family", "erase", str(family_id), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased family" in result.output
    assert _count(app, Family) == 1
    assert _count(app, Member, Member.family_id == family_id) == 0


UNIQUE = "Zyqerije Xhaferxhiu"


def _family_to_erase(app: Flask) -> tuple[uuid.UUID, list[bytes]]:
    """A family with names found nowhere else, a visit with a plain and a sealed note."""
    with app.test_request_context():
        from fieldapp.auth.models import User
        from fieldapp.families import services as family_services
        from fieldapp.submissions.ingest import ingest_item

        family = Family(id=uuid.uuid4(), name=f"Familja {UNIQUE}", village="Qyqavicë")
        family.members.append(
            Member(id=uuid.uuid4(), full_name=f"Ylberina {UNIQUE}", birth_year=2011)
        )
        family_services.index_family(family)
        db.session().add(family)
        db.session().commit()
        social = db.session().scalar(sa.select(User).where(User.username == "admin"))
        result = ingest_item(
            {
                "uuid": str(uuid.uuid4()),
                "form_id": "home_visit",
                "form_version": 1,
                "subject_id": str(family.id),
                "respondent_locale": "en",
                "answers": {
                    "visit_date": "2026-01-05",
                    "present_members": [str(family.members[0].id)],
                    "living_conditions": 2,
                    "risk_level": "low",
                    "others_present": f"Tezja {UNIQUE}",
                    "follow_up": f"Plain follow-up about {UNIQUE}",
                    "observations": f"{SECRET_NOTE} {UNIQUE}",
                },
            },
            user=social,
            device_id=None,
            locale="en",
        )
        assert result.status == "accepted", result.errors
        needles = [UNIQUE.encode(), b"Xhaferxhiu", b"xhaferxhiu", "Qyqavicë".encode()]
        return family.id, needles


def test_a_raw_dump_after_erasure_holds_none_of_the_family(
    scratch: Flask,
) -> None:
    _fill(scratch)
    family_id, needles = _family_to_erase(scratch)
    # A search by the family's name is in the access log before the erasure.
    with scratch.test_request_context():
        from fieldapp.audit import log

        log.record("list", "family", q="xhaferxhiu")
        db.session().commit()
    engine = db.engine(scratch)
    assert b"Xhaferxhiu" in _raw(engine)  # the test can see the family before
    result = scratch.test_cli_runner().invoke(
        args=["family", "erase", str(family_id), "--yes"]
    )
    assert result.exit_code == 0, result.output
    raw = _raw(engine)
    for needle in needles:
        assert needle not in raw, needle
    assert str(family_id).encode() in raw  # the fact of the erasure is kept


def _raw(engine: sa.Engine) -> bytes:
    """SQLite: the database file and its write-ahead log; PostgreSQL: a pg_dump."""
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database or "")
        files = [database, Path(f"{database}-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists())
    return _pg_dump(engine)


def _pg_dump(engine: sa.Engine) -> bytes:
    from fieldapp.backup import _pg_env

    return subprocess.run(
        ["pg_dump", "--format=plain", "--no-owner"],
        env=_pg_env(engine),
        check=True,
        capture_output=True,
    ).stdout


def test_items_about_an_erased_family_are_refused_and_not_kept(app, world, runner):
    from datetime import date

    from fieldapp.submissions.ingest import ingest_item
    from sync import samples

    family_id = world.ids["family"]
    result = runner.invoke(args=["family", "erase", str(family_id), "--yes"])
    assert result.exit_code == 0, result.output
    visit = {
        "uuid": str(uuid.uuid4()),
        "form_id": "home_visit",
        "form_version": 1,
        "subject_id": str(family_id),
        "respondent_locale": "en",
        "answers": {
            "visit_date": date.today().isoformat(),
            "present_members": [],
            "living_conditions": 3,
            "risk_level": "low",
            "observations": "still about them",
        },
    }
    intake = samples.family_intake(family_id, name="Krasniqi")
    with app.test_request_context():
        from fieldapp.auth.models import User

        social = db.session().scalar(sa.select(User).where(User.username == "social"))
        for item in (visit, intake):
            found = ingest_item(
                item, user=social, device_id=None, locale="en", keep_rejected=True
            )
            assert found.status == "refused", found
            assert found.code == "family_erased"
            assert "erased" in found.message
    assert _count(app, Family, Family.id == family_id) == 0
    assert _count(app, Submission, Submission.family_id == family_id) == 0
    assert _count(app, RejectedSubmission) == 0
