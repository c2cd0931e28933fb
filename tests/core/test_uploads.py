"""User-supplied files (issue 13, finding 2): stored under generated names with the extension
of the detected type, images re-encoded (trailing bytes and metadata gone), zip containers
checked for their unpacked size before anything opens them, and every file served with its
verified type, nosniff and as a download unless it is a re-encoded raster image."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from renda.appraisals import services as appraisal_services
from renda.appraisals.models import Rectification, ReportDocument
from renda.cases.models import Attachment
from renda.congress import roster
from renda.core import uploads
from renda.core.errors import DomainError
from renda.portal import services as portal_services
from renda.portal.models import Article, ArticleAttachment
from renda.projects import services as project_services
from renda.suggestions import services as suggestion_services
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures import portal as portal_fixtures
from tests.fixtures.appraisals import closed_meeting, make_meeting, pdf
from tests.fixtures.cases import submit
from tests.fixtures.portal import publish
from tests.projects import test_web as test_projects_web

# Fixtures shared with the feature's own tests.
town = appraisals_fixtures.town
portal_world = portal_fixtures.portal_world
year, done = test_projects_web.year, test_projects_web.done

SCRIPT = b"alert(document.domain)"
HTML_TAIL = b'<html><script src="/portal/article/1/cover/"></script></html>'
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


# --- files of the finding and their kin --------------------------------------------------------


def _gif(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8), 1).save(out, "GIF", comment=comment)
    return out.getvalue()


def gif_script() -> bytes:
    """A GIF whose comment and tail are JavaScript: run as a script if served as one."""
    return _gif(comment=b"*/=" + SCRIPT + b"//") + b"\n;" + SCRIPT + b";"


def gif_html() -> bytes:
    """A GIF followed by HTML that loads the cover back as a script."""
    return _gif() + HTML_TAIL


def jpeg(*, exif: bool = False, tail: bytes = b"", size: tuple[int, int] = (40, 20)) -> bytes:
    image = Image.new("RGB", size, "navy")
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "EvilPhone"  # Make
        data[0x0112] = 6  # Orientation: rotate 90° to display
        data.get_ifd(0x8825)[2] = (39.0, 54.0, 27.0)  # GPS latitude
        image.save(out, "JPEG", exif=data.tobytes(), comment=b"secret comment")
    else:
        image.save(out, "JPEG")
    return out.getvalue() + tail


def ooxml(kind: str, *, padding: int = 0, entries: int = 0) -> bytes:
    """A minimal .docx / .xlsx container; `padding` bytes of zeros in one entry (a zip bomb
    compresses them a thousandfold), `entries` extra small entries."""
    main = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main, "<document/>")
        if padding:
            with archive.open("word/media/bomb.bin", "w", force_zip64=True) as bomb:
                chunk = b"\0" * (1 << 20)
                for _ in range(padding // len(chunk)):
                    bomb.write(chunk)
        for index in range(entries):
            archive.writestr(f"customXml/item{index}.xml", "")
    return out.getvalue()


def _upload(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="text/html")


def _stored_bytes(field) -> bytes:  # noqa: ANN001
    with field.open("rb") as handle:
        return handle.read()


@pytest.mark.parametrize(
    ("name", "body"), [("cover.js", gif_script()), ("cover.html", gif_html()), ("x.svg", _gif())]
)
def test_an_attack_file_of_the_finding_is_stored_as_a_clean_gif(name, body):
    accepted = uploads.accept(_upload(name, body), kinds=uploads.IMAGES)
    assert accepted.content_type == uploads.GIF
    assert re.fullmatch(r"[0-9a-f]{32}\.gif", accepted.name)
    assert accepted.original_name == name  # kept as data only
    clean = accepted.read()
    assert SCRIPT not in clean and b"<script" not in clean and b"<html" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "GIF" and image.size == (8, 8) and "comment" not in image.info


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("cover.svg", SVG),
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("cover.gif", b"GIF89a" + b"\0" * 20),  # a GIF signature, not a picture
        ("app.js", SCRIPT),
    ],
)
def test_svg_html_script_and_fake_images_are_refused(name, body):
    for kinds in (uploads.IMAGES, uploads.DOCUMENTS):
        with pytest.raises(ValidationError):
            uploads.accept(_upload(name, body), kinds=kinds)


def test_a_jpeg_with_trailing_html_is_re_encoded_without_it():
    accepted = uploads.accept(_upload("photo.html", jpeg(tail=HTML_TAIL)), kinds=uploads.PHOTOS)
    assert accepted.content_type == uploads.JPEG and accepted.name.endswith(".jpg")
    clean = accepted.read()
    assert b"<script" not in clean and clean.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG" and image.size == (40, 20)


def test_exif_and_comments_are_stripped_and_the_orientation_applied():
    accepted = uploads.accept(_upload("IMG_0001.JPG", jpeg(exif=True)), kinds=uploads.PHOTOS)
    clean = accepted.read()
    assert b"EvilPhone" not in clean and b"secret comment" not in clean and b"Exif" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert len(image.getexif()) == 0 and "comment" not in image.info
        assert image.size == (20, 40)  # turned upright, as the camera meant it


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment_and_tail():
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=120, comment=SCRIPT, loop=0
    )
    accepted = uploads.accept(_upload("a.gif", out.getvalue() + HTML_TAIL), kinds=uploads.IMAGES)
    clean = accepted.read()
    assert SCRIPT not in clean and b"<script" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.n_frames == 3 and image.info["duration"] == 120


def test_an_image_too_large_is_refused_before_it_is_decoded():
    with pytest.raises(ValidationError) as caught:
        uploads.accept(_upload("big.jpg", jpeg(size=(300, 20))), kinds=uploads.PHOTOS, max_side=200)
    assert caught.value.code == "image_too_large"


def test_a_zip_bomb_docx_is_refused_before_anything_opens_it(monkeypatch):
    import docx

    def _never(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the document was opened")

    monkeypatch.setattr(docx, "Document", _never)
    bomb = ooxml("docx", padding=256 << 20)  # 256 MB of zeros in a file of a few hundred KB
    assert len(bomb) < 1 << 20
    with pytest.raises(ValidationError) as caught:
        uploads.accept(_upload("report.docx", bomb), kinds=uploads.DOCUMENTS)
    assert caught.value.code == "zip_bomb"
    many = ooxml("docx", entries=3000)
    with pytest.raises(ValidationError) as caught:
        uploads.accept(_upload("report.docx", many), kinds=uploads.DOCUMENTS)
    assert caught.value.code == "zip_bomb"
    fine = uploads.accept(_upload("议程.docx", ooxml("docx")), kinds=uploads.DOCUMENTS)
    assert fine.content_type == uploads.DOCX and fine.name.endswith(".docx")


def test_a_zip_bomb_xlsx_roster_is_refused_before_openpyxl_reads_it(
    client, world, settings, monkeypatch
):
    import openpyxl

    def _never(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the workbook was opened")

    settings.RENDA_MAX_UNZIPPED_BYTES = 4 << 20
    bomb = ooxml("xlsx", padding=8 << 20)
    monkeypatch.setattr(openpyxl, "load_workbook", _never)
    with pytest.raises(DomainError):
        roster.preview_roster(bomb, world.term_a)
    with pytest.raises(DomainError):
        roster.create_import(upload=_upload("名册.xlsx", bomb), term=world.term_a, acting_user=None)
    client.force_login(world.staff)
    response = client.post(
        reverse("admin:congress_deputymembership_import"),
        {"term": world.term_a.pk, "file": _upload("名册.xlsx", bomb)},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "MB" in response.content.decode()
    from renda.congress.models import RosterImport

    assert not RosterImport.objects.exists()


def test_a_docx_named_like_a_workbook_is_not_a_roster(world):
    with pytest.raises(DomainError):
        roster.create_import(
            upload=_upload("名册.xlsx", ooxml("docx")), term=world.term_a, acting_user=None
        )


def test_generated_names_never_keep_the_uploaded_name():
    for name in ("cover.html", "../../etc/passwd", "a.svg", "报告.PDF", "x.jpg"):
        stored = uploads.GeneratedName("cases/%Y/")(None, name)
        assert re.fullmatch(r"cases/\d{4}/[0-9a-f]{32}\.(bin|pdf|jpg)", stored), stored
    assert uploads.storage_name("x.jpg").endswith(".jpg")
    assert uploads.storage_name("cover.html").endswith(".bin")


# --- serving ---------------------------------------------------------------------------------


def _body(response) -> bytes:  # noqa: ANN001
    # Not response.close(): that sends request_finished, which closes the test's database
    # connection (PostgreSQL).
    return b"".join(response.streaming_content)


def _assert_safe(response, content_type: str, *, inline: bool = False) -> str:  # noqa: ANN001
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment"), disposition
    return disposition


@pytest.mark.parametrize(
    ("name", "body"), [("cover.js", gif_script()), ("cover.html", gif_html()), ("x.svg", _gif())]
)
@pytest.mark.usefixtures("portal_world")
def test_the_portal_cover_of_an_attack_file_is_served_as_a_gif(client, world, name, body):
    article = publish(world, cover=_upload(name, body))
    assert re.fullmatch(r"portal/covers/\d+/[0-9a-f]{32}\.gif", article.cover.name)
    assert article.cover_type == uploads.GIF
    response = client.get(reverse("portal:cover", args=[article.pk]))
    _assert_safe(response, "image/gif", inline=True)
    served = _body(response)
    assert SCRIPT not in served and b"<script" not in served


def _legacy(path: str, body: bytes) -> str:
    """A file stored by the earlier code: under its uploaded name, no type recorded."""
    return default_storage.save(path, ContentFile(body))


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("cover.html", gif_html(), "image/gif"),
        ("cover.js", gif_script(), "image/gif"),
        ("cover.svg", SVG, "application/octet-stream"),
    ],
)
@pytest.mark.usefixtures("portal_world")
def test_a_cover_stored_before_types_were_kept_is_served_safely(
    client,
    world,
    name,
    body,
    content_type,
):
    article = publish(world)
    path = _legacy(f"portal/covers/{article.site_id}/{name}", body)
    Article.objects.filter(pk=article.pk).update(cover=path, cover_type="")
    response = client.get(reverse("portal:cover", args=[article.pk]))
    disposition = _assert_safe(response, content_type)  # a download: it was not re-encoded
    assert ".html" not in disposition and ".js" not in disposition and ".svg" not in disposition
    _body(response)


@pytest.mark.usefixtures("portal_world")
def test_portal_attachments_are_downloads_of_their_verified_type(client, world):
    article = portal_services.create_article(
        site=world.portal.site_a,
        channel=world.portal.news_a,
        acting_user=world.staff,
        title="会议通知",
        body="<p>通知</p>",
    )
    item = portal_services.add_attachment(
        article, _upload("会议议程.html", ooxml("docx")), acting_user=world.staff
    )
    assert item.content_type == uploads.DOCX and item.name == "会议议程.html"
    assert re.fullmatch(r"portal/attachments/\d+/[0-9a-f]{32}\.docx", item.file.name)
    legacy = ArticleAttachment.objects.create(
        article=article,
        file=_legacy(f"portal/attachments/{article.pk}/x.html", b"<script>alert(1)</script>"),
        name="x.html",
        uploaded_by=world.staff,
    )
    for user, action in ((world.staff, "submit"), (world.leader, "review")):
        getattr(portal_services, f"{action}_article")(article, acting_user=user)
    portal_services.approve_article(article, acting_user=world.leader)

    response = client.get(reverse("portal:attachment", args=[item.pk]))
    disposition = _assert_safe(response, uploads.DOCX)
    assert "filename*=utf-8''%E4%BC%9A%E8%AE%AE%E8%AE%AE%E7%A8%8B.docx" in disposition
    _body(response)
    response = client.get(reverse("portal:attachment", args=[legacy.pk]))
    disposition = _assert_safe(response, "application/octet-stream")
    assert 'filename="x.bin"' in disposition
    _body(response)


def test_case_attachments_are_re_encoded_and_served_as_downloads(client, cases_world):
    photo = _upload("路灯.html", jpeg(exif=True, tail=HTML_TAIL))
    case = submit(cases_world, files=[photo]).case
    item = Attachment.objects.get(case=case)
    assert item.content_type == uploads.JPEG and item.original_name == "路灯.html"
    assert re.fullmatch(r"cases/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", item.file.name)
    assert b"<script" not in _stored_bytes(item.file)
    client.force_login(cases_world.staff)
    response = client.get(reverse("cases:attachment", args=[item.pk]))
    disposition = _assert_safe(response, "image/jpeg")
    assert ".jpg" in disposition and ".html" not in disposition
    served = _body(response)
    assert b"<script" not in served and b"EvilPhone" not in served
    # A row stored with an untrusted type: the bytes decide, and HTML is never served as such.
    Attachment.objects.filter(pk=item.pk).update(
        content_type="text/html", file=_legacy("cases/old/a.html", b"<script>alert(1)</script>")
    )
    response = client.get(reverse("cases:attachment", args=[item.pk]))
    _assert_safe(response, "application/octet-stream")
    _body(response)


def test_a_public_submission_of_an_svg_or_a_docx_bomb_is_refused(cases_world):
    with pytest.raises(DomainError):
        submit(cases_world, files=[_upload("photo.svg", SVG)])
    with pytest.raises(DomainError):
        submit(cases_world, files=[_upload("a.docx", ooxml("docx", entries=3000))], entered_by=None)
    assert not Attachment.objects.exists()


def test_suggestion_files_keep_their_verified_type_on_the_case(client, cases_world):
    suggestion = suggestion_services.create_draft(
        acting_user=cases_world.deputy_user,
        congress=cases_world.c_a,
        category=cases_world.cat_a,
        title="修缮东塘村道路",
        content="具体情况和建议。",
        session=cases_world.session_a,
        files=[_upload("调研报告.docx", ooxml("docx"))],
    )
    (stored,) = suggestion.files.all()
    assert stored.content_type == uploads.DOCX and stored.original_name == "调研报告.docx"
    assert re.fullmatch(r"suggestions/\d{4}/[0-9a-f]{32}\.docx", stored.file.name)
    suggestion_services.submit_suggestion(suggestion, acting_user=cases_world.deputy_user)
    item = Attachment.objects.get()
    assert item.content_type == uploads.DOCX
    client.force_login(cases_world.staff)
    response = client.get(reverse("cases:attachment", args=[item.pk]))
    assert "filename*=utf-8''" in _assert_safe(response, uploads.DOCX)
    _body(response)


def test_project_photos_are_re_encoded_and_shown_inline(client, done):
    project = done.project
    update = project_services.report_progress(
        project,
        milestone=project.milestones.order_by("order").first(),
        percent=60,
        text="路面铺设",
        photos=[_upload("site.jpg", jpeg(exif=True, tail=HTML_TAIL))],
        acting_user=done.world.staff,
    )
    photo = update.photos.get()
    assert photo.content_type == uploads.JPEG
    assert re.fullmatch(r"projects/photos/\d{4}/[0-9a-f]{32}\.jpg", photo.file.name)
    response = client.get(reverse("projects:photo", args=[photo.pk]))
    _assert_safe(response, "image/jpeg", inline=True)
    served = _body(response)
    assert b"EvilPhone" not in served and b"<script" not in served
    with pytest.raises(DomainError):
        project_services.report_progress(
            project,
            milestone=project.milestones.order_by("order").first(),
            percent=70,
            text="再报",
            photos=[_upload("site.gif", gif_script())],
            acting_user=done.world.staff,
        )


def test_appraisal_documents_and_rectification_reports_are_downloads(client, world, town):
    meeting = make_meeting(world, town)
    reporter = meeting.reporters.get(order=1)
    document = appraisal_services.add_document(
        reporter, title="", file=pdf("述职报告.pdf"), acting_user=world.staff
    )
    assert document.content_type == uploads.PDF and document.title == "述职报告.pdf"
    assert re.fullmatch(r"appraisals/reports/\d{4}/[0-9a-f]{32}\.pdf", document.file.name)
    client.force_login(world.staff)
    response = client.get(reverse("appraisals:document", args=[document.pk]))
    assert ".pdf" in _assert_safe(response, uploads.PDF)
    _body(response)
    with pytest.raises(DomainError):
        appraisal_services.add_document(
            reporter, title="x", file=_upload("x.html", SVG), acting_user=world.staff
        )
    assert ReportDocument.objects.count() == 1


def test_a_rectification_report_is_served_with_its_verified_type(client, world, town):
    closed_meeting(world, town)
    item = Rectification.objects.first()
    appraisal_services.submit_rectification(
        item, report=_upload("整改报告.docx", ooxml("docx")), summary="", acting_user=world.staff
    )
    item.refresh_from_db()
    assert (item.report_type, item.report_name) == (uploads.DOCX, "整改报告.docx")
    client.force_login(world.staff)
    response = client.get(reverse("appraisals:rectification_report", args=[item.pk]))
    assert "filename*=utf-8''" in _assert_safe(response, uploads.DOCX)
    _body(response)


def test_the_back_office_stores_a_deputy_photo_re_encoded_and_refuses_a_script_gif(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_deputy_change", args=[world.deputy_a.pk])
    base = {
        "name": "王建国",
        "gender": "M",
        "ethnicity": "汉族",
        "party": "none",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    refused = client.post(url, {**base, "photo": _upload("me.js", gif_script())})
    assert refused.status_code == 200  # the form again: a deputy photo is a JPEG or PNG
    world.deputy_a.refresh_from_db()
    assert not world.deputy_a.photo
    saved = client.post(url, {**base, "photo": _upload("me.html", jpeg(exif=True, tail=HTML_TAIL))})
    assert saved.status_code == 302
    world.deputy_a.refresh_from_db()
    assert re.fullmatch(r"deputies/[0-9a-f]{32}\.jpg", world.deputy_a.photo.name)
    stored = _stored_bytes(world.deputy_a.photo)
    assert b"<script" not in stored and b"EvilPhone" not in stored


def test_a_row_whose_file_is_gone_is_a_404_not_a_server_error(client, cases_world):
    case = submit(cases_world, files=[_upload("a.pdf", pdf().read())]).case
    item = Attachment.objects.get(case=case)
    default_storage.delete(item.file.name)
    client.force_login(cases_world.staff)
    assert client.get(reverse("cases:attachment", args=[item.pk])).status_code == 404
