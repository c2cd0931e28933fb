"""Deputies' suggestions (代表建议): a thin front door onto the case engine.

A Suggestion is the deputy's own record (drafts, co-signers, the motion flag, publication);
once submitted it owns one Case of kind "suggestion", which the engine handles like any
other: review, assignment, reply, evaluation, follow-up. The assignment meeting (交办会)
gathers accepted suggestions and assigns them in one action.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.cases.models import Case, Category
from renda.congress.models import Congress, Department, Deputy, ScopedQuerySet, Session, Term
from renda.core import uploads
from renda.core.validators import validate_document

MOTION_MIN_SIGNERS = 5  # 议案: at least five deputies (地方组织法)


class SuggestionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_COSIGNERS = "awaiting", _("Awaiting co-signers")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Transitions are data; only services change a status, through renda.core.workflow.move.
# A submitted suggestion is withdrawn by the office through its case, not here.
SUGGESTION_STATUS_TRANSITIONS = {
    SuggestionStatus.DRAFT: {
        SuggestionStatus.AWAITING_COSIGNERS,
        SuggestionStatus.SUBMITTED,
        SuggestionStatus.WITHDRAWN,
    },
    SuggestionStatus.AWAITING_COSIGNERS: {SuggestionStatus.SUBMITTED, SuggestionStatus.WITHDRAWN},
    SuggestionStatus.SUBMITTED: set(),
    SuggestionStatus.WITHDRAWN: set(),
}


class MotionDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting the presidium's decision")
    AGENDA = "agenda", _("Put on the session's agenda")
    AS_SUGGESTION = "as_suggestion", _("Handled as a suggestion")


class SuggestionQuerySet(ScopedQuerySet):
    def of_deputy(self, deputy: Deputy | None):  # noqa: ANN201
        """The deputy's own suggestions and those they were asked to co-sign."""
        if deputy is None:
            return self.none()
        return self.filter(Q(lead=deputy) | Q(cosigners__deputy=deputy)).distinct()


class Suggestion(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="suggestions"
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="suggestions"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text=_("Empty for a suggestion raised between sessions."),
    )
    lead = models.ForeignKey(
        Deputy,
        verbose_name=_("lead deputy"),
        on_delete=models.PROTECT,
        related_name="led_suggestions",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("content"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.DRAFT
    )
    is_motion = models.BooleanField(_("raised as a motion (议案)"), default=False)
    motion_decision = models.CharField(
        _("motion decision"), max_length=14, choices=MotionDecision.choices, blank=True
    )
    case = models.OneToOneField(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestion",
    )
    is_published = models.BooleanField(_("published on the portal"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy suggestion")
        verbose_name_plural = _("deputy suggestions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def during_session(self) -> bool:
        return self.session_id is not None


class CoSignerStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


COSIGNER_TRANSITIONS = {
    CoSignerStatus.INVITED: {CoSignerStatus.CONFIRMED, CoSignerStatus.DECLINED},
    CoSignerStatus.CONFIRMED: set(),
    CoSignerStatus.DECLINED: set(),
}


class CoSigner(models.Model):
    """联名: a deputy asked to co-sign; only a confirmed co-signer counts."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.PROTECT, related_name="cosigners"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="cosigned"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CoSignerStatus.choices, default=CoSignerStatus.INVITED
    )
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    # A deputy without an online account answers in writing; the office records it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answer recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("co-signer")
        verbose_name_plural = _("co-signers")
        ordering = ["suggestion", "id"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "deputy"], name="cosigner_once")
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.get_status_display()}"


class SuggestionFile(models.Model):
    """A file attached to a draft; it becomes an attachment of the case on submission."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(
        _("file"),
        upload_to=uploads.GeneratedName("suggestions/%Y/"),
        validators=[validate_document],
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(
        _("content type"),
        max_length=100,
        blank=True,
        help_text=_("Verified from the file's bytes when it was uploaded."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion file")
        verbose_name_plural = _("suggestion files")

    def __str__(self) -> str:
        return self.original_name


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held: all assigned")


ASSIGNMENT_MEETING_TRANSITIONS = {
    MeetingStatus.PLANNED: {MeetingStatus.HELD},
    MeetingStatus.HELD: set(),
}


class AssignmentMeeting(models.Model):
    """交办会: accepted suggestions are given to their departments together."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="assignment_meetings",
    )
    title = models.CharField(_("title"), max_length=100)
    held_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_at = models.DateTimeField(_("assigned at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment meeting")
        verbose_name_plural = _("assignment meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingItemQuerySet(ScopedQuerySet):
    congress_lookup = "meeting__congress_id"


class MeetingItem(models.Model):
    """One suggestion on a meeting's list, with the units and due date decided for it."""

    meeting = models.ForeignKey(
        AssignmentMeeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="items"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="meeting_items"
    )
    lead = models.ForeignKey(
        Department,
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    co_handlers = models.ManyToManyField(
        Department, verbose_name=_("co-handlers"), blank=True, related_name="+"
    )
    splits = models.ManyToManyField(
        Department, verbose_name=_("split units"), blank=True, related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = MeetingItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting item")
        verbose_name_plural = _("meeting items")
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="meeting_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.case.serial}"
