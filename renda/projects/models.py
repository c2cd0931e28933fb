"""Livelihood projects voted by deputies (民生实事项目人大代表票决制, DOMAIN.md §5).

Ideas are collected into a reserve pool that persists across years (项目储备库), screened by
the government side, put as candidates on a vote batch (票决批次) of a session, voted on the
ballot engine, implemented with milestones and supervised by a deputy group; findings go to
the case engine; deputies rate each project at year end. Statuses are TextChoices with the
allowed transitions as data; only `renda.projects.services` changes a status.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.activities.models import Activity
from renda.activities.models import Finding as ActivityFinding
from renda.ballots.models import SCALE_GRADES, Base, Poll, PollSubject, Scale
from renda.cases.models import Case, EvaluationResult
from renda.congress.models import (
    Congress,
    Department,
    Deputy,
    PerCongressRules,
    ScopedQuerySet,
    Session,
)
from renda.core import uploads
from renda.core.masking import mask_name, mask_phone
from renda.core.models import Region
from renda.core.rates import percent
from renda.core.validators import validate_cn_mobile


class ProjectRules(PerCongressRules, models.Model):
    """The congress's configurable rules (DOMAIN.md §5 defaults)."""

    congress = models.OneToOneField(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="project_rules",
    )
    vote_base = models.CharField(
        _("vote: base of the threshold"),
        max_length=10,
        choices=[
            (Base.ENTITLED, _("All deputies")),
            (Base.PRESENT, _("Deputies present")),
            (Base.CAST, _("Ballots cast")),
        ],
        default=Base.ENTITLED,
    )
    threshold_num = models.PositiveSmallIntegerField(_("vote: threshold numerator"), default=1)
    threshold_den = models.PositiveSmallIntegerField(_("vote: threshold denominator"), default=2)
    threshold_strict = models.BooleanField(
        _("vote: strictly more than the threshold"), default=True
    )
    rating_base = models.CharField(
        _("year-end rating: base"),
        max_length=10,
        choices=[
            (Base.CAST, _("Ballots cast")),
            (Base.VALID, _("Valid votes (abstentions excluded)")),
        ],
        default=Base.CAST,
    )
    survey_enabled = models.BooleanField(_("resident survey at year end"), default=True)
    min_group = models.PositiveSmallIntegerField(
        _("smallest group whose vote results are shown"), default=5
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project rules")
        verbose_name_plural = _("project rules")

    def __str__(self) -> str:
        return str(self.congress)


# --- collection and the reserve pool ------------------------------------------------------


class IdeaSource(models.TextChoices):
    RESIDENT = "resident", _("Resident (portal)")
    OPINION = "opinion", _("Public opinion case")
    STATION = "station", _("Liaison station reception")
    DEPUTY = "deputy", _("Deputy")
    DEPARTMENT = "department", _("Department")
    OTHER = "other", _("Other (visits, questionnaires)")


class IdeaStatus(models.TextChoices):
    POOL = "pool", _("In the reserve pool")
    SCREENING = "screening", _("Being screened")
    FEASIBLE = "feasible", _("Screened, feasible")
    EXCLUDED = "excluded", _("Excluded")
    CANDIDATE = "candidate", _("Candidate in a vote batch")
    SELECTED = "selected", _("Selected by the deputies")
    WITHDRAWN = "withdrawn", _("Withdrawn")


IS = IdeaStatus
IDEA_TRANSITIONS: dict[str, set[str]] = {
    IS.POOL: {IS.SCREENING, IS.WITHDRAWN},
    IS.SCREENING: {IS.FEASIBLE, IS.EXCLUDED, IS.POOL},
    IS.FEASIBLE: {IS.CANDIDATE, IS.SCREENING, IS.WITHDRAWN},
    # Not selected: back among the feasible ideas of the pool, for a later batch or year.
    IS.CANDIDATE: {IS.SELECTED, IS.FEASIBLE},
    IS.EXCLUDED: {IS.SCREENING},
    IS.SELECTED: set(),
    IS.WITHDRAWN: set(),
}


class ExclusionReason(models.TextChoices):
    """DOMAIN.md §5: what screening excludes."""

    BURDEN = "burden", _("Adds burdens on residents or firms")
    DEBT = "debt", _("Debt risk")
    STABILITY = "stability", _("Stability risk")
    OFFICE = "office", _("Office buildings")
    INFEASIBLE = "infeasible", _("Not feasible")
    ILLEGAL = "illegal", _("Fails the legality review")
    NOT_LIVELIHOOD = "not_livelihood", _("Not a livelihood matter / ordinary duty")
    DUPLICATE = "duplicate", _("Duplicate of another idea")


class Idea(models.Model):
    """A project idea in the reserve pool (项目储备库); kept across years."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="project_ideas"
    )
    serial = models.CharField(_("number"), max_length=24)
    year = models.PositiveSmallIntegerField(_("year collected"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=5000)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village / community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=12, choices=IdeaSource.choices)
    # The link to where the idea came from: an opinion case, or a free reference (e.g. a
    # station reception "reception:123") for sources built elsewhere.
    source_case = models.ForeignKey(
        Case,
        verbose_name=_("from case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_ideas",
    )
    source_reference = models.CharField(_("source reference"), max_length=100, blank=True)
    source_deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("proposed by deputy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_department = models.ForeignKey(
        Department,
        verbose_name=_("proposed by department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposer_name = models.CharField(_("proposer's name"), max_length=40, blank=True)
    proposer_phone = models.CharField(
        _("proposer's mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=IdeaStatus.choices, default=IdeaStatus.POOL
    )
    created_at = models.DateTimeField(_("collected at"))
    # Screening by the government side.
    feasibility_note = models.TextField(_("feasibility"), blank=True)
    estimated_funds = models.DecimalField(
        _("estimated funds (10,000 yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_ideas",
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned completion"), null=True, blank=True)
    legality_note = models.TextField(_("legality review"), blank=True)
    exclusion_reason = models.CharField(
        _("exclusion reason"), max_length=16, choices=ExclusionReason.choices, blank=True
    )
    exclusion_note = models.TextField(_("exclusion note"), blank=True)
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project idea")
        verbose_name_plural = _("project ideas")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "serial"], name="idea_unique_serial"),
        ]
        indexes = [models.Index(fields=["congress", "status"], name="idea_congress_status_idx")]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"

    @property
    def masked_proposer_name(self) -> str:
        return mask_name(self.proposer_name)

    @property
    def masked_proposer_phone(self) -> str:
        return mask_phone(self.proposer_phone)

    def allowed(self, target: str) -> bool:
        return target in IDEA_TRANSITIONS.get(self.status, set())


IDEA_EVENT_LABELS = {
    "collected": _("Collected into the pool"),
    "screening": _("Screening started"),
    "feasible": _("Screened: feasible"),
    "excluded": _("Excluded"),
    "candidate": _("Put on a candidate list"),
    "further_vote": _("Put on a further vote"),
    "selected": _("Selected by the deputies"),
    "not_selected": _("Not selected; back in the pool"),
    "tied": _("Tied at the last place"),
    "batch_void": _("Batch called off; back in the pool"),
    "withdrawn": _("Withdrawn"),
}


class IdeaEvent(models.Model):
    """The history of an idea in the pool, year after year."""

    idea = models.ForeignKey(
        Idea, verbose_name=_("idea"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("idea event")
        verbose_name_plural = _("idea events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.action

    @property
    def label(self) -> str:
        return str(IDEA_EVENT_LABELS.get(self.action, self.action))


# --- vote batches -------------------------------------------------------------------------


class BatchKind(models.TextChoices):
    REGULAR = "regular", _("Annual projects")
    MICRO = "micro", _("Small, quick micro-projects (小快灵)")
    FURTHER = "further", _("Further vote on a tie")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    CONSULTATION = "consultation", _("Candidates published for comment")
    VOTING = "voting", _("Voting")
    COUNTED = "counted", _("Counted")
    ANNOUNCED = "announced", _("Result announced")
    VOID = "void", _("Void")


B = BatchStatus
BATCH_TRANSITIONS: dict[str, set[str]] = {
    B.DRAFT: {B.CONSULTATION, B.VOTING, B.VOID},
    B.CONSULTATION: {B.VOTING, B.VOID},
    B.VOTING: {B.COUNTED, B.VOID},
    B.COUNTED: {B.ANNOUNCED},
    B.ANNOUNCED: set(),
    B.VOID: set(),
}


class VoteBatch(models.Model):
    """票决批次: one vote of a session on a list of candidates for N places."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="vote_batches"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="vote_batches"
    )
    year = models.PositiveSmallIntegerField(_("project year"))
    number = models.PositiveSmallIntegerField(_("batch number in the year"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=BatchKind.choices, default=BatchKind.REGULAR
    )
    places = models.PositiveSmallIntegerField(_("places"))
    status = models.CharField(
        _("status"), max_length=14, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    further_of = models.ForeignKey(
        "self",
        verbose_name=_("further vote of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="further_batches",
    )
    materials = models.TextField(_("materials for deputies"), blank=True)
    consultation_until = models.DateField(_("comments until"), null=True, blank=True)
    published_at = models.DateTimeField(_("candidates published at"), null=True, blank=True)
    poll = models.OneToOneField(
        Poll,
        verbose_name=_("poll"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_batch",
    )
    announcement = models.TextField(_("announcement (公告)"), blank=True)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    void_reason = models.TextField(_("why the batch is void"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote batch")
        verbose_name_plural = _("vote batches")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "year", "number"], name="vote_batch_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def allowed(self, target: str) -> bool:
        return target in BATCH_TRANSITIONS.get(self.status, set())


class ThroughBatch(ScopedQuerySet):
    congress_lookup = "batch__congress_id"


class CandidateOutcome(models.TextChoices):
    PENDING = "pending", _("Not yet voted")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    TIED = "tied", _("Tied at the last place: further vote")


class Candidate(models.Model):
    batch = models.ForeignKey(
        VoteBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="candidates"
    )
    idea = models.ForeignKey(
        Idea, verbose_name=_("idea"), on_delete=models.PROTECT, related_name="candidacies"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    subject = models.OneToOneField(
        PollSubject,
        verbose_name=_("ballot item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_candidate",
    )
    yes = models.PositiveIntegerField(_("for"), default=0)
    no = models.PositiveIntegerField(_("against"), default=0)
    abstain = models.PositiveIntegerField(_("abstain"), default=0)
    passed = models.BooleanField(_("passed the threshold"), default=False)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=14,
        choices=CandidateOutcome.choices,
        default=CandidateOutcome.PENDING,
    )

    objects = ThroughBatch.as_manager()
    #: Not stored: the ballot engine's row of this candidate's ballot item once counted
    #: (`services.with_results`), whose outcome the pages and the announcement print.
    result: Any = None

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["batch", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "idea"], name="candidate_once_per_batch"),
        ]

    def __str__(self) -> str:
        return self.idea.title


class CommentQuerySet(models.QuerySet):
    def shown(self) -> CommentQuerySet:
        """The comments the public batch page prints: not hidden by the office."""
        return self.filter(hidden_at__isnull=True)


class Comment(models.Model):
    """A resident's comment on the published candidate list (征求意见). The office may hide
    one (abuse, personal data): a soft hide with a reason, audited, undone by showing it."""

    batch = models.ForeignKey(
        VoteBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="comments"
    )
    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
    )
    text = models.TextField(_("comment"), max_length=2000)
    name = models.CharField(_("name"), max_length=40, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )
    created_at = models.DateTimeField(_("sent at"))
    # Moderation by the office (soft: a hidden comment stays, the office still reads it).
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment on the candidates")
        verbose_name_plural = _("comments on the candidates")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:30]

    def audit_congress_id(self) -> int:
        return self.batch.congress_id

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


# --- implementation -----------------------------------------------------------------------


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", _("Plan being prepared")
    IN_PROGRESS = "in_progress", _("Under way")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


P = ProjectStatus
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    P.PLANNING: {P.IN_PROGRESS, P.SUSPENDED, P.TERMINATED},
    P.IN_PROGRESS: {P.COMPLETED, P.SUSPENDED, P.TERMINATED},
    P.SUSPENDED: {P.IN_PROGRESS, P.TERMINATED},
    P.COMPLETED: set(),
    P.TERMINATED: set(),
}


# Reporting progress is not a grant of the policy module: the office's readers of a project
# (`project.view`) and the handlers of its responsible department see the project's report
# page; `services.may_report` then says who of them may report.
REPORT = "project.report"


class ProjectQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "congress.view"):
        if perm != REPORT:
            return super().visible_to(user, perm)
        from renda.congress import policy

        if policy.is_superuser(user):
            return self.all()
        return self.filter(
            Q(congress_id__in=policy.congress_ids(user, "project.view"))
            | Q(department_id__in=policy.department_ids(user))
        )


class Project(models.Model):
    """A selected livelihood project and its implementation plan."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="projects"
    )
    idea = models.OneToOneField(
        Idea, verbose_name=_("idea"), on_delete=models.PROTECT, related_name="project"
    )
    batch = models.ForeignKey(
        VoteBatch, verbose_name=_("selected in"), on_delete=models.PROTECT, related_name="projects"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=100)
    scope = models.TextField(_("scope"), max_length=5000)
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    targets = models.TextField(_("targets"), blank=True)
    funds = models.DecimalField(
        _("funds (10,000 yuan)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    spent = models.DecimalField(
        _("funds spent (10,000 yuan)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    # The year-end rating, written when the rating poll is applied.
    rating = models.CharField(_("year-end rating"), max_length=12, blank=True)
    rating_subject = models.OneToOneField(
        PollSubject,
        verbose_name=_("year-end rating item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rated_project",
    )
    rating_counts = models.JSONField(_("year-end rating counts"), default=dict, blank=True)
    survey_counts = models.JSONField(_("resident survey counts"), default=dict, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        ordering = ["-year", "id"]
        indexes = [models.Index(fields=["congress", "year"], name="project_congress_year_idx")]

    def __str__(self) -> str:
        return self.title

    def allowed(self, target: str) -> bool:
        return target in PROJECT_TRANSITIONS.get(self.status, set())

    @property
    def budget_rate(self) -> float | None:
        return percent(self.spent, self.funds)

    @property
    def rating_label(self) -> str:
        return str(dict(SCALE_GRADES[Scale.SATISFACTION]).get(self.rating, ""))

    @property
    def rating_rows(self) -> list[tuple[str, int]]:
        """(grade label, votes) of the year-end rating, best grade first."""
        return [
            (str(label), int(self.rating_counts.get(code, 0)))
            for code, label in SCALE_GRADES[Scale.SATISFACTION]
        ]

    @property
    def on_time(self) -> bool:
        return bool(self.completed_on and self.completed_on <= self.deadline)


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="milestones"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    due_date = models.DateField(_("due date"))
    percent = models.PositiveSmallIntegerField(
        _("done (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="updates"
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="updates"
    )
    percent = models.PositiveSmallIntegerField(_("milestone done (%)"))
    previous_percent = models.PositiveSmallIntegerField(_("before (%)"))
    project_percent = models.PositiveSmallIntegerField(_("project progress after (%)"))
    text = models.TextField(_("progress"), max_length=5000)
    reason = models.TextField(_("reason for going back"), blank=True)
    spent = models.DecimalField(
        _("funds spent so far (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reported at"))

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.percent}%"


class ProgressPhoto(models.Model):
    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("progress update"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    file = models.FileField(_("photo"), upload_to=uploads.GeneratedName("projects/photos/%Y/"))
    content_type = models.CharField(_("content type"), max_length=60)

    class Meta:
        verbose_name = _("progress photo")
        verbose_name_plural = _("progress photos")

    def __str__(self) -> str:
        return self.file.name or ""


class ChangeKind(models.TextChoices):
    SCOPE = "scope", _("Change of scope or plan")
    SUSPEND = "suspend", _("Suspension")
    RESUME = "resume", _("Resumption")
    TERMINATE = "terminate", _("Termination")


class ProjectChange(models.Model):
    """A major change, suspension or termination, with the session decision approving it."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    decision_session = models.ForeignKey(
        Session,
        verbose_name=_("deciding session"),
        on_delete=models.PROTECT,
        related_name="project_changes",
    )
    decision_reference = models.CharField(_("decision document"), max_length=200)
    decision_date = models.DateField(_("decision date"))
    reason = models.TextField(_("reason"))
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("project change")
        verbose_name_plural = _("project changes")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()


# --- supervision --------------------------------------------------------------------------


class SupervisionPlan(models.Model):
    """The presidium's annual supervision plan (年度监督计划)."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="project_supervision_plans",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("plan"))
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects"), related_name="supervision_plans"
    )
    adopted_on = models.DateField(_("adopted on"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual supervision plan")
        verbose_name_plural = _("annual supervision plans")
        constraints = [
            models.UniqueConstraint(fields=["congress", "year"], name="supervision_plan_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}"


class SupervisionGroup(models.Model):
    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="group"
    )
    leader = models.ForeignKey(
        Deputy, verbose_name=_("group leader"), on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(Deputy, verbose_name=_("members"), related_name="+")

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")

    def __str__(self) -> str:
        return str(self.project)


class Inspection(models.Model):
    """A project's inspection: the link from the project to the activity (of kind "project
    inspection", renda/activities) that holds its participants, findings and report. Rows
    recorded before the activities mechanism keep their own fields and were linked to an
    activity by migration 0004."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="inspections"
    )
    activity = models.OneToOneField(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_inspection",
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    participants = models.ManyToManyField(Deputy, verbose_name=_("participants"), related_name="+")
    summary = models.TextField(_("report"), max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.held_on}"


class ThroughInspection(ScopedQuerySet):
    congress_lookup = "inspection__project__congress_id"


class Finding(models.Model):
    """An issue found at an inspection; it goes to the department as a case."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="findings"
    )
    text = models.TextField(_("finding"), max_length=5000)
    case = models.OneToOneField(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_finding",
    )
    # The finding as the activities mechanism holds it (filed as a case of kind "finding").
    filed_as = models.OneToOneField(
        ActivityFinding,
        verbose_name=_("filed as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_finding",
    )

    objects = ThroughInspection.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def evaluation_label(self) -> str:
        """The engine's evaluation of the case, as a label."""
        result = self.case.evaluation_result if self.case else ""
        return str(EvaluationResult(result).label) if result in EvaluationResult.values else ""


# --- year-end rating ------------------------------------------------------------------------


class YearRating(models.Model):
    """The year-end rating: a poll on the engine (deputies) and an optional resident survey."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="project_ratings",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    poll = models.OneToOneField(
        Poll,
        verbose_name=_("poll"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_rating",
    )
    applied_at = models.DateTimeField(_("result applied at"), null=True, blank=True)
    survey_open = models.BooleanField(_("resident survey open"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("year-end rating")
        verbose_name_plural = _("year-end ratings")
        constraints = [
            models.UniqueConstraint(fields=["congress", "year"], name="year_rating_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}"


class SurveyResponse(models.Model):
    """One resident's answer; one per verified phone number (keyed hash, not the number)."""

    rating = models.ForeignKey(
        YearRating,
        verbose_name=_("year-end rating"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    phone_hash = models.CharField(_("phone (hashed)"), max_length=64)
    answers = models.JSONField(_("answers"))
    created_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["rating", "phone_hash"], name="survey_once_per_phone"),
            models.CheckConstraint(condition=~Q(phone_hash=""), name="survey_phone_hash_set"),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id}"
