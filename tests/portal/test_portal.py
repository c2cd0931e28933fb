"""The public portal: sites and channels, the article workflow, sanitised bodies, uploads,
public pages (home, channel, article with breadcrumb and metadata, print, RSS), the
large-text switch, the back office and its permission matrix, publicity figures."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.portal import chrome, services
from renda.portal.models import Article, ArticleStatus, SearchDocument
from renda.portal.sanitize import clean_html
from tests.fixtures.portal import portal_world, publish, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("portal_world")


def _png(size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


# --- sanitising ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dirty, forbidden",
    [
        ("<p>好</p><script>alert(1)</script>", "<script"),
        ('<p>好</p><iframe src="https://evil.example/"></iframe>', "<iframe"),
        ('<p onclick="steal()">好</p>', "onclick"),
        ('<img src="x.png" onerror="steal()">', "onerror"),
        ('<a href="javascript:alert(1)">点我</a>', "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">点我</a>', "script:"),
        ("<style>body{display:none}</style><p>好</p>", "<style"),
        ('<form action="/x"><input name="a"></form>', "<form"),
        ('<p style="position:fixed">好</p>', "style="),
    ],
)
def test_dangerous_markup_is_stripped_from_bodies(world, dirty, forbidden):
    article = write(world, body=dirty)
    assert forbidden.lower() not in article.body.lower()
    assert forbidden.lower() not in clean_html(dirty).lower()


def test_ordinary_formatting_survives_cleaning():
    html = '<h2>标题</h2><p><strong>加粗</strong><a href="https://example.gov.cn/">链接</a></p><ul><li>一</li></ul>'
    cleaned = clean_html(html)
    assert "<h2>标题</h2>" in cleaned and "<strong>加粗</strong>" in cleaned
    assert 'href="https://example.gov.cn/"' in cleaned and "<li>一</li>" in cleaned
    assert 'rel="noopener noreferrer"' in cleaned


# --- workflow --------------------------------------------------------------------------


def test_article_goes_draft_review_approval_published_and_is_indexed(world):
    article = write(world)
    assert article.status == ArticleStatus.DRAFT and article.versions.count() == 1
    services.submit_article(article, acting_user=world.staff)
    services.review_article(article, acting_user=world.leader, note="文字已核对")
    article.refresh_from_db()
    assert article.status == ArticleStatus.APPROVAL and article.reviewed_by == world.leader
    assert not SearchDocument.objects.exists()
    services.approve_article(article, acting_user=world.leader)
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None
    assert article.approved_by == world.leader
    assert SearchDocument.objects.filter(object_id=article.pk, kind="article").exists()
    actions = set(
        ActionLog.objects.filter(
            object_id=str(article.pk), object_type="portal.article"
        ).values_list("action", flat=True)
    )
    assert {"article.created", "article.review", "article.approval", "article.published"} <= actions


def test_roles_are_configured_per_site(world):
    article = write(world)
    services.submit_article(article, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.review_article(article, acting_user=world.admin)  # admin is no reviewer here
    site = world.portal.site_a
    site.reviewer_roles = "admin"
    site.save(update_fields=["reviewer_roles"])
    article.site.refresh_from_db()
    services.review_article(article, acting_user=world.admin)
    with pytest.raises(DomainError):
        services.approve_article(article, acting_user=world.staff)  # staff is no approver
    services.approve_article(article, acting_user=world.leader)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_the_writer_can_neither_review_nor_approve_their_own_article(world):
    """Four eyes on every site (审核人、审批人 ≠ 撰稿人), whatever roles the writer holds."""
    site = world.portal.site_a
    site.approver_roles = "staff,leader"
    site.save(update_fields=["approver_roles"])
    article = write(world)
    services.submit_article(article, acting_user=world.staff)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.review_article(article, acting_user=world.staff)
    assert str(refused.value) == (
        "The writer of an article cannot review it: another person reviews it."
    )
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.review_article(article, acting_user=world.staff)
    assert str(refused.value) == "撰稿人不能审核自己的文章，须由他人审核。"
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEW and article.reviewed_by is None
    services.review_article(article, acting_user=world.leader)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.approve_article(article, acting_user=world.staff)
    assert str(refused.value) == "The writer of an article cannot approve it."
    article.refresh_from_db()
    assert article.status == ArticleStatus.APPROVAL and article.approved_by is None
    services.approve_article(article, acting_user=world.leader)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_the_writer_cannot_pass_review_on_a_site_without_approval(world):
    site = world.portal.site_a
    site.require_approval = False
    site.save(update_fields=["require_approval"])
    article = write(world)
    services.submit_article(article, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.review_article(article, acting_user=world.staff)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW


def test_the_writer_is_refused_on_the_review_page_with_the_message(world, client):
    article = write(world)
    services.submit_article(article, acting_user=world.staff)
    client.force_login(world.staff)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("portal:staff_action", args=[article.pk, "review"]), {})
    assert "撰稿人不能审核自己的文章，须由他人审核。" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW


def test_site_without_approval_publishes_on_review(world):
    site = world.portal.site_a
    site.require_approval = False
    site.save(update_fields=["require_approval"])
    article = write(world)
    services.submit_article(article, acting_user=world.staff)
    services.review_article(article, acting_user=world.leader)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_other_towns_staff_cannot_write_on_this_site(world):
    with pytest.raises(DomainError):
        write(world, user=world.other_staff)


def test_channel_of_another_site_is_refused(world):
    with pytest.raises(DomainError):
        write(world, channel=world.portal.news_b)


def test_return_needs_a_note_and_goes_back_to_draft(world):
    article = write(world)
    services.submit_article(article, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.return_article(article, acting_user=world.staff, note=" ")
    services.return_article(article, acting_user=world.staff, note="请补充图片")
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT and article.status_note == "请补充图片"


def test_withdrawal_keeps_the_article_hides_it_and_drops_it_from_search(world, client):
    article = publish(world)
    assert client.get(reverse("portal:article", args=[article.pk])).status_code == 200
    with pytest.raises(DomainError):
        services.withdraw_article(article, acting_user=world.leader, reason="")
    services.withdraw_article(article, acting_user=world.leader, reason="内容过期")
    article.refresh_from_db()
    assert article.status == ArticleStatus.WITHDRAWN
    assert Article.objects.filter(pk=article.pk).exists()  # never deleted
    assert not SearchDocument.objects.filter(object_id=article.pk).exists()
    assert client.get(reverse("portal:article", args=[article.pk])).status_code == 404
    services.reopen_article(article, acting_user=world.staff)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.DRAFT


def test_transition_table_refuses_skipping_review(world):
    article = write(world)
    with pytest.raises(DomainError):
        services.approve_article(article, acting_user=world.leader)
    with pytest.raises(DomainError):
        services.withdraw_article(article, acting_user=world.leader, reason="x")


def test_scheduled_article_appears_when_the_periodic_job_runs(world, client):
    later = timezone.now() + dt.timedelta(hours=2)
    article = write(world, publish_at=later)
    services.submit_article(article, acting_user=world.staff)
    services.review_article(article, acting_user=world.leader)
    services.approve_article(article, acting_user=world.leader)
    article.refresh_from_db()
    assert article.status == ArticleStatus.SCHEDULED
    assert client.get(reverse("portal:article", args=[article.pk])).status_code == 404
    assert services.publish_due(now=timezone.now()) == 0
    assert services.publish_due(now=later + dt.timedelta(minutes=1)) == 1
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at == later
    assert SearchDocument.objects.filter(object_id=article.pk).exists()
    assert services.publish_due(now=later + dt.timedelta(minutes=2)) == 0  # idempotent


def test_every_edit_is_a_version_and_an_old_version_can_be_restored(world):
    article = write(world, title="第一稿")
    article = services.update_article(
        article, acting_user=world.staff, title="第二稿", body="<p>改</p>"
    )
    assert article.version == 2 and article.title == "第二稿"
    assert list(article.versions.values_list("number", "title")) == [(2, "第二稿"), (1, "第一稿")]
    services.restore_version(article, article.versions.get(number=1), acting_user=world.staff)
    article.refresh_from_db()
    assert article.version == 3 and article.title == "第一稿"


def test_correcting_a_published_article_reindexes_it(world):
    article = publish(world, title="清河镇人大召开会议")
    services.update_article(article, acting_user=world.leader, title="清河镇人大召开古街保护会议")
    assert SearchDocument.objects.get(object_id=article.pk).title == "清河镇人大召开古街保护会议"


# --- uploads ---------------------------------------------------------------------------


def test_cover_must_be_a_real_image(world):
    fake = SimpleUploadedFile("cover.png", b"<html>not an image</html>", content_type="image/png")
    with pytest.raises(DomainError):
        write(world, cover=fake)
    article = write(world, cover=_png(), cover_alt="视察现场")
    assert article.cover.name.endswith(".png")


def test_huge_cover_is_refused(world, settings):
    settings.RENDA_PORTAL_MAX_COVER_BYTES = 1000
    with pytest.raises(DomainError):
        write(world, cover=_png((400, 400)))


def test_cover_with_giant_dimensions_is_refused(world, settings):
    settings.RENDA_PORTAL_MAX_COVER_PIXELS = 100
    with pytest.raises(DomainError):
        write(world, cover=_png((300, 20)))


def test_attachment_checked_by_content(world):
    article = write(world)
    exe = SimpleUploadedFile("notice.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(DomainError):
        services.add_attachment(article, exe, acting_user=world.staff)
    pdf = SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    attachment = services.add_attachment(article, pdf, acting_user=world.staff)
    assert attachment.name == "notice.pdf" and attachment.size > 0


def test_attachment_of_unpublished_article_is_not_public(world, client):
    article = write(world)
    pdf = SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    attachment = services.add_attachment(article, pdf, acting_user=world.staff)
    assert client.get(reverse("portal:attachment", args=[attachment.pk])).status_code == 404
    services.submit_article(article, acting_user=world.staff)
    services.review_article(article, acting_user=world.leader)
    services.approve_article(article, acting_user=world.leader)
    response = client.get(reverse("portal:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and b"%PDF" in b"".join(response.streaming_content)


def test_oversized_upload_through_the_form_is_refused(world, client, settings):
    settings.RENDA_MAX_UPLOAD_BYTES = 100
    article = write(world)
    client.force_login(world.staff)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 500)
    response = client.post(
        reverse("portal:staff_attach", args=[article.pk]), {"file": big}, follow=True
    )
    assert response.status_code == 200 and not article.attachments.exists()


# --- public pages ----------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "review", "approval", "withdrawn"])
def test_unpublished_article_is_404_for_the_public(world, client, state):
    article = write(world)
    if state != "draft":
        services.submit_article(article, acting_user=world.staff)
    if state in ("approval", "withdrawn"):
        services.review_article(article, acting_user=world.leader)
    if state == "withdrawn":
        services.approve_article(article, acting_user=world.leader)
        services.withdraw_article(article, acting_user=world.leader, reason="过期")
    for name in ("portal:article", "portal:article_print", "portal:cover"):
        assert client.get(reverse(name, args=[article.pk])).status_code == 404


def test_article_page_shows_breadcrumb_metadata_and_neighbours(world, client):
    older = publish(world, title="较早的文章", publish_at=timezone.now() - dt.timedelta(days=2))
    article = publish(
        world, title="清河镇人大开展代表集中视察", author="吴固安", source="清河镇人大"
    )
    newer = publish(world, title="较新的文章", publish_at=timezone.now() + dt.timedelta(seconds=1))
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=1))
    page = client.get(reverse("portal:article", args=[article.pk])).content.decode()
    assert "临溪区人民代表大会常务委员会欢迎您!" in page
    assert "全国人大" in page and "区政府" in page
    crumbs = page.split('class="p-crumbs"')[1].split("</nav>")[0]
    for label in ("首页", "乡镇人大", "清河镇人大", "人大动态", "正文"):
        assert label in crumbs
    assert (
        crumbs.index("首页")
        < crumbs.index("乡镇人大")
        < crumbs.index("人大动态")
        < crumbs.index("正文")
    )
    meta = page.split('id="article-meta"')[1].split("</p>")[0]
    for label in ("编辑", "周文静", "作者", "吴固安", "发布时间", "来源", "清河镇人大", "点击次数"):
        assert label in meta
    assert reverse("portal:article", args=[older.pk]) in page
    assert reverse("portal:article", args=[newer.pk]) in page


def test_district_article_breadcrumb_reads_like_the_reference(world, client):
    root = world.portal.root
    root.author_roles = root.reviewer_roles = "admin"
    root.save()
    article = write(world, site=root, channel=world.portal.town_news, user=world.district_admin)
    services.submit_article(article, acting_user=world.district_admin)
    # Another person reviews and approves: the platform's superuser.
    services.review_article(article, acting_user=world.superuser)
    services.approve_article(article, acting_user=world.superuser)
    page = client.get(reverse("portal:article", args=[article.pk])).content.decode()
    crumbs = page.split('class="p-crumbs"')[1].split("</nav>")[0]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", crumbs.split(">", 1)[1])).split())
    assert text == "当前所在位置：首页 > 乡镇人大 > 人大动态 > 正文"


def test_home_lists_latest_per_channel_notices_and_service_links(world, client):
    publish(world, title="清河新闻一则")
    root = world.portal.root
    page = client.get(reverse("portal:home")).content.decode()
    assert root.header_title in page
    assert "清河新闻一则" in page  # the towns channel gathers the sub-sites' articles
    assert reverse("opinions:index") in page and reverse("opinions:track") in page
    assert reverse("suggestions:published") in page
    assert "清河镇人大" in page and "枫林镇人大" in page


def test_service_links_skip_urls_that_do_not_exist(settings):
    settings.RENDA_PORTAL_SERVICE_LINKS = [
        ("opinions:index", "意见", ""),
        ("stations:directory", "联络站", ""),
    ]
    names = [link["name"] for link in chrome.service_links()]
    assert names == ["opinions:index"]


def test_channel_list_paginates_and_includes_child_channels(world, client):
    for n in range(17):
        publish(world, title=f"动态第{n}号")
    url = reverse("portal:channel", args=["qinghe", "news"])
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert first.count("动态第") == 15 and second.count("动态第") == 2
    assert client.get(url + "?page=abc").status_code == 200


def test_channel_list_query_count_does_not_grow_with_articles(world, client):
    publish(world, title="一")
    url = reverse("portal:channel", args=["qinghe", "news"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        publish(world, title=f"多{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_home_query_count_does_not_grow_with_articles(world, client):
    publish(world, title="一")
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:home"))
    for n in range(10):
        publish(world, title=f"多{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:home"))
    assert len(many) == len(few)


def test_rss_feed_of_a_channel_lists_its_articles(world, client):
    publish(world, title="订阅测试文章")
    response = client.get(reverse("portal:feed", args=["qinghe", "news"]))
    assert response.status_code == 200 and "application/rss+xml" in response["Content-Type"]
    assert "订阅测试文章" in response.content.decode()


def test_print_view_has_the_article_without_the_site_chrome(world, client):
    article = publish(world, title="打印测试")
    page = client.get(reverse("portal:article_print", args=[article.pk])).content.decode()
    assert "打印测试" in page and "p-channels" not in page


def test_unknown_site_or_channel_is_404(client):
    assert client.get(reverse("portal:site", args=["nowhere"])).status_code == 404
    assert client.get(reverse("portal:channel", args=["qinghe", "nowhere"])).status_code == 404
    assert client.get(reverse("portal:channel", args=["fenglin", "towns"])).status_code == 404


def test_large_text_switch_works_without_javascript(client):
    response = client.get(reverse("portal:display") + "?mode=large&next=/portal/")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    page = client.get(reverse("portal:home")).content.decode()
    assert "mode-large" in page
    client.get(reverse("portal:display") + "?mode=contrast&next=/portal/")
    both = client.get("/portal/").content.decode()
    assert "mode-large" in both and "mode-contrast" in both
    client.get(reverse("portal:display") + "?mode=standard")
    assert "mode-large" not in client.get("/portal/").content.decode()


def test_display_switch_refuses_foreign_redirects(client):
    response = client.get(reverse("portal:display") + "?mode=large&next=https://evil.example/")
    assert response["Location"] == reverse("portal:home")


def test_pages_are_semantic_and_keyboard_friendly(world, client):
    article = publish(world)
    page = client.get(reverse("portal:article", args=[article.pk])).content.decode()
    for marker in ('<header class="p-header" role="banner">', "<main", 'role="search"',
                   'class="skip" href="#main"', '<nav class="p-crumbs"', "<article", "<footer"):  # fmt: skip
        assert marker in page
    assert "<script" not in page  # readable without JavaScript


# --- back office -----------------------------------------------------------------------


def test_staff_writes_through_the_form_and_the_body_is_cleaned(world, client):
    client.force_login(world.staff)
    response = client.post(
        reverse("portal:staff_new", args=[world.portal.site_a.pk]),
        {
            "title": "表单写的文章",
            "channel": world.portal.news_a.pk,
            "channels": [world.portal.deputies_a.pk],
            "body": '<p onmouseover="x()">正文</p><script>alert(1)</script>',
            "tags": "人大工作，代表履职",
            "editor": "周文静",
        },
    )
    article = Article.objects.get(title="表单写的文章")
    assert response.status_code == 302
    assert "script" not in article.body and "onmouseover" not in article.body
    assert set(article.tags.values_list("name", flat=True)) == {"人大工作", "代表履职"}
    assert set(article.channels.all()) == {world.portal.news_a, world.portal.deputies_a}


def test_workflow_through_the_pages(world, client):
    article = write(world)
    client.force_login(world.staff)
    url = reverse("portal:staff_action", args=[article.pk, "submit"])
    assert client.get(url).status_code == 200  # confirmation page
    assert client.post(url).status_code == 302
    # The writer may not pass their own article's review: another person reviews it.
    review = reverse("portal:staff_action", args=[article.pk, "review"])
    assert client.post(review, {"note": ""}).status_code == 400
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW
    assert (
        client.get(reverse("portal:staff_action", args=[article.pk, "approve"])).status_code == 403
    )
    client.force_login(world.leader)
    assert client.post(review, {"note": ""}).status_code == 302
    client.post(reverse("portal:staff_action", args=[article.pk, "approve"]), {"publish_at": ""})
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_a_refused_action_shows_its_error_on_the_confirmation_page(world, client):
    article = write(world)
    client.force_login(world.staff)  # an author and reviewer of the site, not an approver
    client.post(reverse("portal:staff_action", args=[article.pk, "submit"]))
    services.review_article(article, acting_user=world.leader)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.APPROVAL
    url = reverse("portal:staff_action", args=[article.pk, "return"])
    assert client.get(url).status_code == 200  # offered to reviewers while it awaits approval
    refused = client.post(url, {"note": "标题再改改"})
    assert refused.status_code == 400
    errors = refused.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0] in refused.content.decode()
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.APPROVAL


def _portal_urls(world, article) -> dict[str, str]:
    return {
        "list": reverse("portal:staff_list"),
        "figures": reverse("portal:staff_figures"),
        "new": reverse("portal:staff_new", args=[world.portal.site_a.pk]),
        "detail": reverse("portal:staff_article", args=[article.pk]),
        "edit": reverse("portal:staff_edit", args=[article.pk]),
        "submit": reverse("portal:staff_action", args=[article.pk, "submit"]),
        "version": reverse("portal:staff_version", args=[article.pk, 1]),
    }


# persona → expected status per page of 清河镇's back office (302: to the login page).
MATRIX = {
    "staff": {"list": 200, "figures": 200, "new": 200, "detail": 200, "edit": 200, "submit": 200, "version": 200},
    "leader": {"list": 200, "figures": 200, "new": 403, "detail": 200, "edit": 200, "submit": 403, "version": 200},
    "admin": {"list": 200, "figures": 200, "new": 403, "detail": 200, "edit": 200, "submit": 403, "version": 200},
    "auditor": {"list": 404, "figures": 404, "new": 404, "detail": 404, "edit": 404, "submit": 404, "version": 404},
    "handler": {"list": 404, "figures": 404, "new": 404, "detail": 404, "edit": 404, "submit": 404, "version": 404},
    "deputy": {"list": 404, "figures": 404, "new": 404, "detail": 404, "edit": 404, "submit": 404, "version": 404},
    "other_town_staff": {"list": 200, "figures": 200, "new": 404, "detail": 404, "edit": 404, "submit": 404, "version": 404},
    "district_admin": {"list": 200, "figures": 200, "new": 403, "detail": 200, "edit": 200, "submit": 403, "version": 200},
    "citizen": {"list": 404, "figures": 404, "new": 404, "detail": 404, "edit": 404, "submit": 404, "version": 404},
    "superuser": {"list": 200, "figures": 200, "new": 200, "detail": 200, "edit": 200, "submit": 200, "version": 200},
    "anonymous": {"list": 302, "figures": 302, "new": 302, "detail": 302, "edit": 302, "submit": 302, "version": 302},
}  # fmt: skip


@pytest.mark.parametrize("persona", list(MATRIX))
def test_back_office_permission_matrix(world, personas, client, persona):
    article = write(world)
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    urls = _portal_urls(world, article)
    got = {name: client.get(url).status_code for name, url in urls.items()}
    assert got == MATRIX[persona]


def test_editing_a_draft_page_is_refused_to_a_non_author(world, client):
    """The edit page opens (200 above) but saving needs the stage's role."""
    article = write(world)
    client.force_login(world.leader)
    client.post(
        reverse("portal:staff_edit", args=[article.pk]),
        {"title": "改", "channel": world.portal.news_a.pk, "body": "<p>改</p>"},
    )
    assert Article.objects.get(pk=article.pk).title != "改"


def test_back_office_list_query_count_is_flat(world, client):
    write(world, title="一")
    client.force_login(world.staff)
    client.get(reverse("portal:staff_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:staff_list"))
    for n in range(8):
        write(world, title=f"多{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:staff_list"))
    assert len(many) == len(few)


def test_publicity_figures_count_articles_per_site_channel_author_and_month(world, client):
    publish(world, title="一", author="吴固安")
    publish(world, title="二", author="吴固安", channel=world.portal.deputies_a)
    publish(world, title="三", author="张勇")
    Article.objects.filter(title="一").update(view_count=10)
    client.force_login(world.staff)
    response = client.get(reverse("portal:staff_figures"))
    by_author = {r["author"]: r["n"] for r in response.context["by_author"]}
    by_channel = {r["channel__name"]: r["n"] for r in response.context["by_channel"]}
    assert by_author == {"吴固安": 2, "张勇": 1}
    assert by_channel == {"人大动态": 2, "代表风采": 1}
    assert response.context["totals"] == {"n": 3, "views": 10}
    assert sum(r["n"] for r in response.context["by_month"]) == 3
    client.force_login(world.other_staff)  # another town sees none of them
    assert client.get(reverse("portal:staff_figures")).context["totals"]["n"] == 0


def test_stored_markup_is_cleaned_again_when_shown(world, client):
    article = publish(world)
    Article.objects.filter(pk=article.pk).update(body='<p>正文</p><script>alert("x")</script>')
    page = client.get(reverse("portal:article", args=[article.pk])).content.decode()
    assert "alert(" not in page and "正文" in page


def test_admin_lists_only_the_users_sites_and_hides_others(world, client):
    client.force_login(world.staff)
    listing = client.get(reverse("admin:portal_site_changelist")).content.decode()
    assert "清河镇人大" in listing and "枫林镇人大" not in listing
    other = reverse("admin:portal_site_change", args=[world.portal.site_b.pk])
    assert client.get(other).status_code == 404
    client.force_login(world.auditor)
    assert client.get(reverse("admin:portal_site_changelist")).status_code in (302, 403)


def test_admin_refuses_unknown_workflow_roles(world, client):
    client.force_login(world.admin)
    site = world.portal.site_a
    url = reverse("admin:portal_site_change", args=[site.pk])
    data = {
        "congress": world.c_a.pk,
        "parent": world.portal.root.pk,
        "name": site.name,
        "slug": site.slug,
        "header_title": site.header_title,
        "footer_text": "",
        "author_roles": "staff,deputy",
        "reviewer_roles": "staff",
        "approver_roles": "leader",
        "require_approval": "on",
        "position": 1,
        "is_active": "on",
        "links-TOTAL_FORMS": 0,
        "links-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 200  # form shown again with the error
    site.refresh_from_db()
    assert site.author_roles == "staff"
