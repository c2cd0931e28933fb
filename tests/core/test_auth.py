"""Login, lockout after repeated failures, TOTP second factor, staff session timeout."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.core.models import ActionLog, User

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


# --- password change, for every role -------------------------------------------------------

CHANGE = "/accounts/password/change/"
RESET = "/accounts/password/reset/"
RESET_CODE = "/accounts/password/reset/code/"
GOOD = "Qinghe-river-lamp-2026"


@pytest.mark.parametrize(
    "persona", ["staff", "handler", "station_manager", "deputy", "leader", "auditor", "citizen"]
)
def test_every_role_changes_its_own_password_from_the_top_bar(client, personas, persona):
    user = personas[persona]
    client.force_login(user)
    home = client.get(reverse("congress:workspace")).content.decode()
    assert f'href="{CHANGE}"' in home and "修改密码" in home  # in the top bar
    page = client.get(CHANGE)
    assert page.status_code == 200
    assert "修改密码" in page.content.decode() and 'name="viewport"' in page.content.decode()
    response = client.post(
        CHANGE,
        {"old_password": "pw-for-tests-1", "new_password1": GOOD, "new_password2": GOOD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert ActionLog.objects.filter(action="auth.password_changed", actor=user).count() == 1
    assert client.get(reverse("congress:workspace")).status_code == 200  # still signed in


def test_a_password_change_ends_the_other_sessions(world):
    from django.test import Client

    here, elsewhere = Client(), Client()
    here.force_login(world.handler_a)
    elsewhere.force_login(world.handler_a)
    here.post(
        CHANGE, {"old_password": "pw-for-tests-1", "new_password1": GOOD, "new_password2": GOOD}
    )
    assert here.get(reverse("congress:workspace")).status_code == 200
    assert elsewhere.get(reverse("congress:workspace")).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, world):
    client.force_login(world.station)
    response = client.post(
        CHANGE, {"old_password": "not-it", "new_password1": GOOD, "new_password2": GOOD}
    )
    assert response.status_code == 200
    assert "旧密码" in response.content.decode()
    world.station.refresh_from_db()
    assert world.station.check_password("pw-for-tests-1")


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Short-1", "密码长度太短"),
        ("qwertyuiop", "这个密码太常见了"),
        ("station_a-2026", "太相似了"),
        ("4839201746", "密码只包含数字"),
    ],
)
def test_the_password_policy_applies_to_the_change(client, world, new, message):
    client.force_login(world.station)
    response = client.post(
        CHANGE, {"old_password": "pw-for-tests-1", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    world.station.refresh_from_db()
    assert world.station.check_password("pw-for-tests-1")


def test_the_password_change_needs_the_second_factor_first(client, world, settings):
    TOTPDevice.objects.create(user=world.staff, name="phone", confirmed=True)
    _login(client, "staff_a")
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:otp_verify"))


def test_the_password_change_needs_a_login(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_accounts_created_in_the_admin_follow_the_password_policy(client, world):
    client.force_login(world.superuser)
    add = reverse("admin:core_user_add")
    base = {"username": "new_clerk", "name": "新同事", "phone": "13912345678", "email": ""}
    weak = client.post(add, {**base, "password1": "qwertyuiop", "password2": "qwertyuiop"})
    assert weak.status_code == 200
    assert "这个密码太常见了" in weak.content.decode()
    similar = client.post(add, {**base, "password1": "new_clerk-1", "password2": "new_clerk-1"})
    assert "太相似了" in similar.content.decode()
    assert not User.objects.filter(username="new_clerk").exists()
    good = client.post(add, {**base, "password1": GOOD, "password2": GOOD})
    assert good.status_code == 302
    assert User.objects.get(username="new_clerk").check_password(GOOD)
    target = User.objects.get(username="new_clerk")
    change = reverse("admin:auth_user_password_change", args=[target.pk])
    weak = client.post(change, {"password1": "1234567890", "password2": "1234567890"})
    assert weak.status_code == 200
    assert "密码只包含数字" in weak.content.decode()
    target.refresh_from_db()
    assert target.check_password(GOOD)


# --- password reset by SMS code -----------------------------------------------------------


@pytest.fixture
def sms(settings):
    from renda.core.notify import MemorySMSBackend

    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    MemorySMSBackend.outbox.clear()
    yield MemorySMSBackend.outbox
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def phones(world):
    User.objects.filter(pk=world.handler_a.pk).update(phone="13911110001")
    User.objects.filter(pk=world.deputy_user.pk).update(phone="13911110002", email="dep@example.cn")
    return world


def _ask(client, username: str, addr: str = "10.7.7.7"):
    return client.post(RESET, {"username": username}, REMOTE_ADDR=addr)


def _code(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1].text).group(0)


def _reset(client, username: str, code: str, password: str = GOOD, addr: str = "10.7.7.7"):
    return client.post(
        RESET_CODE,
        {"username": username, "code": code, "new_password1": password, "new_password2": password},
        REMOTE_ADDR=addr,
    )


def test_a_reset_code_goes_to_the_accounts_phone_and_sets_a_new_password(
    client, phones, sms, django_capture_on_commit_callbacks
):
    login_page = client.get(LOGIN).content.decode()
    assert f'href="{RESET}"' in login_page and "忘记密码" in login_page
    assert "验证码" in client.get(RESET).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, "handler_a1")
    assert response.status_code == 302 and response["Location"] == RESET_CODE
    assert [m.phone for m in sms] == ["13911110001"]
    assert "验证码" in sms[0].text
    code = _code(sms)
    form = client.get(RESET_CODE).content.decode()
    assert 'value="handler_a1"' in form  # carried over from the request page
    done = _reset(client, "handler_a1", code)
    assert done.status_code == 302 and done["Location"] == LOGIN
    phones.handler_a.refresh_from_db()
    assert phones.handler_a.check_password(GOOD)
    assert ActionLog.objects.filter(action="auth.password_reset_requested").count() == 1
    assert ActionLog.objects.filter(action="auth.password_reset", actor=phones.handler_a).exists()
    assert _login(client, "handler_a1", GOOD).status_code == 302


def test_the_code_also_goes_to_the_e_mail_address_where_set(
    client, phones, sms, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "deputy_a")
    assert [m.phone for m in sms] == ["13911110002"]
    assert mailoutbox[0].to == ["dep@example.cn"]
    assert _code(sms) in mailoutbox[0].body


def test_the_answer_is_the_same_for_unknown_accounts(
    client, phones, sms, django_capture_on_commit_callbacks
):
    """Existing with a phone, existing without one, inactive, unknown: one answer."""
    User.objects.filter(pk=phones.citizen.pk).update(is_active=False, phone="13911110003")
    answers = []
    for username in ("handler_a1", "staff_a", "citizen", "nobody-at-all"):
        from django.test import Client

        other = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = _ask(other, username)
        page = other.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                [str(m) for m in page.context["messages"]],
                page.content.decode()
                .replace(username, "NAME")
                .split('name="csrfmiddlewaretoken"')[0],
            )
        )
    assert all(answer == answers[0] for answer in answers)
    assert len(sms) == 1  # only the active account with a phone got a code
    wrong = {
        name: _reset(client, name, "123456", addr="10.8.8.8").content.decode()
        for name in ("handler_a1", "nobody-at-all")
    }
    for page in wrong.values():
        assert "验证码错误或已过期" in page


def test_a_code_is_single_use(client, phones, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "handler_a1")
    code = _code(sms)
    assert _reset(client, "handler_a1", code).status_code == 302
    again = _reset(client, "handler_a1", code, password="Another-river-2027")
    assert again.status_code == 200
    assert "验证码错误或已过期" in again.content.decode()
    phones.handler_a.refresh_from_db()
    assert phones.handler_a.check_password(GOOD)


def test_a_code_expires(client, phones, sms, monkeypatch, django_capture_on_commit_callbacks):
    from renda.core import auth

    monkeypatch.setattr(auth, "RESET_CODE_SECONDS", 0.3)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "handler_a1")
    time.sleep(0.5)
    response = _reset(client, "handler_a1", _code(sms))
    assert "验证码错误或已过期" in response.content.decode()
    phones.handler_a.refresh_from_db()
    assert phones.handler_a.check_password("pw-for-tests-1")


def test_codes_are_stored_hashed(client, phones, sms, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from renda.core import auth

    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "handler_a1")
    code = _code(sms)
    stored = cache.get(auth._code_key(phones.handler_a.pk))
    assert stored and code not in repr(stored)
    assert len(stored["digest"]) >= 40


def test_five_wrong_tries_spend_the_code(client, phones, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "handler_a1")
    code = _code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        _reset(client, "handler_a1", wrong)
    response = _reset(client, "handler_a1", code)
    assert "验证码错误或已过期" in response.content.decode()


def test_the_policy_applies_to_the_reset_and_a_refused_password_keeps_the_code(
    client, phones, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "handler_a1")
    code = _code(sms)
    weak = _reset(client, "handler_a1", code, password="qwertyuiop")
    assert weak.status_code == 200 and "这个密码太常见了" in weak.content.decode()
    assert _reset(client, "handler_a1", code).status_code == 302


def test_reset_requests_are_rate_limited_per_address_and_per_name(
    client, phones, sms, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_PASSWORD_RESET_LIMIT = 3
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [_ask(client, f"someone-{n}", addr="10.5.5.5").status_code for n in range(4)]
        assert statuses == [302, 302, 302, 429]
        # The same for a real account: the limit counts the address, not the account.
        assert _ask(client, "deputy_a", addr="10.5.5.5").status_code == 429
        # One name from many addresses: limited too (no SMS flood to one person).
        statuses = [_ask(client, "handler_a1", addr=f"10.6.6.{n}").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(sms) == 3


def test_wrong_codes_are_rate_limited_per_address(client, phones, settings):
    settings.RENDA_CODE_LIMIT = 4
    statuses = [
        _reset(client, f"user-{n}", "123456", addr="10.4.4.4").status_code for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]


# --- lockout per address across user names ------------------------------------------------


def test_spraying_one_password_over_many_accounts_is_stopped(client, world, settings):
    settings.RENDA_LOGIN_ADDRESS_LIMIT = 6
    names = ["staff_a", "leader_a", "admin_a", "auditor_a", "handler_a1", "handler_a2"]
    for name in names:  # one try each: axes' per-name lockout never trips
        assert _login(client, name, "Spring2026!").status_code == 200
    locked = _login(client, "station_a")  # the right password, from the same address
    assert locked.status_code == 429
    assert "该网络地址" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Every way in goes through authenticate(): the admin's login, a future API login.
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.9.9.9")
    assert authenticate(request, username="station_a", password="pw-for-tests-1") is None
    assert request.axes_locked_out
    from django.test import Client

    elsewhere = Client()
    ok = elsewhere.post(
        LOGIN, {"username": "station_a", "password": "pw-for-tests-1"}, REMOTE_ADDR="10.9.9.10"
    )
    assert ok.status_code == 302
