"""SMS: the message kinds the platform sends, the providers' templates, the per-number daily
cap, and the adapters for Alibaba Cloud and Tencent Cloud SMS (their official SDKs).

Chinese SMS providers send only pre-approved templates with parameters, never free text.
So every SMS the platform sends is a *kind* with named parameters (`KINDS`), and each
installation maps the kinds to its approved templates (`RENDA_SMS_TEMPLATES`, JSON):

    {"password_reset": {"template": "SMS_463820001", "params": ["code"]},
     "case_answered": "SMS_463820002"}

A kind's entry is the template code, or an object with the code and the parameters sent in
order (Tencent's templates number their parameters {1}, {2}…; Alibaba's name them, and get
a JSON object with these names). Without "params" a kind sends its own, in `KINDS` order.
A kind without a template is refused at sending (failed at once, visible to the office).

The console backend (renda.core.notify, the embedded default) logs the same kinds as text:
the text is the kind's own sentence with its parameters (`render`), in the language of the
request that queued it.

Sending goes through the outbox (renda.core.notify): a worker's task in production, inline
after the commit in the embedded mode; any provider error is a failed attempt retried with
exponential backoff, then marked failed. Provider answers are classified here: a number
the provider calls invalid, or a template or signature it refuses, is `DeliveryRefused`
(no retry can fix it); throttling, network and server errors are retried.

The daily cap (`RENDA_SMS_DAILY_CAP` per number and local day) is counted in the cache that
every process shares (Redis in production, the embedded mode's cache file otherwise;
renda.core.ratelimit), never in process memory. A message over the cap waits until the
next morning; a one-time code (useless by then) is refused instead.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.core import ratelimit

log = logging.getLogger("renda.sms")


# --- kinds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    text: Promise | str  # the sentence, with %(param)s for each parameter
    params: tuple[str, ...]
    # A one-time code: worthless after a few minutes, so refused (not postponed) over the cap.
    expires: bool = False


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "password_reset",
            _(
                "Your Renda password reset code is %(code)s (valid 10 minutes). "
                "If you did not ask for it, ignore this message."
            ),
            ("code",),
            expires=True,
        ),
        Kind(
            "survey_code",
            _(
                "Your verification code for the livelihood project survey is %(code)s (valid 10 minutes)."
            ),
            ("code",),
            expires=True,
        ),
        Kind(
            "opinion_received",
            _(
                "%(congress)s received your opinion, ticket number %(serial)s. Track it "
                "with this number and the check code on your receipt."
            ),
            ("congress", "serial"),
        ),
        Kind(
            "case_answered",
            _("Your case %(serial)s has been answered. Please rate the reply."),
            ("serial",),
        ),
        Kind(
            "case_not_accepted",
            _("Your case %(serial)s was not accepted; see the reason given."),
            ("serial",),
        ),
        # A deputy's suggestion is told in a deputy's words (renda.cases.services.doors).
        Kind(
            "suggestion_answered",
            _(
                "Your suggestion %(serial)s has been answered. Please give your opinion of the reply."
            ),
            ("serial",),
        ),
        Kind(
            "suggestion_not_accepted",
            _("Your suggestion %(serial)s was not accepted as a suggestion; see the reason given."),
            ("serial",),
        ),
        Kind(
            "station_duty",
            _("Reception duty on %(day)s %(start)s–%(end)s at %(station)s (%(address)s)."),
            ("day", "start", "end", "station", "address"),
        ),
        Kind(
            "activity_invitation",
            _("You are invited to %(kind)s “%(topic)s” on %(date)s. Confirm or decline: %(link)s"),
            ("kind", "topic", "date", "link"),
        ),
    ]
}


def render(kind: str, params: dict[str, Any]) -> str:
    """The kind's sentence with its parameters (what the console backend shows)."""
    spec = KINDS[kind]
    missing = [name for name in spec.params if name not in params]
    if missing:
        raise ValueError(f"SMS kind {kind!r} needs the parameters {missing}")
    return str(spec.text) % {name: params[name] for name in spec.params}


def clean_params(kind: str, params: dict[str, Any]) -> dict[str, str]:
    """The kind's named parameters as strings (what is stored and sent); others dropped."""
    render(kind, params)  # raises on a missing parameter
    return {name: str(params[name]) for name in KINDS[kind].params}


# --- templates (per installation) -------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    code: str
    params: tuple[str, ...]


def templates() -> dict[str, Template]:
    """RENDA_SMS_TEMPLATES, checked: unknown kinds and parameters are configuration errors."""
    raw = getattr(settings, "RENDA_SMS_TEMPLATES", {}) or {}
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else {}
    found: dict[str, Template] = {}
    for kind, entry in raw.items():
        if kind not in KINDS:
            raise ValueError(f"RENDA_SMS_TEMPLATES: unknown SMS kind {kind!r}")
        if isinstance(entry, str):
            entry = {"template": entry}
        code = str(entry.get("template", "")).strip()
        params = tuple(entry.get("params") or KINDS[kind].params)
        unknown = [p for p in params if p not in KINDS[kind].params]
        if not code or unknown:
            raise ValueError(
                f"RENDA_SMS_TEMPLATES[{kind!r}]: needs a template code and parameters among "
                f"{list(KINDS[kind].params)}"
            )
        found[kind] = Template(code, params)
    return found


def template_for(kind: str, params: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """The template code and the (name, value) pairs to send, in the template's order; a
    kind without a template is refused (no provider sends free text)."""
    from renda.core.notify import DeliveryRefused

    template = templates().get(kind)
    if template is None:
        raise DeliveryRefused(f"no SMS template is configured for the kind {kind or '(none)'!r}")
    missing = [p for p in template.params if p not in params]
    if missing:
        raise DeliveryRefused(f"SMS kind {kind!r} lacks the parameters {missing}")
    return template.code, [(name, str(params[name])) for name in template.params]


# --- the daily cap ------------------------------------------------------------------------------

CAP_SCOPE = "sms-day"


def daily_cap() -> int:
    return int(getattr(settings, "RENDA_SMS_DAILY_CAP", 10))


def reserve_daily(phone: str, *, now: dt.datetime | None = None) -> ratelimit.Reservation | None:
    """Count one SMS to `phone` for today (local day) in the shared cache. Returns the
    reservation (to `refund()` if the provider did not take the message), or None when the
    number has had its `RENDA_SMS_DAILY_CAP` messages today. A cap of 0 means no cap."""
    cap = daily_cap()
    if cap <= 0:
        return ratelimit.Reservation(CAP_SCOPE, True)
    local = timezone.localtime(now)
    scope = f"{CAP_SCOPE}:{local:%Y%m%d}"
    count = ratelimit.hit(scope, phone, 2 * 24 * 3600)
    reservation = ratelimit.Reservation(scope, count <= cap, [phone])
    if not reservation.allowed:
        reservation.refund()
        return None
    return reservation


def sent_today(phone: str, *, now: dt.datetime | None = None) -> int:
    return ratelimit.count(f"{CAP_SCOPE}:{timezone.localtime(now):%Y%m%d}", phone)


def next_morning(now: dt.datetime | None = None) -> dt.datetime:
    """When a capped message is tried again: 08:00 local time the next day."""
    local = timezone.localtime(now)
    morning = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(8, 0))
    return timezone.make_aware(morning, local.tzinfo)


# --- providers ------------------------------------------------------------------------------


class ProviderError(Exception):
    """A provider's error that a later attempt may get past (throttling, network, server)."""

    def __init__(self, provider: str, code: str, message: str = ""):
        super().__init__(f"{provider} {code}: {message}".strip())
        self.provider = provider
        self.code = code


def _secret(name: str) -> str:
    """A provider credential from the settings (RENDA_SMS_KEY_SECRET or its _FILE)."""
    return str(getattr(settings, name, "") or "")


class TemplateSMSBackend:
    """A provider that sends templates: maps the message's kind to the installation's
    template, sends, classifies the answer. Subclasses implement `_send`."""

    provider = ""
    # Provider error codes that no retry can fix (exact codes, or prefixes ending in ".").
    permanent: tuple[str, ...] = ()

    def send(self, message: Any) -> dict[str, Any]:
        code, values = template_for(message.kind, message.params)
        return self._send(message, code, values)

    def _send(self, message: Any, template: str, values: list[tuple[str, str]]) -> dict[str, Any]:
        raise NotImplementedError

    def receipts(self, rows: list[Any]) -> dict[int, dict[str, Any]]:
        """Delivery reports of sent rows, by row id: {"delivery": "delivered" | "failed",
        "delivery_error", "delivered_at"}. Rows without a report yet are left out."""
        return {}

    def fail(self, code: str, text: str) -> Exception:
        """The exception for a provider's error code: refused for good, or to retry."""
        from renda.core.notify import DeliveryRefused

        code = code or "unknown"
        if any(code == p or (p.endswith(".") and code.startswith(p)) for p in self.permanent):
            return DeliveryRefused(f"{self.provider} {code}: {text}")
        return ProviderError(self.provider, code, text)


class AliyunSMSBackend(TemplateSMSBackend):
    """Alibaba Cloud SMS (dysmsapi 2017-05-25, `SendSms`). Settings: RENDA_SMS_KEY_ID,
    RENDA_SMS_KEY_SECRET, RENDA_SMS_SIGN_NAME, RENDA_SMS_ENDPOINT (dysmsapi.aliyuncs.com)."""

    provider = "aliyun"
    permanent = (
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
    )

    def client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        return Client(
            Config(
                access_key_id=_secret("RENDA_SMS_KEY_ID"),
                access_key_secret=_secret("RENDA_SMS_KEY_SECRET"),
                endpoint=getattr(settings, "RENDA_SMS_ENDPOINT", "") or "dysmsapi.aliyuncs.com",
            )
        )

    def _send(self, message: Any, template: str, values: list[tuple[str, str]]) -> dict[str, Any]:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from Tea.exceptions import TeaException

        request = SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=settings.RENDA_SMS_SIGN_NAME,
            template_code=template,
            template_param=json.dumps(dict(values), ensure_ascii=False),
            out_id=message.ref or None,
        )
        try:
            response = self.client().send_sms(request)
        except TeaException as exc:
            raise self.fail(str(exc.code or ""), str(exc.message or "")) from None
        body = response.body
        if body is None or body.code != "OK":
            raise self.fail(
                getattr(body, "code", "") or "", getattr(body, "message", "") or "no answer"
            )
        return {"provider": self.provider, "message_id": body.biz_id, "request_id": body.request_id}

    def receipts(self, rows: list[Any]) -> dict[int, dict[str, Any]]:
        """QuerySendDetails per message (by number, day and BizId). SendStatus: 1 waiting,
        2 failed, 3 delivered."""
        from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest

        client = self.client()
        found: dict[int, dict[str, Any]] = {}
        for row in rows:
            request = QuerySendDetailsRequest(
                phone_number=row.recipient,
                biz_id=row.result.get("message_id"),
                send_date=f"{timezone.localtime(row.sent_at):%Y%m%d}",
                page_size=10,
                current_page=1,
            )
            body = client.query_send_details(request).body
            details = getattr(
                getattr(body, "sms_send_detail_dtos", None), "sms_send_detail_dto", []
            )
            for detail in details or []:
                if detail.send_status == 3:
                    found[row.pk] = {"delivery": "delivered", "delivered_at": detail.receive_date}
                elif detail.send_status == 2:
                    found[row.pk] = {"delivery": "failed", "delivery_error": detail.err_code or ""}
        return found


class TencentSMSBackend(TemplateSMSBackend):
    """Tencent Cloud SMS (2021-01-11, `SendSms`). Settings: RENDA_SMS_KEY_ID (SecretId),
    RENDA_SMS_KEY_SECRET (SecretKey), RENDA_SMS_APP_ID (SmsSdkAppId), RENDA_SMS_SIGN_NAME,
    RENDA_SMS_REGION (ap-guangzhou), RENDA_SMS_ENDPOINT (optional)."""

    provider = "tencent"
    permanent = (
        "InvalidParameterValue.",
        "InvalidParameter.",
        "MissingParameter.",
        "UnsupportedOperation.",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.MissingTemplateToModify",
        "FailedOperation.ContainSensitiveWord",
    )

    def client(self) -> Any:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile()
        endpoint = getattr(settings, "RENDA_SMS_ENDPOINT", "")
        if endpoint:
            http.endpoint = endpoint
        return sms_client.SmsClient(
            credential.Credential(_secret("RENDA_SMS_KEY_ID"), _secret("RENDA_SMS_KEY_SECRET")),
            getattr(settings, "RENDA_SMS_REGION", "") or "ap-guangzhou",
            ClientProfile(httpProfile=http),
        )

    @staticmethod
    def e164(phone: str) -> str:
        """Tencent wants +86… for mainland numbers."""
        phone = phone.strip().replace(" ", "")
        if phone.startswith("+"):
            return phone
        if phone.startswith("0086"):
            return "+" + phone[2:]
        if phone.startswith("86") and len(phone) == 13:
            return "+" + phone
        return "+86" + phone

    def _send(self, message: Any, template: str, values: list[tuple[str, str]]) -> dict[str, Any]:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [self.e164(message.phone)]
        request.SmsSdkAppId = str(getattr(settings, "RENDA_SMS_APP_ID", ""))
        request.SignName = settings.RENDA_SMS_SIGN_NAME
        request.TemplateId = template
        request.TemplateParamSet = [value for _name, value in values]
        request.SessionContext = message.ref
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as exc:
            raise self.fail(str(exc.code or ""), str(exc.message or "")) from None
        statuses = list(response.SendStatusSet or [])
        if not statuses:
            raise self.fail("", "no send status")
        status = statuses[0]
        if status.Code != "Ok":
            raise self.fail(status.Code or "", status.Message or "")
        return {
            "provider": self.provider,
            "message_id": status.SerialNo,
            "request_id": response.RequestId,
        }

    def receipts(self, rows: list[Any]) -> dict[int, dict[str, Any]]:
        """PullSmsSendStatus: the application's queue of reports (each is pulled once),
        matched to the rows by SerialNo."""
        from tencentcloud.sms.v20210111 import models

        request = models.PullSmsSendStatusRequest()
        request.SmsSdkAppId = str(getattr(settings, "RENDA_SMS_APP_ID", ""))
        request.Limit = 100
        response = self.client().PullSmsSendStatus(request)
        by_serial = {str(row.result.get("message_id")): row.pk for row in rows}
        found: dict[int, dict[str, Any]] = {}
        for report in response.PullSmsSendStatusSet or []:
            pk = by_serial.get(str(report.SerialNo))
            if pk is None:
                continue
            if report.ReportStatus == "SUCCESS":
                found[pk] = {"delivery": "delivered", "delivered_at": report.UserReceiveTime}
            else:
                found[pk] = {"delivery": "failed", "delivery_error": report.Description or ""}
        return found


def poll_receipts(*, limit: int = 100) -> dict[str, int]:
    """Record the handsets' delivery reports of the SMS sent in the last two days (the
    periodic job renda.core.poll_sms_receipts) in each row's `result`."""
    from renda.core import notify
    from renda.core.models import OutboxChannel, OutboxMessage, OutboxStatus

    backend = notify.sms_backend()
    if not isinstance(backend, TemplateSMSBackend):
        return {}
    rows = list(
        OutboxMessage.objects.filter(
            channel=OutboxChannel.SMS,
            status=OutboxStatus.SENT,
            sent_at__gte=timezone.now() - dt.timedelta(days=2),
            result__has_key="message_id",
        )
        .exclude(result__has_key="delivery")
        .order_by("sent_at")[:limit]
    )
    if not rows:
        return {}
    try:
        reports = backend.receipts(rows)
    except Exception:  # the provider is down: the next run asks again
        log.warning("SMS delivery reports could not be fetched", exc_info=True)
        return {"error": 1}
    return _record(rows, reports)


def _record(rows: list[Any], reports: dict[int, dict[str, Any]]) -> dict[str, int]:
    """Write each row's delivery report into its `result` (the one place both the poller and
    the providers' pushed reports record them); counts by outcome."""
    from renda.core.models import OutboxMessage

    counts: dict[str, int] = {}
    for row in rows:
        report = reports.get(row.pk)
        if report:
            OutboxMessage.objects.filter(pk=row.pk).update(result={**row.result, **report})
            counts[report["delivery"]] = counts.get(report["delivery"], 0) + 1
    return counts


# --- pushed delivery reports ----------------------------------------------------------------

PUSH_LIMIT = 1000  # reports in one push; providers send at most a few hundred


def parse_push(provider: str, payload: Any) -> dict[str, dict[str, Any]]:
    """The delivery reports a provider pushes to our callback address, by its message id.

    Alibaba Cloud (SmsReport, HTTP batch push): a JSON array of objects with `biz_id`,
    `success` (true/false), `err_code`, `report_time`. Tencent Cloud (status callback): a
    JSON array with `sid`, `report_status` (SUCCESS/FAIL), `errmsg`/`description`,
    `user_receive_time`. Anything else raises ValueError."""
    if not isinstance(payload, list) or len(payload) > PUSH_LIMIT:
        raise ValueError("a JSON array of reports is expected")
    found: dict[str, dict[str, Any]] = {}
    for item in payload:
        if not isinstance(item, dict):
            raise ValueError("each report is a JSON object")
        if provider == "aliyun":
            message_id, ok = item.get("biz_id"), item.get("success")
            when, error = item.get("report_time"), item.get("err_code")
        elif provider == "tencent":
            status = item.get("report_status")
            message_id = item.get("sid")
            ok = {"SUCCESS": True, "FAIL": False}.get(status) if isinstance(status, str) else None
            when = item.get("user_receive_time")
            error = item.get("description") or item.get("errmsg")
        else:
            raise ValueError("unknown provider")
        if not message_id or not isinstance(ok, bool):
            raise ValueError("a report lacks its message id or outcome")
        if ok:
            found[str(message_id)] = {"delivery": "delivered", "delivered_at": str(when or "")}
        else:
            found[str(message_id)] = {
                "delivery": "failed",
                "delivery_error": str(error or "")[:200],
            }
    return found


def record_push(provider: str, payload: Any) -> dict[str, int]:
    """Record pushed reports on the SMS rows this provider sent with those message ids
    (reports of unknown ids, or of another provider's messages, are ignored)."""
    from renda.core.models import OutboxChannel, OutboxMessage

    by_id = parse_push(provider, payload)
    if not by_id:
        return {}
    rows = list(
        OutboxMessage.objects.filter(
            channel=OutboxChannel.SMS,
            result__provider=provider,
            result__message_id__in=list(by_id),
        )
    )
    return _record(rows, {row.pk: by_id[str(row.result["message_id"])] for row in rows})


def deploy_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """`manage.py check --deploy`: production with a backend that sends nothing (the
    console's log, the tests' memory) is said out loud. An installation without an SMS
    gateway (an intranet) may silence renda.W011 (SILENCED_SYSTEM_CHECKS)."""
    from django.core.checks import Warning as CheckWarning
    from django.utils.module_loading import import_string

    if not settings.PRODUCTION:
        return []
    try:
        backend = import_string(settings.RENDA_SMS_BACKEND)
    except ImportError:
        return []  # check() reports it (renda.E011)
    if isinstance(backend, type) and issubclass(backend, TemplateSMSBackend):
        return []
    return [
        CheckWarning(
            f"RENDA_SMS_BACKEND is {settings.RENDA_SMS_BACKEND}: no SMS is sent, the messages "
            "are only written to the log (one-time codes withheld). Set a provider "
            "(docs/operations.md, SMS providers).",
            id="renda.W011",
        )
    ]


def check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """`manage.py check`: the templates name known kinds, and a provider has a template
    for every kind (a kind without one would fail at each send)."""
    from django.core.checks import Error
    from django.core.checks import Warning as CheckWarning
    from django.utils.module_loading import import_string

    try:
        configured = templates()
    except ValueError as exc:
        return [Error(str(exc), id="renda.E010")]
    try:
        backend = import_string(settings.RENDA_SMS_BACKEND)
    except ImportError as exc:
        return [Error(f"RENDA_SMS_BACKEND: {exc}", id="renda.E011")]
    if not (isinstance(backend, type) and issubclass(backend, TemplateSMSBackend)):
        return []
    found: list[Any] = []
    missing = sorted(set(KINDS) - set(configured))
    if missing:
        found.append(
            CheckWarning(
                f"RENDA_SMS_TEMPLATES has no template for {', '.join(missing)}: these "
                "messages will fail (docs/operations.md, SMS providers).",
                id="renda.W010",
            )
        )
    if not settings.RENDA_SMS_SIGN_NAME:
        found.append(Error("RENDA_SMS_SIGN_NAME is required by the provider", id="renda.E012"))
    return found
