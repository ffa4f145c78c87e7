"""Issue 7: sensitive answers survive a key rotation; the old key can then be dropped."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken

from fieldapp import create_app
from fieldapp import crypto
from fieldapp import db
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


def test_without_configured_keys_a_key_file_is_made_outside_the_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": f"sqlite:///{tmp_path}/k.sqlite",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        token = crypto.encrypt_json({"a": 1})
        assert crypto.decrypt_json(token) == {"a": 1}
    key_file = tmp_path / "instance" / "data-keys"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
