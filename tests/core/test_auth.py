"""Login, lockout after repeated failures, TOTP second factor, staff session timeout."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.core.models import ActionLog

LOGIN = "/accounts/login/"


def _login(client, username: str, password: str = "pw-for-tests-1", **extra):  # noqa: S107
    return client.post(
        LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR="10.9.9.9"
    )


def test_login_page_is_chinese_by_default(client, db):
    page = client.get(LOGIN).content.decode()
    assert "登录" in page


def test_a_good_login_lands_on_the_workspace_and_is_logged(client, world):
    response = _login(client, "staff_a")
    assert response.status_code == 302
    assert response["Location"] == reverse("congress:workspace")
    assert ActionLog.objects.filter(action="auth.login", actor=world.staff).exists()


def test_wrong_password_is_a_translated_error_and_is_logged(client, world):
    response = _login(client, "staff_a", "wrong-password")
    assert response.status_code == 200
    assert "请输入" in response.content.decode() or "正确" in response.content.decode()
    assert ActionLog.objects.filter(action="auth.login_failed").count() == 1


def test_repeated_failures_lock_the_account_with_a_translated_message(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "staff_a", "wrong-password")
    locked = _login(client, "staff_a")  # even the right password is refused now
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert ActionLog.objects.filter(action="auth.locked_out").exists()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from django.conf import settings as live

    # The test run swaps in a fast hasher; the project's setting is Argon2 first.
    import renda.settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert live.PASSWORD_HASHERS  # configured


def test_argon2_hasher_works(settings, db):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    encoded = make_password("a-long-password")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("a-long-password", encoded)


def _token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def test_role_that_requires_two_factor_must_enrol_before_the_back_office(client, world, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff"]
    _login(client, "staff_a")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:otp_setup"))
    setup = client.get(reverse("core:otp_setup"))
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=world.staff, confirmed=False)
    bad = client.post(reverse("core:otp_setup"), {"token": "000000"})
    assert bad.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp throttles guessing
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    good = client.post(reverse("core:otp_setup"), {"token": _token(device), "next": "/admin/"})
    assert good.status_code == 302 and good["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert ActionLog.objects.filter(action="auth.otp_enrolled", actor=world.staff).exists()


def test_enrolled_user_must_verify_at_each_login(client, world, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    device = TOTPDevice.objects.create(user=world.staff, name="phone", confirmed=True)
    _login(client, "staff_a")
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("core:otp_verify"))
    wrong = client.post(reverse("core:otp_verify"), {"token": "123456"})
    assert wrong.status_code == 200
    assert ActionLog.objects.filter(action="auth.otp_failed").exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(reverse("core:otp_verify"), {"token": _token(device), "next": "/admin/"})
    assert ok.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_role_without_the_requirement_is_not_asked(client, world, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin"]
    _login(client, "staff_a")
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(("username", "idle"), [("staff_a", 1800), ("citizen", None)])
def test_back_office_sessions_expire_after_idle_time(client, world, username, idle):
    _login(client, username)
    client.get(reverse("congress:workspace"))
    expiry = client.session.get("_session_expiry")
    assert expiry == idle


def test_open_redirects_are_refused_after_two_factor(client, world, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff"]
    _login(client, "staff_a")
    client.get(reverse("core:otp_setup"))
    device = TOTPDevice.objects.get(user=world.staff)
    response = client.post(
        reverse("core:otp_setup"), {"token": _token(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("congress:workspace")
