"""A deputy on a phone votes with the keyboard only: the open poll, one screen for the
ballot, the review, the receipt (headless Chromium, as tests/opinions/test_browser.py)."""

from __future__ import annotations

import os

from renda.ballots import services
from renda.ballots.models import Ballot, SealedBallot
from tests.fixtures.ballots import approval_poll, open_for, shares_of, subject_ids


def test_a_deputy_votes_on_a_phone_with_the_keyboard_only(browser, live_server, world):
    poll = approval_poll(world, items=("东塘村道路硬化", "镇卫生院改造"))
    open_for(poll, [world.deputy_user], world)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/vote/")
    page.fill("#id_username", "deputy_a")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert poll.title in page.inner_text("main")
    with page.expect_navigation():
        page.click(f"a[href='/vote/{poll.pk}/']")
    first, second = subject_ids(poll)
    # Keyboard only: focus the first item's first option, arrows move within a group.
    page.focus(f"#id_s{first}_0")
    page.keyboard.press("Space")  # 赞成
    page.keyboard.press("Tab")  # to the next group (its first option)
    page.keyboard.press("ArrowRight")  # 反对
    page.screenshot(path=str(live_server_tmp() / "ballot.png"), full_page=True)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # review
    review = page.inner_text("table.review")
    assert "东塘村道路硬化" in review and "赞成" in review and "反对" in review
    assert not Ballot.objects.exists()
    with page.expect_navigation():
        page.click("button[value=cast]")
    receipt = page.inner_text(".receipt-code").strip()
    assert len(receipt) == 8 and SealedBallot.objects.filter(poll=poll).count() == 1
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert services.receipt_listed(poll, receipt)
    marks = sorted(Ballot.objects.get().marks.values_list("subject_id", "choice"))
    assert marks == [(first, "yes"), (second, "no")]
    context.close()


def live_server_tmp():  # noqa: ANN201
    from pathlib import Path

    path = Path(os.environ.get("RENDA_SCREENSHOTS", "/tmp/renda-ballots-shots"))  # noqa: S108
    path.mkdir(parents=True, exist_ok=True)
    return path
