from __future__ import annotations


def test_healthz_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": True}


def test_login_then_start_page(client, auth, make_user):
    make_user("ana", "social_worker")
    response = auth.login("ana")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Ana" in page.get_data(as_text=True)
