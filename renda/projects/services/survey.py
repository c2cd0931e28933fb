"""The resident survey beside the year-end rating: one answer per phone number,
verified by a code sent by SMS."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from renda.core import audit, keys, ratelimit
from renda.core.errors import DomainError
from renda.core.notify import sms_on_commit
from renda.core.validators import validate_cn_mobile
from renda.projects.models import (
    ProjectRules,
    SurveyResponse,
    YearRating,
)
from renda.projects.services.common import (
    _now,
    _require,
)
from renda.projects.services.rating import RATING_GRADES, rated_projects


class RateLimitError(DomainError):
    """Refused because of a rate limit (the view answers 429)."""


SURVEY_CODE_SECONDS = 600
SURVEY_CODE_ATTEMPTS = 5


def phone_digest(phone: str) -> str:
    """The keyed hash of a phone number, with the current key (renda.core.keys)."""
    return keys.digest("renda.projects.survey-phone", phone.strip())


def phone_digests(phone: str) -> list[str]:
    """The hash under every key of the ring: a phone that answered under an older key
    version is still known."""
    return keys.digests("renda.projects.survey-phone", phone.strip())


def set_survey_open(rating: YearRating, *, open_: bool, acting_user: Any) -> YearRating:
    with transaction.atomic():
        rating = YearRating.objects.select_for_update().get(pk=rating.pk)
        _require(acting_user, "project.manage", rating)
        if open_ and not ProjectRules.for_congress(rating.congress_id).survey_enabled:
            raise DomainError(_("The resident survey is turned off for this congress."))
        if open_ and rating.applied_at:
            raise DomainError(_("The year's rating is closed."))
        rating.survey_open = open_
        rating.save(update_fields=["survey_open"])
        audit.record(
            "project.survey_open" if open_ else "project.survey_closed", rating, actor=acting_user
        )
    return rating


def _code_key(rating: YearRating, phone: str) -> str:
    return f"projects:survey-code:{rating.pk}:{phone_digest(phone)[:32]}"


def send_survey_code(rating: YearRating, *, phone: str) -> None:
    """Text a six-digit code to the phone (the SMS backend of renda.core.notify). At most
    `RENDA_SURVEY_CODE_LIMIT` codes per phone per window; the view also limits per address."""
    phone = (phone or "").strip()
    try:
        validate_cn_mobile(phone)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    if not phone:
        raise DomainError(_("Enter your mobile phone number."))
    if not rating.survey_open:
        raise DomainError(_("The survey is not open."))
    if SurveyResponse.objects.filter(rating=rating, phone_hash__in=phone_digests(phone)).exists():
        raise DomainError(_("This phone number has already answered the survey."))
    limit = settings.RENDA_SURVEY_CODE_LIMIT
    if not ratelimit.attempt("survey-code", [phone], limit, settings.RENDA_SUBMIT_WINDOW_SECONDS):
        raise RateLimitError(_("Too many codes were sent to this number. Try again later."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    cache.set(
        _code_key(rating, phone),
        {"hash": hashlib.sha256(code.encode()).hexdigest(), "tries": 0},
        SURVEY_CODE_SECONDS,
    )
    sms_on_commit(phone, kind="survey_code", params={"code": code})


def answer_survey(
    rating: YearRating, *, phone: str, code: str, answers: dict[int, str]
) -> SurveyResponse:
    """One response per phone number, after the SMS code is verified."""
    phone = (phone or "").strip()
    if not rating.survey_open:
        raise DomainError(_("The survey is not open."))
    key = _code_key(rating, phone)
    stored = cache.get(key)
    if not stored or stored["tries"] >= SURVEY_CODE_ATTEMPTS:
        raise DomainError(_("The verification code is wrong or has expired."))
    given = hashlib.sha256((code or "").strip().encode()).hexdigest()
    if not constant_time_compare(stored["hash"], given):
        stored["tries"] += 1
        cache.set(key, stored, SURVEY_CODE_SECONDS)
        raise DomainError(_("The verification code is wrong or has expired."))
    project_ids = {p.pk for p in rated_projects(rating.congress_id, rating.year)}
    if set(answers) != project_ids or any(a not in RATING_GRADES for a in answers.values()):
        raise DomainError(_("Rate every project of the year."))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                rating=rating,
                phone_hash=phone_digest(phone),
                answers={str(k): v for k, v in answers.items()},
                created_at=_now(),
            )
    except IntegrityError:
        raise DomainError(_("This phone number has already answered the survey.")) from None
    cache.delete(key)
    return response


def survey_counts(rating: YearRating) -> dict[int, dict[str, int]]:
    """Project id → grade → residents' answers."""
    out: dict[int, dict[str, int]] = {}
    for answers in SurveyResponse.objects.filter(rating=rating).values_list("answers", flat=True):
        for project_id, grade in answers.items():
            bucket = out.setdefault(int(project_id), {})
            bucket[grade] = bucket.get(grade, 0) + 1
    return out
