"""Core: the region tree, users, the append-only action log, serial numbering and the
notifications (inbox and outbox)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from renda.core.masking import mask_phone
from renda.core.validators import validate_cn_mobile


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("District / county")
    TOWN = "town", _("Town / township / subdistrict")
    VILLAGE = "village", _("Village / community")


# Which level may sit directly under which: 省 → 市 → 区县 → 镇乡街道 → 村社区.
REGION_CHILD_LEVEL = {
    None: {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY},
    RegionLevel.PROVINCE: {RegionLevel.CITY},
    RegionLevel.CITY: {RegionLevel.COUNTY},
    RegionLevel.COUNTY: {RegionLevel.TOWN},
    RegionLevel.TOWN: {RegionLevel.VILLAGE},
    RegionLevel.VILLAGE: set(),
}


class VillageKind(models.TextChoices):
    VILLAGE = "village", _("Village (villagers' committee)")
    COMMUNITY = "community", _("Community (residents' committee)")


class RegionQuerySet(MP_NodeQuerySet):
    def subtree_of(self, region: Region) -> RegionQuerySet:
        """The region and everything below it, in one indexed prefix query."""
        return self.filter(path__startswith=region.path)


class Area(models.Model):  # type: ignore[django-manager-missing]  # treebeard is untyped
    """片区: a grouping of villages of one town, served by one area station."""

    town = models.ForeignKey(
        "Region",
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        related_name="areas",
        limit_choices_to={"level": RegionLevel.TOWN},
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("area (片区)")
        verbose_name_plural = _("areas (片区)")
        ordering = ["town", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="area_unique_name")]

    def __str__(self) -> str:
        return self.name


class RegionManager(MP_NodeManager):
    def get_queryset(self) -> RegionQuerySet:
        return RegionQuerySet(self.model, using=self._db).order_by("path")

    def subtree_of(self, region: Region) -> RegionQuerySet:
        return self.get_queryset().subtree_of(region)


class Region(MP_Node):
    """A node of the administrative tree. Materialised path: subtree queries are one
    `path LIKE 'prefix%'` on an index, whatever the depth."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("administrative code"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    kind = models.CharField(
        _("village kind"), max_length=10, choices=VillageKind.choices, blank=True
    )
    area = models.ForeignKey(
        "Area",
        verbose_name=_("area (片区)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="villages",
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]
    objects = RegionManager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.level != RegionLevel.VILLAGE and (self.kind or self.area_id):
            raise ValidationError(_("Only villages and communities have a kind and an area."))
        if self.area is not None and self.pk and self.area.town_id != self.get_parent().pk:
            raise ValidationError(_("The area must belong to the village's own town."))

    def full_name(self) -> str:
        return "".join(a.name for a in self.get_ancestors()) + self.name


class User(AbstractUser):
    """An account. Chinese names are one field; roles come from RoleGrants (congress app)
    and from deputy memberships."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )

    # The congress whose administrator created the account (a plain id: core sits below
    # the congress app). Accounts are otherwise scoped through their role grants.
    home_congress_id = models.BigIntegerField(
        _("registered under congress"), null=True, blank=True, db_index=True, editable=False
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ActionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The action log is append-only.")

    def delete(self):
        raise PermissionError("The action log is append-only.")

    def for_congresses(self, congress_ids) -> ActionLogQuerySet:
        return self.filter(congress_id__in=congress_ids)


class ActionLog(models.Model):
    """Append-only audit trail. Written in the same transaction as the change it records.
    The application offers no path to change or remove a row, and database triggers
    (migration 0002) refuse UPDATE and DELETE on both SQLite and PostgreSQL."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    # Plain ids, not foreign keys: the log outlives and never cascades with what it records.
    congress_id = models.BigIntegerField(_("congress id"), null=True, blank=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("note"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = ActionLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="actionlog_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The action log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The action log is append-only.")


class SerialCounter(models.Model):
    """The last number issued for a (scope, year). Rows are locked while a number is taken,
    so numbers are never shared or skipped, also under concurrent submissions."""

    scope = models.CharField(_("scope"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "year"], name="serialcounter_unique_scope_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}/{self.year}: {self.last}"


class HolidaySource(models.TextChoices):
    CALENDAR = "calendar", _("State Council calendar")
    OFFICE = "office", _("Corrected by the office")


class Holiday(models.Model):
    """A day that differs from the Monday–Friday rule: a public holiday, or a weekend day
    that is worked in exchange (调休上班). Deadlines in working days read this calendar.

    Rows come from the State Council's schedule (`manage.py load_holidays`, through the
    chinese-calendar package) or from the office; a day the office entered or corrected is
    never overwritten by a later load (renda.core.holidays)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Tick for a weekend day that is worked (调休)."),
    )
    name = models.CharField(_("name"), max_length=60)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=HolidaySource.choices,
        default=HolidaySource.OFFICE,
        editable=False,
    )

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's in-app inbox."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title


class DueReminder(models.Model):
    """One reminder sent about something due: an object (by type and id, like the action
    log), the kind of reminder and the due date it was about. The periodic jobs send each
    reminder once (`renda.core.reminders`); a new due date reminds again."""

    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20)
    due_date = models.DateField(_("due date"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "kind", "due_date"],
                name="duereminder_once_per_due_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.kind} {self.due_date}"


class OutboxChannel(models.TextChoices):
    INBOX = "inbox", _("In-app message")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


def _mask_address(address: str) -> str:
    """z***@example.com for an e-mail address, 138****5678 for a phone number."""
    if "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


class OutboxMessage(models.Model):
    """One notification to deliver, written in the same transaction as the change that
    causes it (renda.core.notify): nothing is sent for a change that rolls back, and
    nothing is lost when the sending fails after the change committed. A worker claims due
    rows, delivers them through the channel's backend, and records the outcome: sent, or
    retried with backoff until `attempts` reaches the limit, then failed.

    `recipient` is the phone number or e-mail address (empty for in-app messages, whose
    user ids are in the payload); `kind` names the message for template-based SMS
    providers; `result` keeps what the backend reported (provider, message id, delivery
    receipts). The payload holds the text until the message is sent, then is emptied."""

    channel = models.CharField(_("delivery channel"), max_length=10, choices=OutboxChannel.choices)
    kind = models.CharField(_("message kind"), max_length=60, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    payload = models.JSONField(_("content"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # The worker that is sending the row and until when its claim holds (a worker that
    # died while sending leaves a claim that expires, and the row is tried again).
    claim = models.CharField(_("claimed by"), max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    result = models.JSONField(
        _("delivery result"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's scan: only rows still to send are in it, however many were sent.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            # Per-recipient counts (e.g. a daily cap per phone number).
            models.Index(
                fields=["channel", "recipient", "created_at"], name="outbox_recipient_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.masked_recipient} ({self.get_status_display()})"

    @property
    def masked_recipient(self) -> str:
        return _mask_address(self.recipient)


class JobKind(models.TextChoices):
    EXPORT = "export", _("Export")
    REINDEX = "reindex", _("Search reindex")
    ROSTER_PREVIEW = "roster_preview", _("Roster check")
    ROSTER_IMPORT = "roster_import", _("Roster import")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Job completed")
    FAILED = "failed", _("Job failed")
    # Done, its result file deleted after the retention period (renda.core.jobs.prune).
    EXPIRED = "expired", _("Result expired")


#: The job's state table (renda.core.workflow.move). A job that died while running (its
#: process gone) is run again from the start by the sweep: running → running.
JOB_TRANSITIONS = {
    JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.FAILED},
    JobStatus.RUNNING: {JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED},
    JobStatus.DONE: {JobStatus.EXPIRED},
    JobStatus.FAILED: set(),
    JobStatus.EXPIRED: set(),
}


class Job(models.Model):
    """A long piece of work run in the background (renda.core.jobs): a large export, a
    reindex. Its owner follows its progress on its page and downloads the result."""

    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("owner")
    )
    congress_id = models.BigIntegerField(_("congress"), null=True, blank=True)
    params = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    result = models.FileField(_("result"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # The last sign of life of a running job (its progress): the sweep restarts a job
    # whose process died.
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}".strip()

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)
