"""SMS providers (renda.core.sms): every SMS is a kind with named parameters, mapped to the
installation's templates; the Alibaba Cloud and Tencent Cloud adapters (their SDK clients
mocked at the send method, no network); provider errors retried with backoff, then failed
and shown to the office; the per-number daily cap in the store every process shares; the
console backend as the embedded default."""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from alibabacloud_dysmsapi20170525.client import Client as AliyunClient
from alibabacloud_dysmsapi20170525.models import SendSmsResponse, SendSmsResponseBody
from django.urls import reverse
from django.utils import timezone
from Tea.exceptions import TeaException
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.sms.v20210111 import models as tencent_models
from tencentcloud.sms.v20210111.sms_client import SmsClient as TencentClient

from renda.core import notify, ratelimit, sms
from renda.core.models import ActionLog, OutboxMessage, OutboxStatus
from renda.core.sharedcache import SQLiteCache

ALIYUN = "renda.core.sms.AliyunSMSBackend"
TENCENT = "renda.core.sms.TencentSMSBackend"
PHONE = "13812345678"
TEMPLATES = {
    "password_reset": {"template": "SMS_100", "params": ["code"]},
    "station_duty": {"template": "2001", "params": ["station", "day", "start"]},
    "case_answered": "SMS_300",
}


@pytest.fixture(autouse=True)
def _provider_settings(settings):
    settings.RENDA_SMS_TEMPLATES = TEMPLATES
    settings.RENDA_SMS_SIGN_NAME = "清河镇人大"
    settings.RENDA_SMS_KEY_ID = "id"
    settings.RENDA_SMS_KEY_SECRET = "secret"
    settings.RENDA_SMS_APP_ID = "1400000000"
    settings.RENDA_SMS_DAILY_CAP = 10
    settings.RENDA_OUTBOX_RETRY_SECONDS = 30
    settings.RENDA_OUTBOX_MAX_ATTEMPTS = 4


class AliyunFake:
    """Stands in for the SDK client's send_sms: records the requests, answers in turn."""

    def __init__(self, monkeypatch, answers):
        self.requests: list = []
        self.answers = list(answers)
        fake = self

        def send_sms(client, request):  # noqa: ANN001, ANN202
            fake.requests.append(request)
            answer = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
            if isinstance(answer, Exception):
                raise answer
            return SendSmsResponse(
                status_code=200,
                body=SendSmsResponseBody(
                    code=answer, message="m", biz_id=f"biz-{len(fake.requests)}", request_id="r"
                ),
            )

        monkeypatch.setattr(AliyunClient, "send_sms", send_sms)


class TencentFake:
    def __init__(self, monkeypatch, answers):
        self.requests: list = []
        self.answers = list(answers)
        fake = self

        def send(client, request):  # noqa: ANN001, ANN202
            fake.requests.append(request)
            answer = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
            if isinstance(answer, Exception):
                raise answer
            status = tencent_models.SendStatus()
            status.Code, status.Message = answer, "msg"
            status.SerialNo = f"serial-{len(fake.requests)}"
            response = tencent_models.SendSmsResponse()
            response.SendStatusSet, response.RequestId = [status], "req-1"
            return response

        monkeypatch.setattr(TencentClient, "SendSms", send)


def _send(phone=PHONE, kind="password_reset", **params):  # noqa: ANN001, ANN003, ANN202
    """Queue, then what runs after the commit: the nudge (inline here, as in the embedded
    mode; a worker's task in production)."""
    notify.sms_on_commit(phone, kind=kind, params=params or {"code": "123456"})
    row = OutboxMessage.objects.order_by("-pk").first()
    notify.nudge([row.pk])
    return row


def _retry_now() -> dict:
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())
    return notify.drain()


# --- kinds and templates ----------------------------------------------------------------


def test_every_sms_the_platform_sends_names_its_kind():
    """No free-text SMS left in the services: each call passes a kind of KINDS."""
    root = Path(__file__).resolve().parents[2] / "renda"
    calls = []
    for path in root.rglob("*.py"):
        if path.name in ("notify.py", "tasks.py"):
            continue
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"sms_on_commit\((.*?)\)\n", source, re.S):
            calls.append((path.name, match.group(1)))
    assert len(calls) >= 5
    for name, args in calls:
        kind = re.search(r'kind=(?:"(\w+)"|(\w*sms_kind))', args)
        assert kind, f"{name}: an SMS without a kind: {args}"
        if kind.group(1):
            assert kind.group(1) in sms.KINDS
    assert set(sms.KINDS) == {
        "password_reset",
        "survey_code",
        "opinion_received",
        "case_answered",
        "case_not_accepted",
        "suggestion_answered",
        "suggestion_not_accepted",
        "station_duty",
        "activity_invitation",
    }


def test_a_kind_is_queued_with_its_named_parameters_and_its_text(world, settings):
    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    notify.MemorySMSBackend.outbox.clear()
    notify.sms_on_commit(PHONE, kind="case_answered", params={"serial": "QH-7", "extra": 1})
    notify.drain()
    [message] = notify.MemorySMSBackend.outbox
    assert (message.kind, message.params) == ("case_answered", {"serial": "QH-7"})
    assert "QH-7" in message.text and message.text == sms.render("case_answered", message.params)
    with pytest.raises(ValueError):
        notify.sms_on_commit(PHONE, kind="case_answered", params={})
    with pytest.raises(ValueError):
        notify.sms_on_commit(PHONE, kind="no_such_kind", params={})


def test_templates_are_checked_against_the_kinds(settings):
    assert sms.templates()["case_answered"] == sms.Template("SMS_300", ("serial",))
    settings.RENDA_SMS_TEMPLATES = json.dumps({"password_reset": "SMS_1"})  # from the env
    assert sms.templates()["password_reset"].code == "SMS_1"
    settings.RENDA_SMS_TEMPLATES = {"nonsense": "SMS_1"}
    with pytest.raises(ValueError, match="unknown SMS kind"):
        sms.templates()
    settings.RENDA_SMS_TEMPLATES = {"password_reset": {"template": "SMS_1", "params": ["pin"]}}
    with pytest.raises(ValueError):
        sms.templates()


def test_aliyun_sends_the_kinds_template_with_named_parameters(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    fake = AliyunFake(monkeypatch, ["OK"])
    row = _send(code="654321")
    [request] = fake.requests
    assert request.phone_numbers == PHONE
    assert request.sign_name == "清河镇人大"
    assert request.template_code == "SMS_100"
    assert json.loads(request.template_param) == {"code": "654321"}
    assert request.out_id == str(row.pk)  # the provider can drop a repeated send
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.result == {"provider": "aliyun", "message_id": "biz-1", "request_id": "r"}
    assert row.payload == {}  # the code is not kept once sent


def test_tencent_sends_the_parameters_in_the_templates_order(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = TENCENT
    fake = TencentFake(monkeypatch, ["Ok"])
    params = {
        "day": "2026-12-07",
        "start": "09:00",
        "end": "11:00",
        "station": "清河站",
        "address": "人民路1号",
    }
    row = _send(kind="station_duty", **params)
    [request] = fake.requests
    assert request.PhoneNumberSet == ["+8613812345678"]
    assert (request.TemplateId, request.SmsSdkAppId) == ("2001", "1400000000")
    assert request.TemplateParamSet == ["清河站", "2026-12-07", "09:00"]  # as configured
    assert request.SessionContext == str(row.pk)
    row.refresh_from_db()
    assert (row.status, row.result["message_id"]) == (OutboxStatus.SENT, "serial-1")
    assert sms.TencentSMSBackend.e164("+85291234567") == "+85291234567"


def test_a_kind_without_a_template_fails_at_once_and_names_the_kind(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    fake = AliyunFake(monkeypatch, ["OK"])
    row = _send(kind="survey_code", code="111111")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "survey_code" in row.last_error and fake.requests == []


def test_the_system_check_names_kinds_without_a_template(settings):
    settings.RENDA_SMS_BACKEND = ALIYUN
    [warning] = sms.check()
    assert warning.id == "renda.W010" and "survey_code" in warning.msg
    settings.RENDA_SMS_TEMPLATES = {kind: f"SMS_{n}" for n, kind in enumerate(sms.KINDS)}
    assert sms.check() == []
    settings.RENDA_SMS_SIGN_NAME = ""
    assert [e.id for e in sms.check()] == ["renda.E012"]
    settings.RENDA_SMS_TEMPLATES = {"nonsense": "SMS_1"}
    assert [e.id for e in sms.check()] == ["renda.E010"]
    settings.RENDA_SMS_BACKEND = "renda.core.notify.ConsoleSMSBackend"
    settings.RENDA_SMS_TEMPLATES = {}
    assert sms.check() == []  # the console needs no template


# --- provider errors: retries with backoff, then failed ---------------------------------


def test_throttling_is_retried_with_exponential_backoff_then_failed(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    fake = AliyunFake(monkeypatch, ["isv.BUSINESS_LIMIT_CONTROL"])
    before = timezone.now()
    row = _send()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "isv.BUSINESS_LIMIT_CONTROL" in row.last_error
    delays = [row.next_attempt_at - before]
    for _attempt in range(2, 4):
        before = timezone.now()
        _retry_now()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, _attempt)
        delays.append(row.next_attempt_at - before)
    for delay, expected in zip(delays, (30, 60, 120), strict=True):
        assert dt.timedelta(seconds=expected) <= delay < dt.timedelta(seconds=expected + 5)
    _retry_now()  # the fourth and last attempt
    row.refresh_from_db()
    assert (row.status, row.attempts, len(fake.requests)) == (OutboxStatus.FAILED, 4, 4)
    # Throttling that clears in time: the next attempt goes through.
    fake.answers = ["Throttling.User", "OK"]
    second = _send()
    _retry_now()
    second.refresh_from_db()
    assert (second.status, second.attempts) == (OutboxStatus.SENT, 2)


def test_sdk_exceptions_are_classified(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    AliyunFake(monkeypatch, [TeaException({"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "x"})])
    row = _send()
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.attempts == 1  # no retry fixes it
    assert "isv.MOBILE_NUMBER_ILLEGAL" in row.last_error

    settings.RENDA_SMS_BACKEND = TENCENT
    TencentFake(monkeypatch, [TencentCloudSDKException("RequestLimitExceeded", "slow down")])
    row = _send(phone="13900000000")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)  # retried later
    TencentFake(monkeypatch, ["InvalidParameterValue.IncorrectPhoneNumber"])
    row = _send(phone="13900000001")
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED
    assert "IncorrectPhoneNumber" in row.last_error
    assert "13900000001" not in row.last_error  # numbers never in the error text


def test_the_office_sees_failed_messages_and_sends_them_again(world, settings, monkeypatch, client):
    settings.RENDA_SMS_BACKEND = ALIYUN
    AliyunFake(monkeypatch, ["isv.SMS_TEMPLATE_ILLEGAL"])
    row = _send()
    url = reverse("admin:core_outboxmessage_changelist")
    client.force_login(world.staff)
    assert client.get(url).status_code in (302, 403)
    client.force_login(world.admin)
    page = client.get(url + "?status__exact=failed")
    assert page.status_code == 200
    html = page.content.decode()
    assert "138****5678" in html and PHONE not in html
    assert "isv.SMS_TEMPLATE_ILLEGAL" in html
    assert "123456" not in html  # never the message text (a code)
    # The template is fixed: send again.
    AliyunFake(monkeypatch, ["OK"])
    answer = client.post(url, {"action": "send_again", "_selected_action": [row.pk]})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert ActionLog.objects.filter(action="outbox.requeued").exists()
    notify.drain()
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT


# --- the daily cap -----------------------------------------------------------------------


def test_the_daily_cap_postpones_messages_and_refuses_stale_codes(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    settings.RENDA_SMS_DAILY_CAP = 2
    fake = AliyunFake(monkeypatch, ["OK"])
    first, second = _send(kind="case_answered", serial="A"), _send(kind="case_answered", serial="B")
    third = _send(kind="case_answered", serial="C")
    code = _send(code="999999")
    other = _send(phone="13900000000")
    assert len(fake.requests) == 3  # two to PHONE, one to another number
    for row in (first, second, third, code, other):
        row.refresh_from_db()
    assert first.status == second.status == other.status == OutboxStatus.SENT
    # A notice waits until the next morning without spending an attempt…
    assert (third.status, third.attempts) == (OutboxStatus.PENDING, 0)
    assert third.next_attempt_at == sms.next_morning()
    assert timezone.localtime(third.next_attempt_at).hour == 8
    assert "daily cap" in third.last_error
    # …a one-time code would be worthless by then: failed, visibly.
    assert code.status == OutboxStatus.FAILED and "daily cap" in code.last_error


def test_a_message_the_provider_did_not_take_does_not_count(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    settings.RENDA_SMS_DAILY_CAP = 1
    AliyunFake(monkeypatch, ["isv.BUSINESS_LIMIT_CONTROL"])
    _send()
    assert sms.sent_today(PHONE) == 0
    AliyunFake(monkeypatch, ["OK"])
    _retry_now()
    assert sms.sent_today(PHONE) == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


FORK = multiprocessing.get_context("fork")


def _reserve_in_a_process(barrier, queue, store_factory, n):  # noqa: ANN001, ANN202
    """A separate process with its own connection to the shared store."""
    ratelimit.cache = store_factory()
    barrier.wait()
    queue.put(sum(1 for _ in range(n) if sms.reserve_daily(PHONE) is not None))


def _sqlite_store(path):  # noqa: ANN001, ANN202
    return lambda: SQLiteCache(path, {})


def _redis_store():  # noqa: ANN202
    from django.core.cache.backends.redis import RedisCache

    return RedisCache("redis://127.0.0.1:6379/10", {"KEY_PREFIX": "test-sms-cap"})


@pytest.mark.parametrize("backend", ["sqlite-file", "redis"])
def test_the_daily_cap_holds_across_two_processes(settings, tmp_path, backend):
    """Two processes (two app-server workers, or a worker and the nudge) send to one number
    at once: together they get exactly the cap, because the count is in the shared store."""
    settings.RENDA_SMS_DAILY_CAP = 7
    if backend == "redis":
        factory = _redis_store
        try:
            factory().clear()
        except Exception:
            pytest.skip("Redis is not available")
    else:
        factory = _sqlite_store(str(tmp_path / "cache.sqlite3"))
    barrier, queue = FORK.Barrier(2), FORK.Queue()
    processes = [
        FORK.Process(target=_reserve_in_a_process, args=(barrier, queue, factory, 6))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    assert queue.get() + queue.get() == 7
    # A third process, later, reads the same count.
    original = ratelimit.cache
    try:
        ratelimit.cache = factory()
        assert sms.sent_today(PHONE) == 7
        ratelimit.cache.clear()
    finally:
        ratelimit.cache = original


# --- the console default -----------------------------------------------------------------


def test_the_console_backend_is_the_default_and_shows_the_kinds_text(world, settings, caplog):
    settings.RENDA_SMS_BACKEND = "renda.core.notify.ConsoleSMSBackend"
    settings.RENDA_SMS_TEMPLATES = {}  # the console needs no template
    with caplog.at_level(logging.INFO, logger="renda.notify"):
        row = _send(kind="case_not_accepted", serial="QH-9")
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "QH-9" in logged and sms.render("case_not_accepted", {"serial": "QH-9"}) in logged


def test_the_console_masks_the_number_and_in_production_withholds_one_time_codes(settings, caplog):
    """The log is collected in production: it must not hold a code that resets a password."""
    backend = notify.ConsoleSMSBackend()
    reset = notify.SMS(
        "13905710003", sms.render("password_reset", {"code": "482913"}), kind="password_reset"
    )
    answered = notify.SMS(
        "13905710003", sms.render("case_answered", {"serial": "QH-7"}), kind="case_answered"
    )
    settings.PRODUCTION = False  # the embedded mode: the log is the demo's phone
    with caplog.at_level(logging.INFO, logger="renda.notify"):
        backend.send(reset)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "482913" in logged and "139****0003" in logged and "13905710003" not in logged
    caplog.clear()
    settings.PRODUCTION = True
    with caplog.at_level(logging.INFO, logger="renda.notify"):
        backend.send(reset)
        backend.send(answered)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "482913" not in logged and "password_reset: one-time code withheld" in logged
    assert "QH-7" in logged and "13905710003" not in logged


def test_the_default_setting_is_the_console():
    """What an installation gets without RENDA_SMS_BACKEND in its environment."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','renda.settings');"
            "os.environ.pop('RENDA_SMS_BACKEND', None); django.setup();"
            "from django.conf import settings; print(settings.RENDA_SMS_BACKEND)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "RENDA_SMS_BACKEND"},
    )
    assert out.stdout.strip() == "renda.core.notify.ConsoleSMSBackend"


# --- delivery reports ----------------------------------------------------------------------


def test_aliyun_delivery_reports_are_recorded(world, settings, monkeypatch):
    from alibabacloud_dysmsapi20170525.models import (
        QuerySendDetailsResponse,
        QuerySendDetailsResponseBody,
        QuerySendDetailsResponseBodySmsSendDetailDTOs,
        QuerySendDetailsResponseBodySmsSendDetailDTOsSmsSendDetailDTO,
    )

    settings.RENDA_SMS_BACKEND = ALIYUN
    AliyunFake(monkeypatch, ["OK"])
    delivered, bounced, waiting = _send(), _send(phone="13900000000"), _send(phone="13700000000")
    statuses = {"biz-1": (3, ""), "biz-2": (2, "MOBILE_NOT_ON_SERVICE"), "biz-3": (1, "")}
    asked = []

    def query(client, request):  # noqa: ANN001, ANN202
        asked.append((request.phone_number, request.biz_id, request.send_date))
        status, error = statuses[request.biz_id]
        dto = QuerySendDetailsResponseBodySmsSendDetailDTOsSmsSendDetailDTO(
            send_status=status, err_code=error, receive_date="2026-12-05 10:00:01"
        )
        body = QuerySendDetailsResponseBody(
            code="OK",
            sms_send_detail_dtos=QuerySendDetailsResponseBodySmsSendDetailDTOs(
                sms_send_detail_dto=[dto]
            ),
        )
        return QuerySendDetailsResponse(body=body)

    monkeypatch.setattr(AliyunClient, "query_send_details", query)
    assert sms.poll_receipts() == {"delivered": 1, "failed": 1}
    assert (PHONE, "biz-1", f"{timezone.localtime():%Y%m%d}") in asked
    for row in (delivered, bounced, waiting):
        row.refresh_from_db()
    assert delivered.result["delivery"] == "delivered"
    assert bounced.result == {**bounced.result, "delivery": "failed"}
    assert bounced.result["delivery_error"] == "MOBILE_NOT_ON_SERVICE"
    assert "delivery" not in waiting.result  # asked again next time
    asked.clear()
    sms.poll_receipts()
    assert [a[1] for a in asked] == ["biz-3"]


def test_tencent_delivery_reports_are_matched_by_serial_number(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = TENCENT
    TencentFake(monkeypatch, ["Ok"])
    first, second = _send(), _send(phone="13900000000")

    def pull(client, request):  # noqa: ANN001, ANN202
        assert request.SmsSdkAppId == "1400000000"
        reports = []
        for serial, status, text in [
            ("serial-1", "SUCCESS", "ok"),
            ("serial-2", "FAIL", "blocked"),
            ("other", "SUCCESS", ""),
        ]:
            report = tencent_models.PullSmsSendStatus()
            report.SerialNo, report.ReportStatus, report.Description = serial, status, text
            reports.append(report)
        response = tencent_models.PullSmsSendStatusResponse()
        response.PullSmsSendStatusSet = reports
        return response

    monkeypatch.setattr(TencentClient, "PullSmsSendStatus", pull)
    assert sms.poll_receipts() == {"delivered": 1, "failed": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result["delivery"] == "delivered"
    assert (second.result["delivery"], second.result["delivery_error"]) == ("failed", "blocked")


def test_no_reports_are_asked_of_the_console_or_a_provider_that_is_down(
    world, settings, monkeypatch
):
    _send()  # the console
    assert sms.poll_receipts() == {}
    settings.RENDA_SMS_BACKEND = TENCENT
    TencentFake(monkeypatch, ["Ok"])
    _send(phone="13900000000")

    def down(client, request):  # noqa: ANN001, ANN202
        raise TencentCloudSDKException("InternalError", "down")

    monkeypatch.setattr(TencentClient, "PullSmsSendStatus", down)
    assert sms.poll_receipts() == {"error": 1}


# --- pushed delivery reports (the providers' callbacks) ---------------------------------------


def _push(provider: str, body, token: str = "push-secret-1"):  # noqa: ANN001, ANN202, S107
    from django.test import Client

    return Client(enforce_csrf_checks=True).post(
        f"/sms/status/{provider}/{token}/",
        data=body if isinstance(body, bytes) else json.dumps(body),
        content_type="application/json",
    )


def test_aliyun_pushes_reports_that_are_recorded_like_polled_ones(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = ALIYUN
    settings.RENDA_SMS_CALLBACK_TOKEN = "push-secret-1"
    AliyunFake(monkeypatch, ["OK"])
    delivered, bounced = _send(), _send(phone="13900000000")
    response = _push(
        "aliyun",
        [
            {
                "biz_id": "biz-1",
                "success": True,
                "err_code": "DELIVERED",
                "report_time": "2026-12-05 10:00:01",
                "phone_number": PHONE,
            },
            {"biz_id": "biz-2", "success": False, "err_code": "MOBILE_NOT_ON_SERVICE"},
            {"biz_id": "nobody-sent-this", "success": True},
        ],
    )
    assert response.status_code == 200  # the CSRF check does not apply: the token does
    assert response.json() == {"code": 0, "msg": "接收成功"}
    delivered.refresh_from_db()
    bounced.refresh_from_db()
    assert delivered.result["delivery"] == "delivered"
    assert delivered.result["delivered_at"] == "2026-12-05 10:00:01"
    assert (bounced.result["delivery"], bounced.result["delivery_error"]) == (
        "failed",
        "MOBILE_NOT_ON_SERVICE",
    )
    assert delivered.result["message_id"] == "biz-1"  # what was there is kept
    # A report already pushed is not asked for again by the poller.
    asked = []
    monkeypatch.setattr(
        AliyunClient, "query_send_details", lambda client, request: asked.append(request)
    )
    assert sms.poll_receipts() == {}
    assert asked == []


def test_tencent_pushes_reports_by_serial_number(world, settings, monkeypatch):
    settings.RENDA_SMS_BACKEND = TENCENT
    settings.RENDA_SMS_CALLBACK_TOKEN = "push-secret-1"
    TencentFake(monkeypatch, ["Ok"])
    first, second = _send(), _send(phone="13900000000")
    response = _push(
        "tencent",
        [
            {
                "sid": "serial-1",
                "report_status": "SUCCESS",
                "errmsg": "DELIVRD",
                "user_receive_time": "2026-12-05 08:03:04",
                "mobile": PHONE,
            },
            {
                "sid": "serial-2",
                "report_status": "FAIL",
                "errmsg": "MK:0001",
                "description": "用户停机",
            },
        ],
    )
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result["delivery"] == "delivered"
    assert (second.result["delivery"], second.result["delivery_error"]) == ("failed", "用户停机")


def test_the_callback_refuses_wrong_tokens_other_providers_and_bad_bodies(
    world, settings, monkeypatch
):
    settings.RENDA_SMS_BACKEND = TENCENT
    TencentFake(monkeypatch, ["Ok"])
    row = _send()
    report = [{"sid": "serial-1", "report_status": "SUCCESS"}]
    settings.RENDA_SMS_CALLBACK_TOKEN = ""
    assert _push("tencent", report, token="").status_code == 404  # no token set: no callback
    assert _push("tencent", report, token="x").status_code == 404
    settings.RENDA_SMS_CALLBACK_TOKEN = "push-secret-1"
    assert _push("tencent", report, token="push-secret-2").status_code == 404
    assert _push("aliyun", report).status_code == 404  # not the configured provider
    assert _push("tencent", b"{not json").status_code == 400
    assert _push("tencent", {"sid": "serial-1"}).status_code == 400  # not an array
    assert _push("tencent", [{"sid": "serial-1"}]).status_code == 400  # no outcome
    assert _push("tencent", [{"report_status": "SUCCESS"}]).status_code == 400  # no id
    from django.test import Client

    assert Client().get("/sms/status/tencent/push-secret-1/").status_code == 405
    row.refresh_from_db()
    assert "delivery" not in row.result  # nothing recorded by any of these
    # An Alibaba report about a Tencent message id changes nothing either.
    settings.RENDA_SMS_BACKEND = ALIYUN
    assert _push("aliyun", [{"biz_id": "serial-1", "success": False}]).json()["code"] == 0
    row.refresh_from_db()
    assert "delivery" not in row.result
