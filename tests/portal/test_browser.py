"""The portal in a real browser (headless Chromium) on the demo data: a resident reads the
home page, opens a town-news article, checks the breadcrumb and the metadata line,
searches in Chinese and finds it, and switches to large text."""

from __future__ import annotations

import pytest

from renda.portal.models import Article


@pytest.mark.django_db(transaction=True)
def test_resident_reads_searches_and_switches_to_large_text(demo, browser, live_server):
    assert Article.objects.public().count() >= 55
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/")
    assert "临溪区人民代表大会常务委员会欢迎您！" in page.inner_text("header")
    assert "全国人大" in page.inner_text(".p-linkbar")
    assert "通知公告" in page.inner_text("main")

    title = "清河人大：为建设宜居清河负起人大担当"
    with page.expect_navigation():
        page.click(f"text={title}")
    assert page.inner_text("h1") == title
    crumbs = " ".join(page.inner_text(".p-crumbs").split())
    assert crumbs == "当前所在位置：首页 > 乡镇人大 > 人大动态 > 正文"
    meta = page.inner_text("#article-meta")
    for label in ("编辑：", "作者：", "发布时间：", "来源：临溪人大", "点击次数："):
        assert label in meta
    views_before = int(page.inner_text("#view-count"))

    page.fill("#portal-q", "宜居清河")
    with page.expect_navigation():
        page.click("#portal-search-submit")
    first = page.locator(".p-results li h2 a").first
    assert first.inner_text() == title
    assert page.locator(".p-results mark").count() >= 1

    page.keyboard.press("Tab")  # the skip link is the first stop
    assert page.evaluate("document.activeElement.className") == "skip"

    with page.expect_navigation():
        page.click("#toggle-large")
    assert "mode-large" in page.get_attribute("body", "class")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 22
    with page.expect_navigation():
        first.click()
    assert "mode-large" in page.get_attribute("body", "class")
    assert int(page.inner_text("#view-count")) == views_before  # same reader: counted once
    context.close()


@pytest.mark.django_db(transaction=True)
def test_staff_writes_with_the_rich_text_editor(browser, live_server, world):
    from django.contrib.auth import get_user_model

    from renda.portal.models import Channel, Site

    site = Site.objects.create(
        congress=world.c_a, slug="qinghe", name="清河镇人大", header_title="欢迎您!"
    )
    Channel.objects.create(site=site, slug="news", name="人大动态")
    user = get_user_model().objects.get(username="staff_a")
    user.set_password("pw-for-tests-1")
    user.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("#login-submit")
    page.goto(f"{live_server.url}/portal/office/new/{site.pk}/")
    page.fill("#id_title", "编辑器写的文章")
    page.select_option("#id_channel", label="清河镇人大 / 人大动态")
    area = page.locator(".rich-area")
    area.click()
    page.keyboard.type("代表视察")
    page.keyboard.press("Control+A")
    page.click(".rich-toolbar button[title='加粗']")
    with page.expect_navigation():
        page.click("#save-article")
    article = Article.objects.get(title="编辑器写的文章")
    assert "<strong>代表视察</strong>" in article.body or "<b>代表视察</b>" in article.body
    context.close()
