"""Issue 17, "Done when": each role's day from its workspace, in Chromium, on the demo
district. A resident on a phone submits an opinion; the office staff assigns it from the
workspace's to-do; the department's handler signs for it and replies from the to-do; the
resident rates the reply on the tracking page; the deputy votes on the open poll from the
home page; the district's staff drills into a town's overdue list.

On the way: no page or file answers 404, no English word shows (ticket numbers, codes and
the language switch's "English" aside), and every page fits the window at 390 px and at
1366 px (document.documentElement.scrollWidth <= innerWidth; screenshots in
RENDA_SCREENSHOTS, default /tmp/renda-walk-shots)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from renda.cases.models import Case, CaseStatus
from renda.congress.models import Congress, RoleGrant
from tests.fixtures.a11y import DESKTOP, PHONE, new_context, overflow, sign_in, wide_elements

SHOTS = Path(os.environ.get("RENDA_SCREENSHOTS", "/tmp/renda-walk-shots"))  # noqa: S108
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*")
# Words that are not English prose: the language switch names its language in English;
# file types name the file's format.
ALLOWED_WORDS = {"English", "xlsx", "docx", "ics", "pdf"}


def _english(text: str) -> list[str]:
    """ASCII words of the visible text other than codes (all capitals: JY, QR, SHA, A–D;
    or with digits: Open311, JY2026)."""
    return sorted(
        {
            w
            for w in WORD.findall(text)
            if w not in ALLOWED_WORDS and not w.isupper() and not any(c.isdigit() for c in w)
        }
    )


class Walk:
    """Checks every page a role reaches: status, English words, fit at both widths."""

    def __init__(self, browser: Any, live_server: Any, viewport: dict[str, int]) -> None:
        self.browser, self.base, self.viewport = browser, live_server.url, viewport
        self.problems: list[str] = []
        self.pages = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def context(self, user: Any = None) -> Any:
        context = new_context(self.browser, self.viewport)
        if user is not None:
            sign_in(context, type("S", (), {"url": self.base})(), user)
        page = context.new_page()
        page.on("response", self._response)
        return page

    def _response(self, response: Any) -> None:
        if response.url.startswith(self.base) and response.status == 404:
            self.problems.append(f"404: {response.url}")

    def check(self, page: Any, name: str) -> None:
        """The page as it is now: English words, then its fit at 390 and 1366 px."""
        self.pages += 1
        page.wait_for_load_state("load")
        words = _english(page.inner_text("body"))
        if words:
            self.problems.append(f"{name} ({page.url}): English {words[:12]}")
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
            extra = overflow(page)
            if extra > 0:
                self.problems.append(
                    f"{name} ({page.url}) at {viewport['width']}px: {extra}px too wide "
                    f"{wide_elements(page)}"
                )
        page.set_viewport_size(self.viewport)

    def go(self, page: Any, selector: str, name: str) -> None:
        with page.expect_navigation():
            page.click(selector)
        self.check(page, name)


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


@pytest.mark.django_db(transaction=True)
def test_each_roles_day_from_its_workspace(demo, browser, live_server):  # noqa: PLR0915
    town = Congress.objects.get(name="清河镇人民代表大会")
    handler = _user("qh_handler_build")
    department = RoleGrant.objects.get(user=handler, role="handler").department
    walk = Walk(browser, live_server, PHONE)

    # A resident on a phone submits an opinion.
    resident = walk.context()
    resident.goto(f"{walk.base}/opinions/")
    walk.check(resident, "resident-opinions")
    walk.go(resident, f"a[href='/opinions/{town.pk}/new/']", "resident-form")
    category = resident.eval_on_selector("#id_category option:nth-child(2)", "o => o.value")
    resident.select_option("#id_category", category)
    village = resident.eval_on_selector("#id_village option:nth-child(2)", "o => o.value")
    resident.select_option("#id_village", village)
    resident.fill("#id_content", "东塘村村口路灯坏了三个月，晚上出行不安全，请尽快修复。")
    resident.fill("#id_phone", "13812345678")
    walk.go(resident, "#submit-opinion", "resident-ticket")
    ticket, code = (
        resident.inner_text("#ticket").strip(),
        resident.inner_text("#check-code").strip(),
    )
    case = Case.objects.get(serial=ticket)

    # The office staff assigns it from the workspace's to-do.
    staff = walk.context(_user("qh_staff"))
    staff.set_viewport_size(DESKTOP)
    walk.viewport = DESKTOP
    staff.goto(f"{walk.base}/workspace/")
    walk.check(staff, "staff-workspace")
    walk.go(staff, "[data-key='cases.unassigned'] > a", "staff-new-cases")
    walk.go(staff, f"a[href='/cases/{case.pk}/']", "staff-case")
    walk.go(staff, f"a[href='/cases/{case.pk}/assign/']", "staff-assign")
    staff.select_option("#id_lead", str(department.pk))
    with staff.expect_navigation():
        staff.click("form button.button[type=submit], form button.button")
    walk.check(staff, "staff-assigned")
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED

    # The department's handler signs for it and replies, each from the to-do.
    desk = walk.context(handler)
    desk.goto(f"{walk.base}/workspace/")
    walk.check(desk, "handler-workspace")
    walk.go(desk, "[data-key='department.unsigned'] > a", "handler-to-sign")
    walk.go(desk, f"a[href='/department/cases/{case.pk}/']", "handler-case")
    walk.go(desk, f"a[href='/department/cases/{case.pk}/sign/']", "handler-sign")
    with desk.expect_navigation():
        desk.click("form button.button")
    walk.check(desk, "handler-signed")
    desk.goto(f"{walk.base}/workspace/")
    walk.go(desk, "[data-key='department.to_reply'] > a", "handler-to-reply")
    walk.go(desk, f"a[href='/department/cases/{case.pk}/']", "handler-case-2")
    walk.go(desk, f"a[href='/department/cases/{case.pk}/reply/']", "handler-reply")
    desk.check("input[name=reply_class][value=A]")
    desk.fill("#id_text", "路灯已于本周更换，夜间照明恢复正常。")
    if desk.locator("#id_public_text").count():
        desk.fill("#id_public_text", "路灯已于本周更换，夜间照明恢复正常。")
    with desk.expect_navigation():
        desk.click("form button.button")
    walk.check(desk, "handler-replied")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED

    # The resident rates the reply on the tracking page.
    walk.viewport = PHONE
    resident.goto(f"{walk.base}/opinions/track/")
    walk.check(resident, "resident-track")
    resident.fill("#id_ticket", ticket)
    resident.fill("#id_code", code)
    walk.go(resident, "#track-submit", "resident-reply")
    resident.check("input[name=result][value=satisfied]")
    walk.go(resident, "#rate-submit", "resident-rated")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    # The deputy votes on the open poll from the home page.
    deputy = walk.context(_user("qh_deputy"))
    deputy.goto(f"{walk.base}/workspace/")
    walk.check(deputy, "deputy-home")
    walk.go(deputy, "[data-key='mypolls.open'] > a", "deputy-polls")
    walk.go(deputy, "main a[href^='/vote/'][href$='/']:not([href='/vote/'])", "deputy-ballot")
    deputy.evaluate(
        """() => { const seen = new Set();
            for (const r of document.querySelectorAll("main input[type=radio]")) {
                if (!seen.has(r.name)) { seen.add(r.name); r.checked = true; } } }"""
    )
    walk.go(deputy, "main form button[type=submit]:not([value=cast])", "deputy-review")
    walk.go(deputy, "button[value=cast]", "deputy-receipt")
    assert deputy.locator(".receipt-code").count() == 1

    # The district's staff drills into a town's overdue list.
    district = walk.context(_user("district_staff"))
    walk.viewport = DESKTOP
    district.set_viewport_size(DESKTOP)
    district.goto(f"{walk.base}/workspace/")
    walk.check(district, "district-workspace")
    walk.go(district, "[data-key='cases.district'] > a", "district-towns")
    walk.go(district, "#district-towns a[data-view=overdue].overdue", "district-town-overdue")
    rows = district.locator("table.cases tbody a[href^='/cases/']")
    assert rows.count() > 0
    overdue = Case.objects.filter(serial=rows.first.inner_text().strip()).get()
    assert overdue.congress.level == "town"
    assert 'name="case"' not in district.content()  # read only: nothing to tick

    for page in (resident, staff, desk, deputy, district):
        page.context.close()
    assert walk.pages >= 25
    assert not walk.problems, "\n".join(walk.problems)
