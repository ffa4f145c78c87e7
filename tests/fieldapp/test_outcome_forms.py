"""Issue 17: outcome measures filled online; the score is stored with the answers."""

from __future__ import annotations

from tests.fieldapp.test_fill_online import TODAY
from tests.fieldapp.test_fill_online import _envelope
from tests.fieldapp.test_fill_online import _stored


def _open(client, family, lang: str = "en") -> tuple[str, dict[str, object]]:
    page = client.get(f"/forms/self_esteem?family={family.id}&lang={lang}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return text, _envelope(text) | {"subject_id": str(family.id)}


def _answers(family, values) -> dict[str, object]:
    out: dict[str, object] = {
        "student": str(family.members[1].id),
        "timepoint": "baseline",
        "measure_date": TODAY,
    }
    out |= {f"rses_{n}": str(v) for n, v in enumerate(values, 1) if v is not None}
    return out


def test_the_score_is_stored_with_the_answers(
    client, auth, make_user, make_family, app
):
    social = make_user("social", "social_worker")
    family = make_family(
        "Hoxha", members=("Lumnije Hoxha", "Endrit Hoxha"), assigned_to=(social,)
    )
    auth.login("social")
    page, envelope = _open(client, family, "sq")
    assert "nuk është kontrolluar nga një folës amtar" in page  # unreviewed translation
    data = envelope | _answers(family, (3, 0, 2, 1, 1, 2, 3, 3, 0, 2))
    response = client.post("/forms/self_esteem", data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    stored = _stored(app, str(data["submission_uuid"]))
    assert stored is not None
    assert stored.form_version == 1
    assert stored.answers["_scores"] == {"self_esteem": 20}
    assert stored.answers["timepoint"] == "baseline"
    # The receipt's detail shows the score computed by the server.
    detail = client.get(f"/submissions/{stored.uuid}?lang=en").get_data(as_text=True)
    assert '<dd data-score="self_esteem">20</dd>' in detail


def test_missing_items_are_named_and_the_rest_kept(
    client, auth, make_user, make_family, app
):
    social = make_user("social", "social_worker")
    family = make_family(
        "Hoxha", members=("Lumnije Hoxha", "Endrit Hoxha"), assigned_to=(social,)
    )
    auth.login("social")
    _, envelope = _open(client, family)
    data = envelope | _answers(family, (3, None, 2, 1, 1, 2, 3, 3, 0, "4"))
    response = client.post("/forms/self_esteem", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="rses_2-error"' in page
    assert 'id="rses_10-error"' in page
    assert _stored(app, str(data["submission_uuid"])) is None
    # complete but out of range: no score, the item's own message
    data = envelope | _answers(family, (3, 3, 2, 1, 1, 2, 3, 3, 0, None))
    response = client.post("/forms/self_esteem", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "No score yet: statements 10 are not answered." in page
    assert 'value="3"' in page


def test_attendance_over_days_possible_is_refused(
    client, auth, make_user, make_family, app
):
    social = make_user("social", "social_worker")
    family = make_family(
        "Hoxha", members=("Lumnije Hoxha", "Endrit Hoxha"), assigned_to=(social,)
    )
    auth.login("social")
    text = client.get(
        f"/forms/school_attendance?family={family.id}&lang=sr_Cyrl"
    ).get_data(as_text=True)
    data = _envelope(text) | {
        "subject_id": str(family.id),
        "student": str(family.members[1].id),
        "timepoint": "mid",
        "measure_date": TODAY,
        "days_possible": "90",
        "days_attended": "95",
    }
    response = client.post("/forms/school_attendance", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Дана присуства не може бити више од наставних дана (90)." in page
    assert 'value="95"' in page
