"""The error pages (issue 17 item 6): 400, 403, 404, the CSRF failure and 500 in Chinese, in
the site's frame (500 stand-alone), each with a way back; the favicon."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path

from renda import urls as project_urls


def _raise_400(request):  # noqa: ANN001, ANN202
    raise SuspiciousOperation("bad")


def _raise_403(request):  # noqa: ANN001, ANN202
    raise PermissionDenied


def _raise_500(request):  # noqa: ANN001, ANN202
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/400/", _raise_400),
    path("test-errors/403/", _raise_403),
    path("test-errors/500/", _raise_500),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

pytestmark = pytest.mark.urls("tests.core.test_error_pages")


@pytest.fixture
def production(settings):
    settings.DEBUG = False


def _client() -> Client:
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _assert_frame_and_way_back(body: str, heading: str) -> None:
    assert heading in body
    assert 'class="topbar"' in body  # the site's frame
    assert 'id="error-home"' in body and "首页" in body
    assert "Not Found" not in body and "Forbidden" not in body
    assert "favicon" in body


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/test-errors/400/", 400, "请求无法处理"),
        ("/test-errors/403/", 403, "您无权访问此页面"),
        ("/no-such-page/", 404, "页面不存在"),
    ],
)
def test_each_status_is_a_chinese_page_with_a_way_back(world, production, url, status, heading):
    client = _client()
    response = client.get(url, HTTP_REFERER="http://testserver/workspace/")
    assert response.status_code == status
    body = response.content.decode()
    _assert_frame_and_way_back(body, heading)
    assert 'href="http://testserver/workspace/"' in body and "返回上一页" in body


def test_a_signed_in_user_is_offered_their_workspace(world, production):
    client = _client()
    client.force_login(world.staff)
    body = client.get("/no-such-page/").content.decode()
    assert 'id="error-workspace"' in body
    assert world.staff.name in body  # the frame with the user's bar


def test_another_sites_referer_is_not_offered_as_the_way_back(world, production):
    for referer in ("https://evil.example/x", "javascript:alert(1)"):
        body = _client().get("/no-such-page/", HTTP_REFERER=referer).content.decode()
        assert "evil.example" not in body and "javascript:" not in body
        assert 'id="error-back"' not in body


def test_the_csrf_failure_is_the_chinese_page(world, production):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    _assert_frame_and_way_back(body, "表单已失效")
    assert "CSRF" not in body


def test_500_is_the_chinese_page_with_a_way_back(world, production):
    client = _client()
    client.force_login(world.staff)
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body and 'id="error-home"' in body and 'id="error-workspace"' in body
    assert "Server Error" not in body


def test_the_500_handler_touches_no_database(world, production, rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from renda.core.views.errors import server_error

    request = rf.get("/anything/", HTTP_REFERER="http://testserver/cases/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()
    assert 'href="http://testserver/cases/"' in response.content.decode()


def test_the_500_template_needs_no_context_processor():
    from django.template import loader

    body = loader.get_template("errors/500.html").render({})
    assert "系统出错" in body or "Server error" in body


def test_the_favicon_is_served(world, production):
    client = _client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("renda/favicon.ico")
    home = client.get("/").content.decode()
    assert 'rel="icon"' in home and "renda/favicon.svg" in home
