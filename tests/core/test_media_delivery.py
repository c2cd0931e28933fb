"""Protected downloads (renda.core.uploads.serve) in each delivery mode — streamed by the
app, handed to nginx by X-Accel-Redirect, or redirected to a short-lived signed URL of an
S3-compatible store — always after the view's access check and with the type verified at
upload; and the S3 storage chosen by the environment (RENDA_STORAGE=s3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import InMemoryStorage
from django.http import Http404
from django.urls import reverse
from storages.backends.s3 import S3Storage

from renda.cases.models import Attachment
from renda.core import uploads
from tests.core.test_uploads import _body, _upload, jpeg
from tests.fixtures.cases import submit


class SignedMemoryStorage(InMemoryStorage):
    """An object store kept in memory whose url() is the real S3Storage's: a SigV4 signed
    URL computed locally by botocore (no network), as against a MinIO endpoint."""

    def url(self, name, parameters=None, expire=None, http_method=None):  # noqa: ANN001, ANN201
        signer = S3Storage(
            bucket_name="renda-media",
            endpoint_url="http://minio.test:9000",
            access_key="AKIDEXAMPLE",
            secret_key="secret",
            region_name="us-east-1",
            addressing_style="path",
            signature_version="s3v4",
            querystring_auth=True,
        )
        return signer.url(name, parameters=parameters, expire=expire)


@pytest.fixture
def attachment(cases_world):  # noqa: ANN001, ANN201
    case = submit(cases_world, files=[_upload("路灯 照片.html", jpeg())]).case
    return Attachment.objects.get(case=case)


def _get(client, user, item):  # noqa: ANN001, ANN202
    client.force_login(user)
    return client.get(reverse("cases:attachment", args=[item.pk]))


def _assert_protected(response, content_type: str) -> str:  # noqa: ANN001
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == content_type
    return response["Content-Disposition"]


def test_streaming_is_the_default(client, cases_world, attachment):
    assert uploads.delivery() == "stream"
    response = _get(client, cases_world.staff, attachment)
    assert response.status_code == 200 and "X-Accel-Redirect" not in response
    disposition = _assert_protected(response, "image/jpeg")
    assert disposition.startswith("attachment") and ".jpg" in disposition
    assert _body(response)[:3] == b"\xff\xd8\xff"


def test_accel_hands_the_file_to_nginx_after_the_access_check(
    client, settings, cases_world, attachment
):
    settings.RENDA_MEDIA_DELIVERY = "accel"
    settings.RENDA_MEDIA_ACCEL = "/protected/"
    response = _get(client, cases_world.staff, attachment)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{attachment.file.name}"
    assert response.content == b""  # nginx sends the bytes from its internal location
    disposition = _assert_protected(response, "image/jpeg")
    assert disposition.startswith("attachment") and ".jpg" in disposition
    assert ".html" not in disposition
    # Another town's office: the view's check refuses before anything is handed over.
    refused = _get(client, cases_world.other_staff, attachment)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    # A row whose file is gone is a 404 here too, not an nginx error.
    attachment.file.storage.delete(attachment.file.name)
    assert _get(client, cases_world.staff, attachment).status_code == 404


def test_accel_streams_a_row_without_a_verified_type(client, settings, cases_world, attachment):
    """A legacy row's bytes must be looked at again: it is streamed, never handed over."""
    settings.RENDA_MEDIA_DELIVERY = "accel"
    settings.RENDA_MEDIA_ACCEL = "/protected/"
    Attachment.objects.filter(pk=attachment.pk).update(content_type="text/html")
    response = _get(client, cases_world.staff, attachment)
    assert "X-Accel-Redirect" not in response
    _assert_protected(response, "image/jpeg")  # re-detected from the bytes
    _body(response)


def test_accel_quotes_the_stored_name(settings):
    settings.RENDA_MEDIA_ACCEL = "protected"
    settings.RENDA_MEDIA_DELIVERY = "accel"
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("odd/a b#c.pdf", ContentFile(b"%PDF-1.4"))

    class Field:
        storage = default_storage

    Field.name = name  # type: ignore[attr-defined]
    response = uploads.serve(Field(), content_type=uploads.PDF, filename="会议纪要.pdf")
    assert response["X-Accel-Redirect"] == "/protected/odd/a%20b%23c.pdf"
    Field.name = "../secret_key"  # type: ignore[attr-defined]
    with pytest.raises(Http404):
        uploads.serve(Field(), content_type=uploads.PDF)
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_signed_urls_redirect_to_the_store_after_the_access_check(
    client, settings, cases_world, attachment
):
    # The file moves to the object store; the row keeps its name and verified type.
    with attachment.file.open("rb") as handle:
        body = handle.read()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.core.test_media_delivery.SignedMemoryStorage"},
    }
    settings.RENDA_MEDIA_DELIVERY = "signed"
    settings.RENDA_MEDIA_URL_SECONDS = 45
    item = Attachment.objects.get(pk=attachment.pk)
    from django.core.files.base import ContentFile

    item.file.storage.save(item.file.name, ContentFile(body))
    response = _get(client, cases_world.staff, item)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert (url.netloc, url.path) == ("minio.test:9000", f"/renda-media/{item.file.name}")
    assert query["X-Amz-Expires"] == ["45"] and query["X-Amz-Signature"]
    assert query["response-content-type"] == ["image/jpeg"]  # the verified type
    [disposition] = query["response-content-disposition"]
    assert disposition.startswith("attachment") and ".jpg" in disposition
    assert query["response-cache-control"] == ["private, no-store"]
    assert response["X-Content-Type-Options"] == "nosniff"
    refused = _get(client, cases_world.other_staff, item)
    assert refused.status_code == 404 and "Location" not in refused


def test_a_project_photo_is_signed_for_inline_display(settings):
    settings.RENDA_MEDIA_DELIVERY = "signed"

    class Field:
        name = "projects/p.jpg"
        storage = SignedMemoryStorage()

    response = uploads.serve(Field(), content_type=uploads.JPEG, inline=True)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-disposition"][0].startswith("inline")
    # Not an image: never inline, whatever the page asks.
    response = uploads.serve(Field(), content_type=uploads.PDF, inline=True)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-disposition"][0].startswith("attachment")


def _settings_with(env: dict[str, str]) -> dict:
    code = (
        "import json, django, os; django.setup(); from django.conf import settings;"
        "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'],"
        "'delivery': settings.RENDA_MEDIA_DELIVERY,"
        "'img': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'],"
        "'options': settings.STORAGES['default'].get('OPTIONS', {})}))"
    )
    run = subprocess.run(  # noqa: S603  (this interpreter, fixed code)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "renda.settings", **env},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_environment_chooses_the_storage_and_the_delivery(tmp_path):
    base = {"RENDA_VAR_DIR": str(tmp_path)}
    local = _settings_with(base)
    assert local["backend"] == "django.core.files.storage.FileSystemStorage"
    assert local["delivery"] == "stream"
    assert _settings_with({**base, "RENDA_MEDIA_ACCEL": "/protected/"})["delivery"] == "accel"
    s3 = _settings_with(
        {
            **base,
            "RENDA_STORAGE": "s3",
            "RENDA_S3_BUCKET": "renda-media",
            "RENDA_S3_ENDPOINT": "http://minio:9000",
            "RENDA_S3_ACCESS_KEY": "minio",
            "RENDA_S3_SECRET_KEY": "minio-secret",
        }
    )
    assert s3["backend"] == "storages.backends.s3.S3Storage"
    assert s3["delivery"] == "signed"
    assert s3["options"]["bucket_name"] == "renda-media"
    assert s3["options"]["endpoint_url"] == "http://minio:9000"
    assert s3["options"]["default_acl"] is None and s3["options"]["querystring_auth"] is True
    assert s3["options"]["file_overwrite"] is False
    # Pages may show images redirected to the store, and nothing else from outside.
    assert s3["img"] == ["'self'", "data:", "http://minio:9000"]
    assert local["img"] == ["'self'", "data:"]
