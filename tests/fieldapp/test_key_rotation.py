"""Issue 7: sensitive answers survive a key rotation; the old key can then be dropped."""

from __future__ import annotations

import base64
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken

from fieldapp import create_app
from fieldapp import crypto
from fieldapp import db
from fieldapp.db import utcnow
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.models import Submission

NOTE = "Clinical note that must survive the rotation"


def test_rotating_keys_reencrypts_stored_answers(
    app, runner, make_user, make_family, database_url
):
    old_key = app.config["DATA_KEYS"]
    psych = make_user("psych", "psychologist")
    family = make_family(assigned_to=(psych,))
    with app.test_request_context():
        result = ingest_item(
            {
                "uuid": str(uuid.uuid4()),
                "form_id": "psych_support",
                "form_version": 1,
                "subject_id": str(family.id),
                "respondent_locale": "en",
                "answers": {
                    "session_date": date.today().isoformat(),
                    "members_present": [str(family.members[0].id)],
                    "session_type": "family",
                    "modality": "centre",
                    "interventions": ["psychoeducation"],
                    "risk_flags": ["none"],
                    "clinical_notes": NOTE,
                },
            },
            user=db.session().merge(psych),
            device_id=None,
            locale="en",
        )
        assert result.status == "accepted"
        before = db.session().scalar(sa.select(Submission.sensitive_answers))

    new_key = Fernet.generate_key().decode()
    app.config["DATA_KEYS"] = f"{new_key},{old_key}"
    app.extensions.pop("fieldapp.crypto", None)
    outcome = runner.invoke(args=["keys", "rotate"])
    assert outcome.exit_code == 0, outcome.output
    assert "Re-encrypted 1" in outcome.output

    # Only the new key remains: the stored answer still opens, and it changed.
    app.config["DATA_KEYS"] = new_key
    app.extensions.pop("fieldapp.crypto", None)
    with app.app_context():
        after = db.session().scalar(sa.select(Submission.sensitive_answers))
        assert after != before
        assert crypto.decrypt_json(after)["clinical_notes"] == NOTE
        # ...and the old ciphertext no longer opens without the old key.
        try:
            crypto.decrypt_json(before)
        except InvalidToken:
            pass
        else:
            raise AssertionError("the old ciphertext opened without the old key")


def test_keys_generate_prints_a_usable_key(runner):
    outcome = runner.invoke(args=["keys", "generate"])
    assert outcome.exit_code == 0
    Fernet(outcome.output.strip().encode())  # raises if it is not a valid key


def test_without_configured_keys_a_key_file_is_made_outside_the_database(
    tmp_path, monkeypatch
):
    # Keys are read when the app is made, from its instance folder: point it here.
    monkeypatch.setattr(
        crypto, "_key_file", lambda _app: tmp_path / "instance" / "data-keys"
    )
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": f"sqlite:///{tmp_path}/k.sqlite",
        }
    )
    assert (tmp_path / "instance" / "data-keys").exists()
    with app.app_context():
        token = crypto.encrypt_json({"a": 1})
        assert crypto.decrypt_json(token) == {"a": 1}
    key_file = tmp_path / "instance" / "data-keys"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def _flip(token: str, at: int) -> str:
    """Return ``token`` with one byte of what it seals changed."""
    sealed = bytearray(base64.urlsafe_b64decode(token[3:]))
    sealed[at] ^= 1
    return "v2." + base64.urlsafe_b64encode(bytes(sealed)).decode()


def test_values_are_sealed_with_aes_gcm_and_any_change_is_refused(app):
    with app.app_context():
        token = crypto.encrypt_json({"clinical_notes": NOTE})
        assert token.startswith("v2.")
        assert NOTE not in token
        assert crypto.encrypt_json({"clinical_notes": NOTE}) != token  # fresh nonce
        assert crypto.decrypt_json(token) == {"clinical_notes": NOTE}
        for changed in (
            _flip(token, 0),  # the nonce
            _flip(token, 20),  # the ciphertext
            _flip(token, -1),  # the tag
            "v1." + token[3:],  # the version (not a Fernet token either)
            token[:-4],
            "v2.not base64!",
            "v2.",
        ):
            with pytest.raises(InvalidToken):
                crypto.decrypt_json(changed)


def test_values_sealed_with_another_key_do_not_open(app):
    with app.app_context():
        token = crypto.encrypt_json({"a": 1})
    app.config["DATA_KEYS"] = Fernet.generate_key().decode()
    app.extensions.pop("fieldapp.crypto", None)
    with app.app_context(), pytest.raises(InvalidToken):
        crypto.decrypt_json(token)


def test_fernet_values_stored_before_still_open_and_rotate_to_aes_gcm(
    app, runner, make_user
):
    key = app.config["DATA_KEYS"].split(",")[0]
    legacy = Fernet(key.encode()).encrypt(b'{"clinical_notes": "before"}').decode()
    assert legacy.startswith("gAAAA")
    author = make_user("psych", "psychologist")
    with app.app_context():
        assert crypto.decrypt_json(legacy) == {"clinical_notes": "before"}
        session = db.session()
        session.add(
            Submission(
                uuid=uuid.uuid4(),
                form_id="psych_support",
                form_version=1,
                subject_type="family",
                author_id=author.id,
                received_at=utcnow(),
                respondent_locale="sq",
                answers={},
                sensitive_answers=legacy,
                content_hash="x",
            )
        )
        session.commit()
    outcome = runner.invoke(args=["keys", "rotate"])
    assert outcome.exit_code == 0, outcome.output
    with app.app_context():
        token = db.session().scalar(sa.select(Submission.sensitive_answers))
        assert token.startswith("v2.")
        assert crypto.decrypt_json(token) == {"clinical_notes": "before"}


def test_rotation_finds_every_sealed_column_from_the_schema(app):
    # A column declared with info=SEALED is rotated; this lists what is today, so a
    # new sealed column shows up here (and in rotation) without touching crypto.py.
    found = {f"{c.table.name}.{c.name}" for c in crypto.sealed_columns()}
    assert found == {
        "submission.sensitive_answers",
        "submission_conflict.payload",
        "rejected_submission.payload",
        "student.referral_risk",
        "device.vault_key",
    }
