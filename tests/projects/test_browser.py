"""The public project pages in a real browser (headless Chromium on a phone-sized screen):
the candidate list during consultation with a comment, then the year's projects with
progress bars, milestones, photos, department, vote result and year-end rating."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from renda.projects import services
from renda.projects.models import Comment, Project
from tests.fixtures.ballots import shares_of
from tests.fixtures.projects import RATINGS, run_votes
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_resident_follows_the_projects_from_candidates_to_rating(browser, live_server, year):
    world, staff = year.world, year.world.staff
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()

    # Consultation: the candidate list on the portal, a comment on one candidate.
    services.publish_candidates(year.batch, acting_user=staff)
    page.goto(f"{live_server.url}/projects/{world.c_a.pk}/{year.y}/")
    page.click("a.candidates-link")
    rows = page.locator("#candidates tbody tr")
    assert rows.count() == 12
    assert year.feasible[0].title in rows.first.inner_text()
    page.select_option("#id_candidate", label=year.feasible[2].title)
    page.fill("#id_text", "建议同步建设排水设施")
    with page.expect_navigation():
        page.click("#send-comment")
    assert Comment.objects.get().candidate.idea == year.feasible[2]

    # The votes, the implementation, the rating.
    run_votes(year)
    project = Project.objects.filter(year=year.y).order_by("id").first()
    services.set_plan(
        project,
        acting_user=staff,
        targets="硬化村道2公里",
        milestones=[("路基", 40, project.deadline), ("路面", 60, project.deadline)],
    )
    services.start_project(project, acting_user=staff)
    first, second = project.milestones.order_by("order")
    services.report_progress(
        project,
        milestone=first,
        percent=100,
        text="路基全部完成",
        photos=[SimpleUploadedFile("site.png", _png(), content_type="image/png")],
        acting_user=staff,
    )
    services.report_progress(
        project, milestone=second, percent=50, text="路面铺设过半", acting_user=staff
    )
    rating = services.create_year_rating(
        congress=world.c_a, year=year.y, session=None, acting_user=staff
    )
    services.open_rating(rating, acting_user=staff)
    projects = services.rated_projects(world.c_a.pk, year.y)
    for index, deputy in enumerate(year.deputies):
        choices = {}
        for p, (sat, basic, _uns) in zip(projects, RATINGS, strict=True):
            choices[p.pk] = (
                "satisfied" if index < sat else "basic" if index < sat + basic else "unsatisfied"
            )
        services.cast_rating(rating, voter=deputy.user, choices=choices)
    services.close_rating(rating, acting_user=staff, shares=shares_of(rating))

    # The year's page: ten projects with progress bars, department, vote and rating.
    page.goto(f"{live_server.url}/projects/{world.c_a.pk}/{year.y}/")
    cards = page.locator("li.project")
    assert cards.count() == 10
    card = cards.filter(has_text=project.title)
    assert card.locator("progress").get_attribute("value") == "70"  # 40 + 50 % of 60
    assert project.department.name in card.inner_text()
    assert "14" in card.inner_text()  # deputies for it
    assert card.locator("img.photo").count() == 1

    # The project's page: milestones, the photo (served and decoded), the vote, the rating.
    with page.expect_navigation():
        card.locator("h3 a").click()
    assert page.inner_text("#percent") == "70%"
    assert page.inner_text("#department") == project.department.name
    assert "14" in page.inner_text("#vote")
    assert page.locator("ol.milestones li").count() == 2
    photo = page.locator("img.photo").first
    photo.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert photo.evaluate("img => img.naturalWidth") == 32
    assert page.locator("#rating strong").inner_text()  # the year-end grade, translated
    # The announcement of the batch, from the year's page.
    page.go_back()
    page.get_by_role("link", name=year.batch.title, exact=False).first.click()
    assert page.locator("#announcement").is_visible()
