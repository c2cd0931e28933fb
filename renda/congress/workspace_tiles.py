"""The workspace's tiles of the roles that keep the platform rather than its cases: the
auditor (today's audit entries), the administrator (the accounts they manage) and the
platform operator (the last backup and the key ring's version). Each count is the row
count of the admin list it links to, filtered the same way."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.workspace import INFO, OVERDUE, WAITING, Todo

#: A backup older than this many days is flagged on the operator's workspace.
BACKUP_MAX_AGE_DAYS = 7


def _audit_log_url(**params: Any) -> str:
    return f"{reverse('admin:core_actionlog_changelist')}?{urlencode(params)}"


def auditor_todos(user: Any, access: Any) -> list[Todo]:
    from renda.core.models import ActionLog

    if not policy.can(user, "audit.read") or policy.is_superuser(user):
        return []
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    count = ActionLog.objects.filter(
        congress_id__in=policy.congress_ids(user, "audit.read"), created_at__gte=start
    ).count()
    return [
        Todo(
            key="audit.today",
            area=_("Audit log"),
            label=_("Audit entries today"),
            count=count,
            url=_audit_log_url(
                created_at__day=today.day,
                created_at__month=today.month,
                created_at__year=today.year,
            ),
            urgency=INFO,
        )
    ]


def administrator_todos(user: Any, access: Any) -> list[Todo]:
    if not policy.can(user, "accounts.manage") or policy.is_superuser(user):
        return []
    from renda.congress.admin import visible_users

    count = visible_users(user).filter(is_active=True).count()
    return [
        Todo(
            key="accounts.active",
            area=_("Accounts"),
            label=_("Active accounts you manage"),
            count=count,
            url=f"{reverse('admin:core_user_changelist')}?is_active__exact=1",
            urgency=INFO,
        )
    ]


def operator_todos(user: Any, access: Any) -> list[Todo]:
    """The platform operator's (superuser's) state of backups and keys, from the audit log
    (`manage.py backup` and `rotate_keys` record themselves)."""
    if not policy.is_superuser(user):
        return []
    from renda.core import keys
    from renda.core.models import ActionLog

    last = ActionLog.objects.filter(action="backup.created").order_by("-created_at").first()
    if last is None:
        backup_note, urgency = _("No backup recorded yet"), OVERDUE
    else:
        age = timezone.now() - last.created_at
        backup_note = date_format(timezone.localtime(last.created_at), "Y-m-d H:i")
        urgency = OVERDUE if age > dt.timedelta(days=BACKUP_MAX_AGE_DAYS) else INFO
    return [
        Todo(
            key="operations.backup",
            area=_("Operations"),
            label=_("Last backup"),
            count=None,
            url=_audit_log_url(action="backup.created"),
            urgency=urgency,
            note=backup_note,
        ),
        Todo(
            key="operations.keys",
            area=_("Operations"),
            label=_("Key ring"),
            count=None,
            url=_audit_log_url(action="keys.rotated"),
            urgency=WAITING if keys.config().get("legacy") and not keys.ring()[1:] else INFO,
            note=_("current key version %(version)s") % {"version": keys.current().id},
        ),
    ]


#: From this month on, next year's holiday calendar is expected (the State Council
#: publishes it in October to December).
NEXT_CALENDAR_MONTH = 11


def calendar_todos(user: Any, access: Any) -> list[Todo]:
    """For whoever keeps the working-day calendar (`configuration.change`): a year whose
    public holidays and make-up working days are not loaded — this year, or from November
    next year. Until they are, 春节 and 国庆 count as working days in every reply deadline
    and every 按期答复率. One query."""
    if not policy.can(user, "configuration.change"):
        return []
    from renda.core.models import Holiday

    today = timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= NEXT_CALENDAR_MONTH else [])
    loaded = {d.year for d in Holiday.objects.filter(date__year__in=years).dates("date", "year")}
    return [
        Todo(
            key=f"calendar.{year}",
            area=_("Working-day calendar"),
            label=_("The %(year)s holiday calendar is not loaded") % {"year": year},
            count=None,
            url=f"{reverse('admin:core_holiday_changelist')}?date__year={year}",
            urgency=OVERDUE if year == today.year else WAITING,
            note=_("until it is, public holidays count as working days in reply deadlines"),
        )
        for year in years
        if year not in loaded
    ]
