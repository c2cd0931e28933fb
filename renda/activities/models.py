"""Deputies' activities between sessions: inspections (视察), surveys (调研), law-enforcement
checks (执法检查), trainings and study sessions (履职培训, 专题学习班, 交流会) and legal-education
campaigns (普法); their participants, schedule, site-visit notes with photos, findings
(问题清单, each a case on the case engine), and the one participation event every activity
writes for the deputies' service record."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renda.ballots.models import Base, Poll
from renda.cases.models import Case, EvaluationResult
from renda.congress.models import (
    Congress,
    Department,
    Deputy,
    Official,
    PerCongressRules,
    ScopedQuerySet,
)
from renda.core.uploads import GeneratedName


class ActivityKind(models.TextChoices):
    FOCUSED_INSPECTION = "inspection", _("Focused inspection (集中视察)")
    SPECIAL_INSPECTION = "special", _("Special inspection (专项视察)")
    SURVEY = "survey", _("Survey (专题调研)")
    LAW_CHECK = "law_check", _("Law-enforcement check (执法检查)")
    # The livelihood projects' supervision (renda/projects links its inspections here).
    PROJECT_INSPECTION = "project", _("Livelihood-project inspection (民生实事项目视察)")
    TRAINING = "training", _("Training (履职培训)")
    STUDY = "study", _("Study session (专题学习班)")
    EXCHANGE = "exchange", _("Exchange meeting (代表工作交流会)")
    LEGAL_EDUCATION = "legal_edu", _("Legal-education campaign (普法)")


# Kinds whose findings go to the departments; kinds with attendance and hours credited.
SUPERVISION_KINDS = frozenset(
    {
        ActivityKind.FOCUSED_INSPECTION,
        ActivityKind.SPECIAL_INSPECTION,
        ActivityKind.SURVEY,
        ActivityKind.LAW_CHECK,
        ActivityKind.PROJECT_INSPECTION,
    }
)
LEARNING_KINDS = frozenset(
    {ActivityKind.TRAINING, ActivityKind.STUDY, ActivityKind.EXCHANGE, ActivityKind.LEGAL_EDUCATION}
)


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ANNOUNCED = "announced", _("Announced (invitations sent)")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed (report filed)")
    CANCELLED = "cancelled", _("Cancelled")


A = ActivityStatus
ACTIVITY_TRANSITIONS: dict[str, set[str]] = {
    A.PLANNED: {A.ANNOUNCED, A.CANCELLED},
    A.ANNOUNCED: {A.HELD, A.CANCELLED},
    A.HELD: {A.CLOSED},
    A.CLOSED: set(),
    A.CANCELLED: set(),
}


class Activity(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    legal_basis = models.TextField(
        _("legal basis"),
        max_length=2000,
        blank=True,
        help_text=_("For a law check: the law and the articles checked."),
    )
    organiser = models.ForeignKey(
        Deputy,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The deputy who leads the activity and rates the departments' replies."),
    )
    lecturer = models.CharField(_("lecturer"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hours = models.DecimalField(
        _("hours credited"), max_digits=5, decimal_places=1, default=0, blank=True
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    materials = models.TextField(
        _("materials"), max_length=5000, blank=True, help_text=_("Documents and video links.")
    )
    # 普法: counted by the office.
    sessions_held = models.PositiveIntegerField(_("sessions held"), default=0)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    report_text = models.TextField(_("report"), max_length=50000, blank=True)
    report = models.FileField(
        _("report document"), upload_to=GeneratedName("activities/reports"), blank=True
    )
    report_type = models.CharField(_("report type"), max_length=100, blank=True)
    report_name = models.CharField(_("report file name"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["congress", "starts_on"])]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_supervision(self) -> bool:
        return self.kind in SUPERVISION_KINDS

    @property
    def is_learning(self) -> bool:
        return self.kind in LEARNING_KINDS


class ThroughActivity(ScopedQuerySet):
    congress_lookup = "activity__congress_id"


class ScheduleItem(models.Model):
    """One stop of the schedule: when and where (a site visited, a classroom)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="schedule"
    )
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("site"), max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ThroughActivity.as_manager()

    class Meta:
        verbose_name = _("schedule item")
        verbose_name_plural = _("schedule items")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.place


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    PARTICIPANT = "participant", _("Participant")
    LECTURER = "lecturer", _("Lecturer")
    ATTENDEE = "attendee", _("Attendee")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    ATTENDED = "attended", _("Took part")
    ABSENT = "absent", _("Absent")


I = InvitationStatus  # noqa: E741
INVITATION_TRANSITIONS: dict[str, set[str]] = {
    I.INVITED: {I.CONFIRMED, I.DECLINED, I.ATTENDED, I.ABSENT},
    I.CONFIRMED: {I.DECLINED, I.ATTENDED, I.ABSENT},
    I.DECLINED: {I.CONFIRMED, I.ATTENDED},
    I.ATTENDED: set(),
    I.ABSENT: {I.ATTENDED},
}


class CheckinMethod(models.TextChoices):
    QR = "qr", _("Scanned the code")
    STAFF = "staff", _("Marked by staff")


class Invitation(models.Model):
    """A deputy (of any level) invited to an activity, their answer and their attendance."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="invitations"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        _("role"), max_length=12, choices=Role.choices, default=Role.PARTICIPANT
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InvitationStatus.choices, default=I.INVITED
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    checkin_method = models.CharField(
        _("check-in"), max_length=8, choices=CheckinMethod.choices, blank=True
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = ThroughActivity.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["activity", "deputy__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "deputy"], name="activity_invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.deputy} @ {self.activity_id}"


class VisitNote(models.Model):
    """What was seen at a site (记录), with checked photos."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="notes"
    )
    stop = models.ForeignKey(
        ScheduleItem,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
    )
    text = models.TextField(_("notes"), max_length=5000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = ThroughActivity.as_manager()

    class Meta:
        verbose_name = _("site visit note")
        verbose_name_plural = _("site visit notes")
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class ThroughNote(ScopedQuerySet):
    congress_lookup = "note__activity__congress_id"


class VisitPhoto(models.Model):
    note = models.ForeignKey(
        VisitNote, verbose_name=_("note"), on_delete=models.PROTECT, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to=GeneratedName("activities/photos"))
    content_type = models.CharField(_("file type"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)

    objects = ThroughNote.as_manager()

    class Meta:
        verbose_name = _("site visit photo")
        verbose_name_plural = _("site visit photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or str(self.pk)


class Finding(models.Model):
    """问题清单: an issue found, filed at once as a case of kind "finding" to the responsible
    department; the engine runs assignment, reply, the organiser's rating and re-handling."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="findings"
    )
    text = models.TextField(_("finding"), max_length=5000)
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due = models.DateField(_("reply due"))
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="activity_finding"
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    objects = ThroughActivity.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def evaluation_label(self) -> str:
        """The engine's latest rating of the reply, as a label ("" before one)."""
        result = self.case.evaluation_result
        return str(EvaluationResult(result).label) if result in EvaluationResult.values else ""


class Participation(models.Model):
    """One deputy's part in one activity: who, what, when, role, hours, and the link to what
    they took part in (any model: an activity here, later a meeting or a review). Every
    activity writes it through `services.participation.record_participation`; the deputies'
    service record reads it through `participations_by_deputy`. Never deleted."""

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="participations"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)
    title = models.CharField(_("title"), max_length=200)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("what"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("what id"))
    target = GenericForeignKey("target_type", "target_id")
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "target_type", "target_id"], name="activity_participation_once"
            )
        ]
        indexes = [models.Index(fields=["deputy", "on"]), models.Index(fields=["congress", "on"])]

    def __str__(self) -> str:
        return f"{self.deputy} {self.title}"


# --- the year's work plan (年度工作要点) -------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


PLAN_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.PUBLISHED},
    PlanStatus.PUBLISHED: {PlanStatus.DRAFT},
}


class WorkPlan(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "year"], name="workplan_one_per_year")
        ]

    def __str__(self) -> str:
        return self.title


class PlanItemKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    SURVEY = "survey", _("Survey")
    LAW_CHECK = "law_check", _("Law-enforcement check")
    HEARING = "hearing", _("Hearing a report")
    TRAINING = "training", _("Training")
    REVIEW = "review", _("Review")
    OTHER = "other", _("Other")


class PlanItemState(models.TextChoices):
    """Derived from the activities that carry the item out (never stored)."""

    NOT_STARTED = "not_started", _("Not started")
    OVERDUE = "overdue", _("Past its month")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")
    CARRIED_OVER = "carried_over", _("Carried over")


class ThroughPlan(ScopedQuerySet):
    congress_lookup = "plan__congress_id"


class PlanItem(models.Model):
    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("work plan"), on_delete=models.PROTECT, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PlanItemKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    lead = models.ForeignKey(
        Deputy,
        verbose_name=_("lead"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The presidium member who leads the item."),
    )
    month = models.PositiveSmallIntegerField(_("planned month"))
    carried_from = models.OneToOneField(
        "self",
        verbose_name=_("carried over from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
    )
    activities = models.ManyToManyField(
        Activity, verbose_name=_("activities"), blank=True, related_name="plan_items"
    )

    objects = ThroughPlan.as_manager()

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["month", "id"]

    def __str__(self) -> str:
        return self.topic


# --- presidium meetings (主席团会议) ------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("meeting status", "Scheduled")
    CLOSED = "closed", _("Closed (minutes final)")


MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.SCHEDULED: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
}


class PresidiumMeeting(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    minutes = models.TextField(_("minutes"), max_length=50000, blank=True)
    decisions = models.TextField(_("decisions and resolutions"), max_length=20000, blank=True)
    present = models.ManyToManyField(
        Deputy, verbose_name=_("members present"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("presidium meeting")
        verbose_name_plural = _("presidium meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class ThroughMeeting(ScopedQuerySet):
    congress_lookup = "meeting__congress_id"


class ReportKind(models.TextChoices):
    GOVERNMENT = "government", _("Government work")
    BUDGET_EXECUTION = "budget_exec", _("Budget execution")
    BUDGET_ADJUSTMENT = "budget_adj", _("Budget adjustment")
    ECONOMY = "economy", _("Economic operation")
    SPECIAL = "special", _("A department's special report")


class MeetingReport(models.Model):
    meeting = models.ForeignKey(
        PresidiumMeeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    title = models.CharField(_("title"), max_length=200)
    reporter = models.CharField(_("reporter"), max_length=100, blank=True)
    document = models.FileField(
        _("report document"), upload_to=GeneratedName("activities/meeting-reports"), blank=True
    )
    document_type = models.CharField(_("document type"), max_length=100, blank=True)
    document_name = models.CharField(_("document file name"), max_length=200, blank=True)

    objects = ThroughMeeting.as_manager()

    class Meta:
        verbose_name = _("report heard")
        verbose_name_plural = _("reports heard")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class BudgetLine(models.Model):
    """One line of a quarter's budget execution, as the government reported it."""

    meeting = models.ForeignKey(
        PresidiumMeeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    name = models.CharField(_("budget line"), max_length=200)
    budget = models.DecimalField(_("budget (10k yuan)"), max_digits=14, decimal_places=2)
    executed = models.DecimalField(
        _("executed to date (10k yuan)"), max_digits=14, decimal_places=2
    )

    objects = ThroughMeeting.as_manager()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MinutesAmendment(models.Model):
    """A correction of a closed meeting's minutes: recorded beside them, never in them."""

    meeting = models.ForeignKey(
        PresidiumMeeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    text = models.TextField(_("amendment"), max_length=5000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = ThroughMeeting.as_manager()

    class Meta:
        verbose_name = _("minutes amendment")
        verbose_name_plural = _("minutes amendments")
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class DeliberationOpinion(models.Model):
    """审议意见 on a report heard, sent to the government as a case of kind
    "deliberation"; the presidium rates the reply on the engine."""

    meeting = models.ForeignKey(
        PresidiumMeeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    report = models.ForeignKey(
        MeetingReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="opinions"
    )
    text = models.TextField(_("opinion"), max_length=5000)
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="deliberation"
    )

    objects = ThroughMeeting.as_manager()

    class Meta:
        verbose_name = _("deliberation opinion")
        verbose_name_plural = _("deliberation opinions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def evaluation_label(self) -> str:
        """The engine's latest rating of the reply, as a label ("" before one)."""
        result = self.case.evaluation_result
        return str(EvaluationResult(result).label) if result in EvaluationResult.values else ""


class ActivityRules(PerCongressRules, models.Model):
    """Per-congress settings of the presidium's supervision."""

    congress = models.OneToOneField(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    budget_low_percent = models.PositiveSmallIntegerField(
        _("budget flag below (% of target)"), default=80
    )
    budget_high_percent = models.PositiveSmallIntegerField(
        _("budget flag above (% of target)"), default=120
    )
    implausible_factor = models.PositiveSmallIntegerField(
        _("warn when executed exceeds the budget by this factor"), default=3
    )
    # 任前审议: "for" must be more than num/den of the base (default: more than half of the
    # presidium members present).
    review_base = models.CharField(
        _("pre-appointment vote: base"), max_length=10, choices=Base.choices, default=Base.PRESENT
    )
    review_threshold_num = models.PositiveSmallIntegerField(
        _("pre-appointment vote: threshold numerator"), default=1
    )
    review_threshold_den = models.PositiveSmallIntegerField(
        _("pre-appointment vote: threshold denominator"), default=2
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity rules")
        verbose_name_plural = _("activity rules")

    def __str__(self) -> str:
        return str(self.congress)


# --- pre-appointment review (任前审议) ----------------------------------------------------


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    VOTING = "voting", _("Vote open")
    DECIDED = "decided", _("Decided")


NOMINATION_TRANSITIONS: dict[str, set[str]] = {
    NominationStatus.NOMINATED: {NominationStatus.VOTING},
    NominationStatus.VOTING: {NominationStatus.DECIDED},
    NominationStatus.DECIDED: set(),
}


class ReviewResult(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class Nomination(models.Model):
    """A nominee for a department head post reviewed by the presidium before appointment."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("nominee"), max_length=40)
    post = models.CharField(_("post"), max_length=100)
    nominating_body = models.CharField(_("nominating body"), max_length=100)
    resume = models.FileField(
        _("résumé"), upload_to=GeneratedName("activities/nominations"), blank=True
    )
    resume_type = models.CharField(_("résumé file type"), max_length=100, blank=True)
    statement = models.FileField(
        _("statement (任前表态发言)"), upload_to=GeneratedName("activities/nominations"), blank=True
    )
    statement_type = models.CharField(_("statement file type"), max_length=100, blank=True)
    meeting = models.ForeignKey(
        PresidiumMeeting,
        verbose_name=_("review meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
    )
    poll = models.OneToOneField(
        Poll,
        verbose_name=_("vote"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nomination",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=NominationStatus.choices,
        default=NominationStatus.NOMINATED,
    )
    result = models.CharField(_("result"), max_length=12, choices=ReviewResult.choices, blank=True)
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstain"), default=0)
    official = models.ForeignKey(
        Official,
        verbose_name=_("appointed as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} {self.post}"


class ThroughNomination(ScopedQuerySet):
    congress_lookup = "nomination__congress_id"


class ReviewRemark(models.Model):
    """A presidium member's question or opinion on a nominee."""

    nomination = models.ForeignKey(
        Nomination, verbose_name=_("nomination"), on_delete=models.PROTECT, related_name="remarks"
    )
    member = models.ForeignKey(
        Deputy, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("question or opinion"), max_length=2000)

    objects = ThroughNomination.as_manager()

    class Meta:
        verbose_name = _("review remark")
        verbose_name_plural = _("review remarks")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]
