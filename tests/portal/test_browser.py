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


PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
    b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00"
    b"\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.django_db(transaction=True)
def test_staff_writes_with_the_rich_text_editor(browser, live_server, world):
    """django-prose-editor from the package's own files under the site's CSP: paragraphs
    as <p>, bold, a centred paragraph, a table and a picture uploaded through the checked
    path; the toolbar speaks Chinese; the picture is the site's until an article shows it."""
    from django.contrib.auth import get_user_model

    from renda.portal.models import BodyImage, Channel, Site

    site = Site.objects.create(
        congress=world.c_a, slug="qinghe", name="清河镇人大", header_title="欢迎您!"
    )
    Channel.objects.create(site=site, slug="news", name="人大动态")
    user = get_user_model().objects.get(username="staff_a")
    user.set_password("pw-for-tests-1")
    user.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("#login-submit")
    page.goto(f"{live_server.url}/portal/office/new/{site.pk}/")
    page.wait_for_selector(".prose-editor[data-ready] .ProseMirror[contenteditable=true]")
    page.fill("#id_title", "编辑器写的文章")
    page.select_option("#id_channel", label="清河镇人大 / 人大动态")
    area = page.locator(".ProseMirror[contenteditable=true]")
    area.click()
    page.keyboard.type("代表视察")
    page.keyboard.press("Enter")
    page.keyboard.type("居中一段")
    page.click(".prose-menubar button[title='居中']")
    area.locator("p", has_text="代表视察").click(click_count=3)
    page.click(".prose-menubar button[title='加粗']")
    area.locator("p", has_text="居中一段").click()
    area.press("End")
    page.click(".prose-menubar button[title='插入表格']")
    dialog = page.locator("dialog[open]")
    dialog.locator("button[type=submit]").click()
    titles = page.eval_on_selector_all(
        ".prose-menubar [title], .prose-menubar__option",
        "els => els.map(e => e.getAttribute('title') || e.textContent)",
    )
    assert titles and not [t for t in titles if t.isascii() and t.strip()], titles

    page.set_input_files(
        "#body-image-file", {"name": "photo.png", "mimeType": "image/png", "buffer": PNG_1PX}
    )
    page.fill("#body-image-alt", "视察现场")
    page.click("#body-image-insert")
    page.wait_for_selector(".ProseMirror[contenteditable=true] img")
    with page.expect_navigation():
        page.click("#save-article")
    article = Article.objects.get(title="编辑器写的文章")
    image = BodyImage.objects.get(site=site)
    body = article.body
    assert "<p><strong>代表视察</strong></p>" in body
    assert '<p style="text-align: center">居中一段</p>' in body
    assert "<table>" in body and "<td" in body
    assert f'<img src="/portal/images/{image.pk}/" alt="视察现场">' in body
    assert "<div" not in body
    assert image.content_type == "image/png"
    assert not problems, problems

    # The site's office sees the picture; the public does not, before it is published.
    shown = page.request.get(f"{live_server.url}/portal/images/{image.pk}/")
    assert shown.status == 200 and shown.headers["content-type"] == "image/png"
    anonymous = browser.new_context().request.get(f"{live_server.url}/portal/images/{image.pk}/")
    assert anonymous.status == 404
    context.close()
