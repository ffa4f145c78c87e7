"""Each of the four forms can be filled and saved with no network; online, each arrives once."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

TODAY = "2026-01-15"  # any past date: the forms refuse future visit dates


def choose(page: Page, name: str, value: str) -> None:
    """Tap the label of a radio button or checkbox, as a person does."""
    page.locator(f'label:has(input[name="{name}"][value="{value}"])').click()
    assert page.locator(f'input[name="{name}"][value="{value}"]').is_checked()


def open_offline(page: Page, context: BrowserContext, path: str) -> None:
    """Go offline and open ``path``: it must come from the service worker's cache."""
    context.set_offline(True)
    response = page.goto(path)
    assert response is not None
    assert response.from_service_worker
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")


def submit_and_confirm(page: Page) -> str:
    """Press send and return the uuid of the confirmation (saved on the phone)."""
    page.click("#fill-form button[type=submit]:visible")
    saved = page.wait_for_selector("[data-saved-uuid]")
    uuid = saved.get_attribute("data-saved-uuid")
    assert uuid
    return uuid


def fill_home_visit(page: Page, family_name: str) -> list[str]:
    """Fill the home visit for ``family_name``; return the member ids shown."""
    page.select_option(
        "#subject_id",
        label=page.locator(
            "#subject_id option", has_text=family_name
        ).first.inner_text(),
    )
    page.wait_for_selector("[data-members] input[type=checkbox]")
    members = page.eval_on_selector_all(
        "[data-members] input", "els => els.map(e => e.value)"
    )
    page.fill("#visit_date", TODAY)
    choose(page, "present_members", members[0])
    choose(page, "living_conditions", "3")
    choose(page, "risk_level", "low")
    return members


def go_online_and_drain(page: Page, context: BrowserContext, pwa: Any) -> None:
    """Reconnect and wait until the outbox is empty."""
    context.set_offline(False)
    pwa.wait_until(page, "(await outbox.list()).length === 0")


def test_intake_and_a_home_visit_for_the_new_family_work_offline_and_arrive_once(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    open_offline(page, context, "/forms/family_intake")
    page.fill("#family_name", "Offline-Family")
    page.select_option("#municipality", "prizren")  # a long list: a select
    page.fill("[name='members.0.full_name']", "Drita Offline")
    page.fill("[name='members.0.birth_year']", "1985")
    choose(page, "members.0.sex", "female")
    choose(page, "members.0.relationship", "head")
    page.click("[data-add-row='members']")
    page.fill("[name='members.1.full_name']", "Agim Offline")
    page.fill("[name='members.1.birth_year']", "2012")
    choose(page, "members.1.sex", "male")
    choose(page, "members.1.relationship", "child")
    # attends_school appears for a child (show_if), and is required once shown.
    page.wait_for_selector(
        "[name='members.1.attends_school']:not([disabled])", state="attached"
    )
    choose(page, "members.1.attends_school", "true")
    choose(page, "referral_source", "school")
    choose(page, "programme", "prevention")
    choose(page, "consent_services", "true")
    choose(page, "consent_data", "true")
    page.fill("#consent_recorded_by", "Besa")
    page.fill("#consent_date", TODAY)
    intake = submit_and_confirm(page)

    # A home visit for the family that exists only in the outbox so far.
    page.goto("/forms/home_visit")
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")
    members = fill_home_visit(page, "Offline-Family")
    assert len(members) == 2
    visit = submit_and_confirm(page)

    # And one for a family of the pulled caseload.
    page.goto("/forms/home_visit")
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")
    fill_home_visit(page, "Krasniqi")
    other = submit_and_confirm(page)
    assert len(set(pwa.queued(page))) == 3
    assert live_server.count([intake, visit, other]) == {intake: 0, visit: 0, other: 0}

    go_online_and_drain(page, context, pwa)
    assert live_server.count([intake, visit, other]) == {intake: 1, visit: 1, other: 1}
    # The visit is attached to the family the intake created, with its members.
    family = live_server.scalar(
        "SELECT family_id FROM submission WHERE replace(uuid, '-', '') = :u",
        u=visit.replace("-", ""),
    )
    assert str(family).replace("-", "") == live_server.scalar(
        "SELECT family_id FROM submission WHERE replace(uuid, '-', '') = :u",
        u=intake.replace("-", ""),
    ).replace("-", "")


def test_psych_support_session_works_offline(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "psych")
    open_offline(page, context, "/forms/psych_support")
    page.select_option("#subject_id", index=1)
    page.wait_for_selector("[data-members] input[type=checkbox]")
    page.fill("#session_date", TODAY)
    first = page.eval_on_selector("[data-members] input", "e => e.value")
    choose(page, "members_present", first)
    choose(page, "session_type", "individual")
    choose(page, "modality", "centre")
    choose(page, "interventions", "psychoeducation")
    choose(page, "risk_flags", "none")
    uuid = submit_and_confirm(page)
    go_online_and_drain(page, context, pwa)
    assert live_server.count([uuid]) == {uuid: 1}


def test_attendance_roster_comes_from_the_device_and_works_offline(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "instructor")
    course = pwa.idb(page, "(await db.all('courses'))[0]")
    open_offline(page, context, f"/forms/class_attendance?course={course['id']}")
    names = page.locator("[data-roster-rows] [data-student] .name").all_inner_texts()
    assert names == [s["full_name"] for s in course["roster"]]
    page.fill("#session_date", TODAY)
    # Everyone starts present; one tap marks a student absent.
    absent = course["roster"][0]["id"]
    choose(page, f"attendance.{absent}.status", "absent")
    uuid = submit_and_confirm(page)
    go_online_and_drain(page, context, pwa)
    assert live_server.count([uuid]) == {uuid: 1}
    status = live_server.scalar(
        "SELECT status FROM attendance WHERE replace(member_id, '-', '') = :m"
        " AND session_on = :d",  # the demo holds earlier cohorts' registers too
        m=absent.replace("-", ""),
        d=TODAY,
    )
    assert status == "absent"
