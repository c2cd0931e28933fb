"""What the article editor (django-prose-editor) may store: <p> paragraphs, tables and
alignment survive the cleaner, anything else in a style attribute does not; bodies of the
earlier editor (<div> paragraphs) become <p> on display and by the data migration; the
pictures of a body come in through the checked upload path and are served by a checked
address."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from renda.core.errors import DomainError
from renda.portal import services
from renda.portal.models import Article, BodyImage
from renda.portal.sanitize import clean_html
from tests.fixtures.portal import publish, write


def _png(payload: bytes = b"") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue() + payload, content_type="image/png")


def test_tables_and_alignment_survive_the_cleaner():
    body = (
        '<p style="text-align: center">标题</p><h2 style="text-align:right">二</h2>'
        '<table style="min-width: 75px"><colgroup><col style="min-width: 25px"></colgroup>'
        '<tbody><tr><th colspan="1" rowspan="1"><p>项目</p></th>'
        '<td colspan="2" rowspan="1" style="text-align: justify"><p>说明</p></td></tr></tbody></table>'
    )
    assert clean_html(body) == (
        '<p style="text-align: center">标题</p><h2 style="text-align: right">二</h2>'
        "<table><colgroup><col></colgroup><tbody><tr>"
        '<th colspan="1" rowspan="1"><p>项目</p></th>'
        '<td colspan="2" rowspan="1" style="text-align: justify"><p>说明</p></td>'
        "</tr></tbody></table>"
    )


@pytest.mark.parametrize(
    "style",
    [
        "text-align: expression(alert(1))",
        "text-align: center; background: url(javascript:alert(1))",
        "color: red",
        "text-align: centre",
        "behavior: url(x.htc)",
        "text-align:/**/center",
    ],
)
def test_any_other_style_drops_the_attribute(style):
    cleaned = clean_html(f'<p style="{style}">正文</p><td style="{style}">x</td>')
    assert "style" not in cleaned and "正文" in cleaned


def test_div_paragraphs_become_p():
    assert clean_html("<div>一段</div><div>二<b>段</b><br></div>") == (
        "<p>一段</p><p>二<b>段</b><br></p>"
    )
    # A <div> around blocks is unwrapped; its attributes never survive.
    assert clean_html('<div onclick="x()"><div>甲</div><ul><li>乙</li></ul></div>') == (
        "<p>甲</p><ul><li>乙</li></ul>"
    )


@pytest.mark.django_db
def test_the_data_migration_turns_stored_div_paragraphs_into_p(portal_world):
    article = write(portal_world)
    stored = "<div>第一段</div><div>第二段<strong>加粗</strong></div><div><p>已是段落</p></div>"
    Article.objects.filter(pk=article.pk).update(body=stored)
    migration = importlib.import_module("renda.portal.migrations.0006_div_paragraphs")
    from django.apps import apps

    migration.forwards(apps, None)
    article.refresh_from_db()
    assert article.body == "<p>第一段</p><p>第二段<strong>加粗</strong></p><p>已是段落</p>"


@pytest.mark.django_db
def test_a_published_article_with_div_paragraphs_shows_p(portal_world, client):
    article = publish(portal_world)
    Article.objects.filter(pk=article.pk).update(body="<div>旧编辑器的段落</div>")
    page = client.get(f"/portal/article/{article.pk}/").content.decode()
    assert "<p>旧编辑器的段落</p>" in page and "<div>旧编辑器的段落" not in page
    printed = client.get(f"/portal/article/{article.pk}/print/").content.decode()
    assert "<p>旧编辑器的段落</p>" in printed
    assert 'id="print-page"' in printed and "portal/js/print" in printed


@pytest.mark.django_db
def test_a_body_image_is_checked_and_reencoded(portal_world):
    world = portal_world
    image = services.add_body_image(
        world.portal.site_a, _png(b"<script>alert(1)</script>"), acting_user=world.staff
    )
    assert image.content_type == "image/png"
    data = image.file.read()
    assert b"<script>" not in data and data.startswith(b"\x89PNG")
    with pytest.raises(DomainError):
        services.add_body_image(
            world.portal.site_a,
            SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"),
            acting_user=world.staff,
        )
    # Only who may write on the site: not another town's staff, not a deputy.
    for outsider in (world.other_staff, world.deputy_user, world.auditor):
        with pytest.raises(DomainError):
            services.add_body_image(world.portal.site_a, _png(), acting_user=outsider)
    assert BodyImage.objects.count() == 1


@pytest.mark.django_db
def test_the_upload_address_answers_json_and_refuses_other_sites(portal_world, client):
    world = portal_world
    client.force_login(world.staff)
    answer = client.post(f"/portal/office/images/{world.portal.site_a.pk}/", {"file": _png()})
    assert answer.status_code == 200
    image = BodyImage.objects.get()
    assert answer.json() == {"url": f"/portal/images/{image.pk}/"}
    bad = client.post(
        f"/portal/office/images/{world.portal.site_a.pk}/",
        {"file": SimpleUploadedFile("a.gif", b"GIF89a<html>", content_type="image/gif")},
    )
    assert bad.status_code == 400 and bad.json()["error"]
    assert client.get(f"/portal/office/images/{world.portal.site_a.pk}/").status_code == 405
    other = client.post(f"/portal/office/images/{world.portal.site_b.pk}/", {"file": _png()})
    assert other.status_code == 404
    assert BodyImage.objects.count() == 1


@pytest.mark.django_db
def test_a_body_image_is_public_only_once_a_published_article_shows_it(portal_world, client):
    world = portal_world
    image = services.add_body_image(world.portal.site_a, _png(), acting_user=world.staff)
    url = f"/portal/images/{image.pk}/"
    draft = write(world, body=f'<p>草稿</p><img src="{url}" alt="现场">')
    assert client.get(url).status_code == 404  # a draft shows it: not yet public
    client.force_login(world.other_staff)
    assert client.get(url).status_code == 404  # another town's office
    client.force_login(world.staff)
    office = client.get(url)
    assert office.status_code == 200 and office["Cache-Control"] == "private, no-store"
    client.logout()
    services.submit_article(draft, acting_user=world.staff)
    services.review_article(draft, acting_user=world.leader)
    services.approve_article(draft, acting_user=world.leader)
    shown = client.get(url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff"
    page = client.get(f"/portal/article/{draft.pk}/").content.decode()
    assert f'<img src="{url}" alt="现场">' in page
