"""Issue 6/7: a device an administrator revoked wipes its local data at its next contact."""

from __future__ import annotations


def test_a_revoked_device_wipes_its_data_and_caches_and_says_why(
    page, pwa, live_server
):
    pwa.login(page, "psych")
    user_id = pwa.idb(page, "(await db.getMeta('user')).id")
    device = pwa.idb(page, f"await db.getMeta('deviceId:{user_id}')")
    assert device
    assert (
        pwa.idb(page, "(await db.all('families')).length") > 0
    )  # the caseload is here
    assert page.evaluate("caches.keys()")

    with live_server.app.app_context():
        from fieldapp import db
        from fieldapp.devices.models import Device

        row = db.session().get(Device, __import__("uuid").UUID(device))
        assert row is not None
        row.revoked_at = db.utcnow()
        db.session().commit()

    pwa.idb(page, "await sync.requestSync('test')")
    pwa.wait_until(page, "Boolean(await db.getMeta('revokedAt'))")
    assert pwa.idb(page, "(await db.all('families')).length") == 0
    assert pwa.idb(page, "(await outbox.list()).length") == 0
    assert (
        page.evaluate(
            "(async () => (await caches.keys()).filter((n) => n.startsWith('fieldapp-')))()"
        )
        == []
    )
    page.reload()
    # The status line tells the worker why (in their language: Serbian Latin for psych).
    status = page.locator("#status")
    for _ in range(50):
        if "uređaj" in status.inner_text():
            break
        page.wait_for_timeout(100)
    assert "uređaj" in status.inner_text()
