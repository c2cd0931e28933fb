"""End to end in a real browser (headless Chromium): a resident on a phone sends an
opinion, the department answers, the resident rates the reply; office staff log in."""

from __future__ import annotations

import pytest

from renda.cases import services
from renda.cases.models import Case, CaseStatus

# The `browser` fixture (tests/fixtures/browser.py) skips these tests without Chromium.
pytestmark = pytest.mark.usefixtures("cases_world")


def test_a_resident_on_a_phone_sends_tracks_and_rates(browser, live_server, world):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/opinions/{world.c_a.pk}/new/")
    assert "清河镇人民代表大会" in page.inner_text("h1")
    page.select_option("#id_category", str(world.cat_a.pk))
    page.select_option("#id_village", str(world.village_a.pk))
    page.fill("#id_content", "村口路灯坏了三个月，晚上出行不安全，请尽快修复")
    page.fill("#id_phone", "13812345678")
    with page.expect_navigation():
        page.click("#submit-opinion")
    ticket, code = page.inner_text("#ticket"), page.inner_text("#check-code")
    case = Case.objects.get(serial=ticket)
    assert case.village == world.village_a and case.submitter_phone == "13812345678"

    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    services.sign_assignment(assignment, acting_user=world.handler_a)
    services.reply_case(
        assignment,
        reply_class="A",
        text="已修复",
        public_text="路灯已于本周修复",
        acting_user=world.handler_a,
    )

    page.goto(f"{live_server.url}/opinions/track/")
    page.fill("#id_ticket", ticket)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("#track-submit")
    assert "路灯已于本周修复" in page.inner_text("body")
    page.check("input[name=result][value=satisfied]")
    with page.expect_navigation():
        page.click("#rate-submit")
    assert page.locator(".ok").count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    context.close()


def test_office_staff_log_in_and_open_the_case(browser, live_server, world):
    case = services.submit_case(
        congress=world.c_a, category=world.cat_a, content="河道垃圾需要清理", source="web"
    )[0]
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("#login-submit")
    page.goto(f"{live_server.url}/cases/")
    assert case.serial in page.inner_text("table")
    with page.expect_navigation():
        page.click(f"text={case.serial}")
    assert "河道垃圾需要清理" in page.inner_text(".content")


def _login(page, base: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("#login-submit")


def test_a_suggestion_from_the_deputys_phone_to_the_rating(browser, live_server, world):
    from renda.cases.models import Assignment
    from renda.suggestions.models import Suggestion

    base = live_server.url
    deputy = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    _login(deputy, base, "deputy_a")
    deputy.goto(f"{base}/suggestions/new/{world.c_a.pk}/")
    deputy.select_option("#id_session", str(world.session_a.pk))
    deputy.select_option("#id_category", str(world.cat_a.pk))
    deputy.fill("#id_title", "关于拓宽东塘村主干道的建议")
    deputy.fill("#id_content", "主干道狭窄，会车困难，建议拓宽并增设路灯。")
    with deputy.expect_navigation():
        deputy.click("button[name=submit]")
    suggestion = Suggestion.objects.get()
    assert suggestion.case is not None and suggestion.case.serial == "JY20-1-001"

    office = browser.new_page()
    _login(office, base, "staff_a")
    office.goto(f"{base}/office/suggestions/{suggestion.pk}/accept/")
    with office.expect_navigation():
        office.click("form button.button")
    office.goto(f"{base}/office/meetings/")
    office.fill("#id_title", "交办会")
    office.fill("#id_held_on", "2026-03-01")
    with office.expect_navigation():
        office.click("form button.button")
    office.select_option("#id_case", str(suggestion.case.pk))
    office.select_option("#id_lead", str(world.dept_a1.pk))
    with office.expect_navigation():
        office.click("form[action$='/item/'] button.button")
    with office.expect_navigation():
        office.click("form[action$='/hold/'] button.button")
    lead = Assignment.objects.get(case=suggestion.case)
    assert lead.department == world.dept_a1

    handler = browser.new_page()
    _login(handler, base, "handler_a1")
    handler.goto(f"{base}/department/cases/{suggestion.case.pk}/sign/")
    with handler.expect_navigation():
        handler.click("form button.button")
    handler.goto(f"{base}/department/cases/{suggestion.case.pk}/reply/")
    handler.check("input[name=reply_class][value=A]")
    handler.fill("#id_text", "道路拓宽工程已开工，预计年内完工。")
    with handler.expect_navigation():
        handler.click("form button.button")

    deputy.goto(f"{base}/suggestions/{suggestion.pk}/")
    assert "道路拓宽工程已开工" in deputy.inner_text("body")
    deputy.check("input[name=result][value=satisfied]")
    with deputy.expect_navigation():
        deputy.click("#evaluate ~ form button.button")
    suggestion.case.refresh_from_db()
    assert suggestion.case.status == "closed" and suggestion.case.evaluation_result == "satisfied"
