"""axe-core on the public pages and the deputy's pages of the demo district, at a phone's
width (390 px) and a desktop's (1366 px): no serious or critical violation, and no page
wider than the window (document.documentElement.scrollWidth <= innerWidth). Screenshots
go to RENDA_SCREENSHOTS (default /tmp/renda-a11y-shots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from renda.ballots.models import Poll, PollStatus
from renda.portal.models import Article
from tests.fixtures.a11y import (
    DESKTOP,
    PHONE,
    axe_violations,
    new_context,
    overflow,
    sign_in,
    wide_elements,
)

SHOTS = Path(os.environ.get("RENDA_SCREENSHOTS", "/tmp/renda-a11y-shots"))  # noqa: S108


def public_pages() -> list[str]:
    article = Article.objects.public().filter(site__parent__isnull=False).order_by("-pk").first()
    poll = Poll.objects.filter(status=PollStatus.PUBLISHED).order_by("pk").first()
    assert article is not None and poll is not None
    return [
        "/portal/",
        f"/portal/article/{article.pk}/",
        f"/portal/article/{article.pk}/print/",
        "/opinions/",
        "/opinions/track/",
        "/stations/",
        "/projects/",
        f"/polls/{poll.pk}/announcement/",
    ]


def deputy_pages(deputy_user, congress) -> list[str]:  # noqa: ANN001
    """The deputy's day: the workspace (their home), votes, the project votes and a batch's
    materials, their activities and one activity's page, their service record."""
    from renda.activities.models import Invitation
    from renda.projects.models import BatchStatus, VoteBatch

    invitation = (
        Invitation.objects.filter(deputy__user=deputy_user).order_by("-activity__starts_on").first()
    )
    batch = (
        VoteBatch.objects.filter(congress=congress)
        .exclude(status=BatchStatus.DRAFT)
        .order_by("-pk")
        .first()
    )
    assert invitation is not None and batch is not None
    return [
        "/workspace/",
        "/vote/",
        "/projects/votes/",
        f"/projects/votes/batch/{batch.pk}/",
        "/activities/",
        f"/activities/{invitation.activity_id}/",
        "/records/mine/",
        "/stations/mine/",
    ]


def check(page, url: str, name: str) -> list[str]:  # noqa: ANN001
    """Problems of one page: its status, axe's serious/critical findings, overflow."""
    response = page.goto(url)
    problems = []
    if response is None or response.status != 200:
        problems.append(f"{url}: status {response.status if response else None}")
        return problems
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    for v in axe_violations(page):
        problems.append(f"{url} [{v['impact']}] {v['id']}: {v['help']} at {v['nodes']}")
    extra = overflow(page)
    if extra > 0:
        problems.append(f"{url}: {extra}px wider than the window: {wide_elements(page)}")
    return problems


def language_switch_shown(page, viewport) -> list[str]:  # noqa: ANN001
    """The portal header's English switch is on screen, phones included."""
    button = page.locator("header form.lang button[name=language]")
    if button.count() != 1 or not button.is_visible():
        return ["/portal/: no visible language switch in the header"]
    box = button.bounding_box()
    if box is None or box["x"] < 0 or box["x"] + box["width"] > viewport["width"]:
        return [f"/portal/: the language switch is off screen at {viewport['width']}px: {box}"]
    return []


def _slug(url: str) -> str:
    return url.strip("/").replace("/", "_") or "root"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_public_pages_pass_axe_and_fit_the_window(demo, browser, live_server, viewport):
    context = new_context(browser, viewport)
    page = context.new_page()
    problems = []
    for url in public_pages():
        problems += check(page, live_server.url + url, f"public-{viewport['width']}-{_slug(url)}")
        if url == "/portal/":
            problems += language_switch_shown(page, viewport)
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_deputy_pages_pass_axe_and_fit_the_window(demo, browser, live_server, viewport):
    context = new_context(browser, viewport)
    deputy = get_user_model().objects.get(username="qh_deputy")
    sign_in(context, live_server, deputy)
    page = context.new_page()
    problems = []
    for url in deputy_pages(deputy, demo):
        problems += check(page, live_server.url + url, f"deputy-{viewport['width']}-{_slug(url)}")
    context.close()
    assert not problems, "\n".join(problems)
