"""Performance reviews and democratic appraisal (述职评议, 民主测评), on the ballot engine.

A `ReviewMeeting` of a congress hears its `Reporter`s (officials reporting to the deputies,
or deputies reporting to voter representatives), records their report documents and the
questions from the floor, and rates them by secret ballot: one engine `Poll` per meeting
with one subject per reporter. At close each reporter's outcome is copied from the poll's
frozen result; the rule of DOMAIN.md §4 (configurable per congress in `AppraisalRules`)
decides who must hand in a rectification report (整改报告) and who is re-reviewed (再评议).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renda.ballots.models import SCALE_GRADES, Base, Poll, PollSubject, Scale
from renda.congress.models import (
    Congress,
    Deputy,
    Official,
    PerCongressRules,
    ScopedQuerySet,
    Session,
)
from renda.core import uploads
from renda.core.validators import validate_document


class AppraisalRules(PerCongressRules, models.Model):
    """A congress's appraisal rules (DOMAIN.md §4). The defaults are the common practice:
    满意 if 满意 > half, 基本满意 if 满意 + 基本满意 > half, otherwise 不满意; abstentions
    excluded from the base; a rectification report within 30 days; the lowest-rated
    re-reviewed within 3 months."""

    congress = models.OneToOneField(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="appraisal_rules",
    )
    base = models.CharField(
        _("base of the result rule"),
        max_length=10,
        choices=Base.choices,
        default=Base.VALID,
        help_text=_("By default abstentions and 'do not know' are excluded from the base."),
    )
    threshold_num = models.PositiveSmallIntegerField(_("threshold numerator"), default=1)
    threshold_den = models.PositiveSmallIntegerField(_("threshold denominator"), default=2)
    threshold_strict = models.BooleanField(
        _("strictly more than the threshold"),
        default=True,
        help_text=_("On: more than half. Off: at least half."),
    )
    rectify_when_failed = models.BooleanField(
        _("a reporter rated in the lowest grade must rectify"), default=True
    )
    rectify_share_num = models.PositiveSmallIntegerField(
        _("lowest-grade share numerator"),
        default=1,
        help_text=_(
            "A reporter whose lowest-grade votes exceed this share of the base must "
            "rectify. 0 turns this rule off."
        ),
    )
    rectify_share_den = models.PositiveSmallIntegerField(
        _("lowest-grade share denominator"), default=3
    )
    rereview_lowest = models.PositiveSmallIntegerField(
        _("the lowest-rated reporters re-reviewed"),
        default=1,
        help_text=_(
            "How many of the lowest-rated must rectify and be re-reviewed (ties all "
            "count). 0 turns this rule off."
        ),
    )
    rectification_days = models.PositiveSmallIntegerField(
        _("rectification report due within (days)"), default=30
    )
    rereview_days = models.PositiveSmallIntegerField(_("re-review within (days)"), default=90)
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind (days before the rectification report is due)"), default=7
    )
    min_group = models.PositiveSmallIntegerField(
        _("smallest group whose results are shown"), default=5
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal rules")
        verbose_name_plural = _("appraisal rules")

    def __str__(self) -> str:
        return str(self.congress)


class MeetingKind(models.TextChoices):
    OFFICIALS = "officials", _("Officials report to the deputies (述职评议)")
    DEPUTIES = "deputies", _("Deputies report to voter representatives (代表述职)")


class Electorate(models.TextChoices):
    DEPUTIES = "deputies", _("The congress's deputies (those present vote)")
    INVITED = "invited", _("Invited voter representatives (one-time voter codes)")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", pgettext_lazy("meeting status", "Scheduled")
    RATING = "rating", _("Rating open")
    CLOSED = "closed", _("Closed, result frozen")
    PUBLISHED = "published", _("Result published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Each state only from its predecessor; a scheduled meeting may go back to draft, and a
# rating whose poll turns out void (more paper ballots returned than issued) goes back to
# scheduled for a new vote.
MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.DRAFT: {MeetingStatus.SCHEDULED, MeetingStatus.WITHDRAWN},
    MeetingStatus.SCHEDULED: {MeetingStatus.DRAFT, MeetingStatus.RATING, MeetingStatus.WITHDRAWN},
    MeetingStatus.RATING: {MeetingStatus.CLOSED, MeetingStatus.SCHEDULED},
    MeetingStatus.CLOSED: {MeetingStatus.PUBLISHED},
    MeetingStatus.PUBLISHED: set(),
    MeetingStatus.WITHDRAWN: set(),
}
# Reporters, documents and the attendance may change until the rating opens.
PREPARING = (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED)
# Questions from the floor are recorded at the meeting, before the vote closes.
HEARING = (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED, MeetingStatus.RATING)


class ReviewMeeting(models.Model):
    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="review_meetings",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_meetings",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=MeetingKind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    scale = models.CharField(
        _("rating scale"),
        max_length=14,
        choices=[
            (Scale.SATISFACTION, Scale.SATISFACTION.label),
            (Scale.COMPETENCE, Scale.COMPETENCE.label),
        ],
    )
    allow_abstain = models.BooleanField(_("abstention allowed"), default=False)
    allow_unknown = models.BooleanField(_("'do not know' allowed"), default=False)
    electorate = models.CharField(
        _("who votes"), max_length=10, choices=Electorate.choices, default=Electorate.DEPUTIES
    )
    invited_count = models.PositiveIntegerField(
        _("voter representatives invited"),
        default=0,
        help_text=_("One single-use voter code is printed for each."),
    )
    paper_ballots = models.BooleanField(_("paper ballots counted by two tellers"), default=True)
    # The rule, copied from the congress's rules when the meeting is created.
    base = models.CharField(_("base of the result rule"), max_length=10, choices=Base.choices)
    threshold_num = models.PositiveSmallIntegerField(_("threshold numerator"), default=1)
    threshold_den = models.PositiveSmallIntegerField(_("threshold denominator"), default=2)
    threshold_strict = models.BooleanField(_("strictly more than the threshold"), default=True)
    rectify_when_failed = models.BooleanField(
        _("a reporter rated in the lowest grade must rectify"), default=True
    )
    rectify_share_num = models.PositiveSmallIntegerField(
        _("lowest-grade share numerator"), default=1
    )
    rectify_share_den = models.PositiveSmallIntegerField(
        _("lowest-grade share denominator"), default=3
    )
    rereview_lowest = models.PositiveSmallIntegerField(
        _("the lowest-rated reporters re-reviewed"), default=1
    )
    min_group = models.PositiveSmallIntegerField(
        _("smallest group whose results are shown"), default=5
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    poll = models.ForeignKey(
        Poll,
        verbose_name=_("poll"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rereview_of = models.ForeignKey(
        "self",
        verbose_name=_("re-review of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rereviews",
    )
    note = models.TextField(_("note"), blank=True)
    void_note = models.TextField(_("why the last vote was void"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("rating closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("result published at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def grades(self) -> list[tuple[str, Any]]:
        """(code, label) of every answer on the ballot, best first."""
        out = list(SCALE_GRADES[self.scale])
        if self.allow_abstain:
            out.append(("abstain", _("Abstain")))
        if self.allow_unknown:
            out.append(("unknown", _("Do not know")))
        return out

    def rated_grades(self) -> list[str]:
        """The grades the result rule reads (abstain and 'do not know' are not grades)."""
        return [code for code, _label in SCALE_GRADES[self.scale]]

    def grade_label(self, code: str) -> str:
        return str(dict(self.grades()).get(code, code or ""))


class ReporterQuerySet(ScopedQuerySet):
    congress_lookup = "meeting__congress_id"


class RectifyReason(models.TextChoices):
    FAILED = "failed", _("Rated in the lowest grade")
    SHARE = "share", _("Lowest-grade votes above the configured share")
    LOWEST = "lowest", _("Among the lowest-rated")


class Reporter(models.Model):
    """One person who reports at a meeting and is rated: an official or a deputy."""

    meeting = models.ForeignKey(
        ReviewMeeting,
        verbose_name=_("review meeting"),
        on_delete=models.PROTECT,
        related_name="reporters",
    )
    order = models.PositiveSmallIntegerField(_("order of speaking"), default=1)
    official = models.ForeignKey(
        Official,
        verbose_name=_("official"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appraisals",
    )
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appraisals",
    )
    name = models.CharField(_("full name"), max_length=40)
    post = models.CharField(_("post"), max_length=100, blank=True)
    report_title = models.CharField(_("title of the report"), max_length=200)
    subject = models.ForeignKey(
        PollSubject,
        verbose_name=_("poll subject"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rereview_of = models.ForeignKey(
        "self",
        verbose_name=_("re-review of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rereviews",
    )
    # The outcome, copied from the poll's frozen result at close.
    grade = models.CharField(_("result"), max_length=12, blank=True)
    counts = models.JSONField(_("votes per answer"), null=True, blank=True)
    base = models.PositiveIntegerField(_("base"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    lowest = models.BooleanField(_("among the lowest-rated"), default=False)
    lowest_tie = models.BooleanField(_("tied at the lowest place"), default=False)
    must_rectify = models.BooleanField(_("must rectify"), default=False)
    rectify_reasons = models.JSONField(_("why rectification is required"), default=list, blank=True)

    objects = ReporterQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "official"],
                condition=Q(official__isnull=False),
                name="appraisal_official_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "deputy"],
                condition=Q(deputy__isnull=False),
                name="appraisal_deputy_once",
            ),
            models.CheckConstraint(
                condition=Q(official__isnull=True, deputy__isnull=False)
                | Q(official__isnull=False, deputy__isnull=True),
                name="appraisal_reporter_is_one_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）" if self.post else self.name

    def audit_congress_id(self) -> int:
        return self.meeting.congress_id

    @property
    def congress_id(self) -> int:
        return self.meeting.congress_id


class ReportDocument(models.Model):
    reporter = models.ForeignKey(
        Reporter, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=uploads.GeneratedName("appraisals/reports/%Y/"),
        validators=[validate_document],
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(
        _("content type"),
        max_length=100,
        blank=True,
        help_text=_("Verified from the file's bytes when it was uploaded."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("report document")
        verbose_name_plural = _("report documents")
        ordering = ["reporter", "id"]

    def __str__(self) -> str:
        return self.title

    def audit_congress_id(self) -> int:
        return self.reporter.meeting.congress_id


class FloorQuestion(models.Model):
    """A question or comment from the floor, and the reporter's answer, as staff record it."""

    reporter = models.ForeignKey(
        Reporter, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="questions"
    )
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy who asked"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    asked_by = models.CharField(_("asked by"), max_length=60)
    question = models.TextField(_("question or comment"))
    answer = models.TextField(_("answer"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("question from the floor")
        verbose_name_plural = _("questions from the floor")
        ordering = ["reporter", "id"]

    def __str__(self) -> str:
        return self.question[:40]

    def audit_congress_id(self) -> int:
        return self.reporter.meeting.congress_id


class Attendance(models.Model):
    """A deputy present at the meeting: the deputies present vote."""

    meeting = models.ForeignKey(
        ReviewMeeting,
        verbose_name=_("review meeting"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "deputy"], name="appraisal_present_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.deputy_id}"


class RectificationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the report")
    OVERDUE = "overdue", _("Overdue")
    SUBMITTED = "submitted", _("Report submitted")
    ACCEPTED = "accepted", _("Report accepted")


RECTIFICATION_TRANSITIONS: dict[str, set[str]] = {
    RectificationStatus.PENDING: {RectificationStatus.SUBMITTED, RectificationStatus.OVERDUE},
    RectificationStatus.OVERDUE: {RectificationStatus.SUBMITTED},
    # The office accepts the report or sends it back for more work.
    RectificationStatus.SUBMITTED: {RectificationStatus.ACCEPTED, RectificationStatus.PENDING},
    RectificationStatus.ACCEPTED: set(),
}
OPEN_RECTIFICATION = (RectificationStatus.PENDING, RectificationStatus.OVERDUE)


class RectificationQuerySet(ScopedQuerySet):
    congress_lookup = "reporter__meeting__congress_id"


class Rectification(models.Model):
    """The rectification report (整改报告) a reporter owes after the appraisal."""

    reporter = models.OneToOneField(
        Reporter, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="rectification"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.PENDING,
    )
    report = models.FileField(
        _("rectification report"),
        upload_to=uploads.GeneratedName("appraisals/rectifications/%Y/"),
        blank=True,
        validators=[validate_document],
    )
    report_name = models.CharField(_("file name"), max_length=200, blank=True)
    report_type = models.CharField(
        _("content type"),
        max_length=100,
        blank=True,
        help_text=_("Verified from the file's bytes when it was uploaded."),
    )
    summary = models.TextField(_("summary of the measures"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    office_note = models.TextField(_("the office's note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return str(self.reporter)

    def audit_congress_id(self) -> int:
        return self.reporter.meeting.congress_id


class ReminderKind(models.TextChoices):
    """Reminders about a rectification report, each sent once per due date through
    `renda.core.reminders` (the platform's one due-item reminder)."""

    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
