"""Issue 17 item 7: the office menu grouped by work area, a public menu of its own, phone
menus that show every item, 大字版 / 高对比度 on every public page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

PERSONAS = [
    "qh_staff",
    "qh_leader",
    "qh_admin",
    "qh_auditor",
    "qh_handler_build",
    "qh_station",
    "qh_deputy",
    "fl_staff",
    "district_admin",
    "district_staff",
    "resident",
]
PUBLIC_PAGES = ["/opinions/", "/opinions/track/", "/stations/", "/projects/", "/public/appraisals/"]


def _menu(html: str) -> str:
    match = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no menu"
    return match.group(1)


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="(/[^"]*)"', _menu(html))


@pytest.mark.parametrize("username", PERSONAS)
def test_every_office_menu_link_answers(demo, username):
    """No 404 (or 403) from a menu link, for each demo role."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    html = client.get("/workspace/").content.decode()
    links = _links(html)
    assert "/workspace/" in links
    for url in links:
        assert client.get(url).status_code == 200, (username, url)


def test_office_menu_is_grouped_by_work_area(demo):
    client = Client()
    client.force_login(get_user_model().objects.get(username="qh_staff"))
    menu = _menu(client.get("/workspace/").content.decode())
    labels = re.findall(r'class="menu-label"[^>]*>([^<]+)<', menu)
    assert labels == ["办理", "代表工作", "监督", "门户", "统计", "公众服务", "系统"]
    # Each office page sits in its group, not in one row with the public links.
    handling = menu.split("办理", 1)[1].split("</ul>", 1)[0]
    assert "/cases/" in handling and "/office/suggestions/" in handling
    assert "/portal/" not in handling


def test_public_pages_show_the_public_menu_and_the_display_switch(demo):
    client = Client()
    for url in PUBLIC_PAGES:
        html = client.get(url).content.decode()
        menu = _menu(html)
        assert 'aria-label="公众菜单"' in html, url
        assert 'id="toggle-large"' in menu and 'id="toggle-contrast"' in menu, url
        assert 'id="login-link"' in menu and 'value="en"' in menu, url
        assert "/workspace/" not in menu and "/cases/" not in menu, url
        assert '<body class="public ">' in html, url


def test_the_display_switch_works_on_every_public_page(demo):
    client = Client()
    response = client.get("/display/?mode=large&next=/stations/")
    assert response.status_code == 302 and response["Location"] == "/stations/"
    assert client.cookies["portal_display"].value == "large"
    for url in [*PUBLIC_PAGES, "/portal/"]:
        html = client.get(url).content.decode()
        assert re.search(r'<body class="[^"]*mode-large', html), url
        assert "标准字号" in html or "Standard text" in html, url
    client.get("/display/?mode=contrast&next=/opinions/")
    html = client.get("/opinions/").content.decode()
    body = re.search(r'<body class="([^"]*)"', html)
    assert body and set(body.group(1).split()) == {"public", "mode-large", "mode-contrast"}
    client.get("/display/?mode=standard")
    assert '<body class="public ">' in client.get("/projects/").content.decode()
    # Never a redirect off the site.
    response = client.get("/display/?mode=large&next=https://evil.example/")
    assert response["Location"] == "/"


def _overflow(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _menu_items_visible(page) -> list[str]:  # noqa: ANN001
    """Opens the phone menu and returns the items that are not fully on screen."""
    page.click("label.menu-button")
    hidden = []
    for item in page.locator("nav.menu a, nav.menu button").all():
        box = item.bounding_box()
        if box is None or box["width"] == 0 or box["x"] < 0 or box["x"] + box["width"] > 391:
            hidden.append(item.inner_text())
    return hidden


def test_phone_menus_show_every_item_without_overflow(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for url in PUBLIC_PAGES:
        page.goto(f"{live_server.url}{url}")
        assert not page.is_visible("nav.menu"), url  # folded behind 菜单 on a phone
        assert _menu_items_visible(page) == [], url
        assert page.is_visible("#login-link") and page.is_visible("nav.menu .lang button")
        assert page.is_visible("#toggle-large") and page.is_visible("#toggle-contrast")
        assert _overflow(page) <= 0, url
    page.goto(f"{live_server.url}/portal/")
    assert _overflow(page) <= 0

    for username in ("qh_staff", "qh_deputy", "district_staff"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        office = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        office.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = office.new_page()
        for url in ("/workspace/", "/cases/", "/suggestions/mine/"):
            response = page.goto(f"{live_server.url}{url}")
            if response is None or response.status != 200:
                continue
            assert _menu_items_visible(page) == [], (username, url)
            assert page.is_visible("#logout")
            assert _overflow(page) <= 0, (username, url)
        office.close()


def test_desktop_office_menu_opens_a_group_on_click(browser, live_server, demo):
    client = Client()
    client.force_login(get_user_model().objects.get(username="qh_staff"))
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/workspace/")
    assert not page.is_visible("label.menu-button")
    group = page.locator(".menu-group", has_text="办理").first
    assert not group.locator(".submenu").is_visible()
    group.locator(".menu-label").click()
    assert group.locator(".submenu").is_visible()
    assert group.locator(".menu-label").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    page.mouse.move(5, 600)
    assert not group.locator(".submenu").is_visible()


def test_changed_pages_fit_a_phone(browser, live_server, demo):
    """The pages item 9 changed, at 390 px: no horizontal overflow; the duty badge on one
    line; the batch table's numbers each with its label; the captcha refreshes."""
    from renda.ballots.models import Poll
    from renda.projects.models import BatchKind, VoteBatch
    from renda.stations.models import StationMember

    announced = VoteBatch.objects.filter(congress=demo, status="announced").first()
    micro = VoteBatch.objects.get(congress=demo, kind=BatchKind.MICRO)
    poll = Poll.objects.exclude(export_sha256="").filter(congress=demo, status="published").first()
    member = StationMember.objects.filter(station__congress=demo, until__isnull=True).first()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    public = [
        f"/projects/batch/{announced.pk}/",
        f"/projects/batch/{micro.pk}/",
        f"/projects/{demo.pk}/",
        f"/stations/{demo.pk}/",
        f"/stations/{demo.pk}/deputies/{member.deputy_id}/",
        "/opinions/track/",
    ]
    assert poll is not None
    public.append(f"/polls/{poll.pk}/announcement/")
    for url in public:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, url
        assert _overflow(page) <= 0, url
    page.goto(f"{live_server.url}/projects/batch/{announced.pk}/")
    labels = page.eval_on_selector_all(
        "#candidates td[data-label]",
        "cells => cells.map(c => getComputedStyle(c, '::before').content)",
    )
    assert labels and all(label not in ("none", "normal", "") for label in labels)

    client = Client()
    client.force_login(get_user_model().objects.get(username="qh_deputy"))
    deputy = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    deputy.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = deputy.new_page()
    page.goto(f"{live_server.url}/stations/mine/")
    assert _overflow(page) <= 0
    for badge in page.locator("table .status").all()[:5]:
        box = badge.bounding_box()
        assert box is not None and box["height"] < 40  # one line, not a character per line
    page.goto(f"{live_server.url}/projects/votes/batch/{micro.pk}/")
    assert _overflow(page) <= 0

    staff = Client()
    staff.force_login(get_user_model().objects.get(username="qh_staff"))
    office = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    office.add_cookies(
        [{"name": "sessionid", "value": staff.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = office.new_page()
    for url in (
        f"/office/projects/batches/{announced.pk}/",
        f"/office/projects/batches/{micro.pk}/",
    ):
        assert page.goto(f"{live_server.url}{url}").status == 200
        assert _overflow(page) <= 0, url


def test_the_captcha_refreshes_in_the_browser(browser, live_server, demo, settings):
    settings.RENDA_SUBMIT_LIMIT = 0  # the form asks for the captcha at once
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto(f"{live_server.url}/opinions/{demo.pk}/new/")
    image = page.locator("img.captcha")
    assert image.bounding_box()["width"] >= 120
    before = image.get_attribute("src")
    key = page.locator("input[name=captcha_0]").input_value()
    with page.expect_response(lambda r: "/captcha/refresh/" in r.url):
        page.click(".captcha-refresh")
    page.wait_for_function(f"document.querySelector('img.captcha').src.indexOf({before!r}) < 0")
    assert page.locator("input[name=captcha_0]").input_value() != key
    assert _overflow(page) <= 0


@pytest.mark.parametrize("width", [1366, 800])
def test_every_drop_down_opens_on_screen(browser, live_server, demo, width):
    client = Client()
    client.force_login(get_user_model().objects.get(username="qh_staff"))
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/workspace/")
    groups = page.locator(".menu-group").all()
    assert len(groups) == 7
    for group in groups:
        group.locator(".menu-label").click()
        box = group.locator(".submenu").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        for link in group.locator(".submenu a").all():
            assert link.is_visible()
    assert _overflow(page) <= 0
