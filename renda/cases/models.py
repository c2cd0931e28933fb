"""The case engine (DOMAIN.md §2): one Case per matter a department must answer.

Public opinions, deputies' suggestions, station receptions and inspection findings are its
front doors. Every status field has its state table as data next to its choices
(`TRANSITIONS`, `ASSIGNMENT_TRANSITIONS`, `EXTENSION_TRANSITIONS`, `FOLLOW_UP_TRANSITIONS`);
only `renda.cases.services` changes a status, through `renda.core.workflow.move`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.congress.models import Congress, Department, Deputy, PerCongressRules, ScopedQuerySet
from renda.core import uploads
from renda.core.masking import mask_name, mask_personal, mask_phone
from renda.core.models import Region
from renda.core.validators import validate_cn_mobile


class Category(models.Model):
    """A configurable category tree per congress (教育, 城乡建设, 古街保护…). Categories
    are also the Open311 services."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="case_categories",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Stable code, also the Open311 service code.")
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    default_department = models.ForeignKey(
        Department,
        verbose_name=_("usual department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["congress", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "code"], name="category_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class CaseRules(PerCongressRules, models.Model):
    """The congress's configurable deadlines (DOMAIN.md §2); defaults are the common rules."""

    congress = models.OneToOneField(
        Congress, verbose_name=_("congress"), on_delete=models.CASCADE, related_name="case_rules"
    )
    opinion_reply_working_days = models.PositiveSmallIntegerField(
        _("public opinions: reply within (working days)"), default=15
    )
    opinion_max_working_days = models.PositiveSmallIntegerField(
        _("public opinions: longest extension (working days)"), default=30
    )
    suggestion_reply_months = models.PositiveSmallIntegerField(
        _("suggestions: reply within (months)"), default=3
    )
    suggestion_max_months = models.PositiveSmallIntegerField(
        _("suggestions: longest deadline (months)"), default=6
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return of an out-of-remit case within (days)"), default=7
    )
    rehandle_months = models.PositiveSmallIntegerField(
        _("re-handling after an unsatisfied rating (months)"), default=1
    )
    co_handler_months = models.PositiveSmallIntegerField(
        _("co-handlers send their views within (months)"), default=1
    )
    evaluation_working_days = models.PositiveSmallIntegerField(
        _("evaluation within (working days)"), default=20
    )
    follow_up_months = models.PositiveSmallIntegerField(
        _("re-check B and C replies after (months)"), default=3
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind the department (days before the due date)"), default=3
    )
    close_when_not_evaluated = models.BooleanField(
        _("close a case that was not evaluated in time"),
        default=False,
        help_text=_("Otherwise it stays 'awaiting evaluation' and is reported as such."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case handling rules")
        verbose_name_plural = _("case handling rules")

    def __str__(self) -> str:
        return str(self.congress)


class CaseKind(models.TextChoices):
    OPINION = "opinion", _("Public opinion")
    SUGGESTION = "suggestion", _("Deputy suggestion")
    # 问题清单: a finding of the deputies' inspection, survey or law check (activities app).
    FINDING = "finding", _("Inspection finding")
    # 审议意见: the presidium's deliberation opinion on a government report (activities app).
    DELIBERATION = "deliberation", _("Deliberation opinion")


SERIAL_PREFIX = {
    CaseKind.OPINION: "MY",
    CaseKind.SUGGESTION: "JY",
    CaseKind.FINDING: "WT",
    CaseKind.DELIBERATION: "SY",
}


class CaseSource(models.TextChoices):
    WEB = "web", _("Public web form")
    STATION = "station", _("Liaison station reception")
    DEPUTY_VISIT = "deputy_visit", _("Deputy's voter visit")
    HOTLINE = "hotline", _("Hotline")
    LETTER = "letter", _("Letter")
    OPEN311 = "open311", _("Open311 client")
    ESCALATION = "escalation", _("Escalated from a lower congress")
    INSPECTION = "inspection", _("Deputies' inspection, survey or law check")
    PRESIDIUM = "presidium", _("Presidium deliberation")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    TRIAGED = "triaged", _("Accepted, awaiting assignment")
    ASSIGNED = "assigned", _("Assigned")
    SIGNED = "signed", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    RETURNED = "returned", _("Returned by the department")
    REPLIED = "replied", _("Replied, awaiting evaluation")
    REHANDLING = "rehandling", _("Re-handling")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another case")
    ESCALATED = "escalated", _("Escalated to the higher congress")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REDIRECTED = "redirected", _("Redirected (not handled as a case)")
    REJECTED = "rejected", _("Not accepted")


S = CaseStatus
# The state table (DOMAIN.md §2, opinion flavour). Services refuse any other move.
TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.TRIAGED, S.ASSIGNED, S.MERGED, S.ESCALATED, S.WITHDRAWN, S.REDIRECTED},
    S.TRIAGED: {S.ASSIGNED, S.MERGED, S.ESCALATED, S.WITHDRAWN, S.REDIRECTED},
    S.ASSIGNED: {S.SIGNED, S.RETURNED, S.ASSIGNED, S.MERGED, S.ESCALATED, S.WITHDRAWN},
    S.SIGNED: {S.IN_PROGRESS, S.REPLIED, S.RETURNED, S.WITHDRAWN},
    S.IN_PROGRESS: {S.REPLIED, S.WITHDRAWN},
    S.RETURNED: {S.ASSIGNED, S.MERGED, S.ESCALATED, S.WITHDRAWN, S.REDIRECTED},
    S.REPLIED: {S.CLOSED, S.REHANDLING},
    S.REHANDLING: {S.IN_PROGRESS, S.REPLIED, S.WITHDRAWN},
    S.CLOSED: set(),
    S.MERGED: set(),
    S.ESCALATED: set(),
    S.WITHDRAWN: set(),
    S.REDIRECTED: set(),
    S.REJECTED: set(),
}
# Deputies' suggestions are reviewed (审查) before anything else: accepted (立案), rejected
# or merged; an unaccepted suggestion cannot be assigned.
SUGGESTION_TRANSITIONS: dict[str, set[str]] = {
    **TRANSITIONS,
    # REDIRECTED: a motion put on the session's agenda leaves the handling loop.
    S.SUBMITTED: {S.TRIAGED, S.REJECTED, S.MERGED, S.WITHDRAWN, S.REDIRECTED},
    S.RETURNED: {S.ASSIGNED, S.MERGED, S.WITHDRAWN},
}
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# Cases a department still has to work on.
HANDLING = frozenset({S.ASSIGNED, S.SIGNED, S.IN_PROGRESS, S.REHANDLING})
OPEN = frozenset(set(TRANSITIONS) - TERMINAL)


def derived_title(content: str) -> str:
    """The title of a case whose author left it empty: the start of its content. It may
    name people, so it is never shown to the public (see `Case.public_title`)."""
    # Cut at 30 characters, then drop what a cut leaves dangling: "河道垃圾多，" → "河道垃圾多".
    flat = " ".join(content.split())
    return flat[:30].rstrip(TITLE_TRAILING) or flat[:30]


#: Punctuation and spaces an automatic title does not end with.
TITLE_TRAILING = " \t，。、；：！？,.;:!?…—-（(「“‘《"


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "case.view"):  # noqa: ANN001
        """Staff and leaders see their congress's cases; a handler sees the cases assigned
        to their department; everyone else none."""
        from renda.congress import policy

        if getattr(user, "is_superuser", False):
            return self.all()
        congress_ids = policy.readable_congress_ids(user, perm)
        department_ids = policy.department_ids(user) if perm == "case.view" else set()
        condition = Q(congress_id__in=congress_ids)
        if department_ids:
            # A department sees the cases it was given (not those reassigned away from it).
            condition |= Q(
                id__in=Assignment.objects.filter(department_id__in=department_ids)
                .exclude(status=AssignmentStatus.SUPERSEDED)
                .values("case_id")
            )
        return self.filter(condition)

    def open(self):  # noqa: ANN201
        return self.filter(status__in=OPEN)


class Case(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=CaseKind.choices, default=CaseKind.OPINION
    )
    serial = models.CharField(_("number"), max_length=24)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("sequence number"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("content"), max_length=5000)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village / community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=16, choices=CaseSource.choices, default=CaseSource.WEB
    )
    source_deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy who forwarded it"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitter_name = models.CharField(_("submitter's name"), max_length=40, blank=True)
    submitter_phone = models.CharField(
        _("submitter's mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )
    submitter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitter's account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submitted_cases",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    check_code_hash = models.CharField(
        _("check code (hashed)"), max_length=128, blank=True, editable=False
    )
    submission_token = models.CharField(
        _("submission token"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CaseStatus.choices,
        default=CaseStatus.SUBMITTED,
        db_index=True,
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    assigned_at = models.DateTimeField(_("first assigned at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("last replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
    )
    converted_to = models.ForeignKey(
        "self",
        verbose_name=_("converted into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_from",
    )
    escalated_to = models.ForeignKey(
        "self",
        verbose_name=_("escalated as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_from",
    )
    # Outcome figures kept on the case when they happen, so reports count rows, not joins.
    reply_class = models.CharField(_("reply class"), max_length=1, blank=True)
    replied_on_time = models.BooleanField(_("first reply by the due date"), null=True, blank=True)
    evaluation_result = models.CharField(_("latest evaluation"), max_length=12, blank=True)
    has_contact = models.BooleanField(_("met the submitter"), default=False)
    is_priority = models.BooleanField(_("priority supervision"), default=False)
    priority_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervising leader"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # 补录: the record came from an office's existing ledger, with its real dates.
    imported_from = models.ForeignKey(
        "LedgerImport",
        verbose_name=_("imported from the ledger"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "serial"], name="case_unique_serial"),
        ]
        indexes = [
            models.Index(fields=["congress", "status"], name="case_congress_status_idx"),
            # The office inbox's order: its first page is read off this index, not sorted
            # out of every open case (docs/scale.md). On PostgreSQL, migration 0008 also
            # adds trigram indexes for the inbox search (serial, title, content).
            models.Index(fields=["due_date", "-submitted_at", "id"], name="case_inbox_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"

    @property
    def masked_submitter_name(self) -> str:
        return mask_name(self.submitter_name)

    def submitter_name_for(self, viewer: Any) -> str:
        """The submitter's name as `viewer` reads it on a back-office page or in the API:
        masked (the clear name is a logged reveal), except where it is no secret. A deputy's
        suggestion is raised in office and names its lead deputy in full; and whoever
        submitted the case reads their own name."""
        own = self.submitter_user_id is not None and self.submitter_user_id == getattr(
            viewer, "pk", None
        )
        if own or self.kind == CaseKind.SUGGESTION:
            return self.submitter_name
        return self.masked_submitter_name

    @property
    def masked_submitter_phone(self) -> str:
        return mask_phone(self.submitter_phone)

    @property
    def public_title(self) -> str:
        """What the public may see of the case's title (the similar-matters hint under the
        public form): the subject its author wrote, with mobile numbers, other long numbers
        and the submitter's name masked; "" when the title was taken from the content."""
        if not self.title or self.title == derived_title(self.content):
            return ""
        return mask_personal(self.title, names=[self.submitter_name])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    # For templates: which actions the state table allows now.
    @property
    def can_assign(self) -> bool:
        return self.allowed(CaseStatus.ASSIGNED)

    @property
    def can_merge(self) -> bool:
        return self.allowed(CaseStatus.MERGED)

    @property
    def can_escalate(self) -> bool:
        return self.allowed(CaseStatus.ESCALATED)

    @property
    def can_redirect(self) -> bool:
        return self.allowed(CaseStatus.REDIRECTED)

    @property
    def can_withdraw(self) -> bool:
        return self.allowed(CaseStatus.WITHDRAWN)

    @property
    def transitions(self) -> dict[str, set[str]]:
        """The state table of this kind of case."""
        return SUGGESTION_TRANSITIONS if self.kind == CaseKind.SUGGESTION else TRANSITIONS

    def allowed(self, target: str) -> bool:
        return target in self.transitions.get(self.status, set())


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead unit (主办)")
    CO = "co", _("Co-handler (协办)")
    SPLIT = "split", _("Split unit (分办)")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Awaiting signature")
    SIGNED = "signed", _("Signed for")
    RETURNED = "returned", _("Returned")
    REPLIED = "replied", _("Replied")
    SUPERSEDED = "superseded", _("Superseded")


AS = AssignmentStatus
# The state table of one department's part in a case. Co-handlers go from assigned or
# signed to replied when they send their views; an unsatisfied rating reopens the answering
# units' replied assignments (signed again); reassignment, merge, escalation and withdrawal
# supersede the open ones.
ASSIGNMENT_TRANSITIONS: dict[str, set[str]] = {
    AS.ASSIGNED: {AS.SIGNED, AS.RETURNED, AS.REPLIED, AS.SUPERSEDED},
    AS.SIGNED: {AS.REPLIED, AS.SUPERSEDED},
    AS.REPLIED: {AS.SIGNED},
    AS.RETURNED: set(),
    AS.SUPERSEDED: set(),
}

# Lead and split units answer the case; co-handlers send their views to the lead.
ANSWERING_ROLES = frozenset({AssignmentRole.LEAD, AssignmentRole.SPLIT})
ACTIVE_ASSIGNMENT = frozenset(
    {AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED, AssignmentStatus.REPLIED}
)


class AssignmentQuerySet(ScopedQuerySet):
    congress_lookup = "case__congress_id"

    def active(self):  # noqa: ANN201
        return self.filter(status__in=ACTIVE_ASSIGNMENT)

    def answering(self):  # noqa: ANN201
        return self.filter(role__in=ANSWERING_ROLES)


class Assignment(models.Model):
    """交办: one department's part in a case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assignments"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )
    due_date = models.DateField(_("due date"))
    assigned_at = models.DateTimeField(_("assigned at"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["case", "role", "id"]
        indexes = [models.Index(fields=["department", "status"], name="assignment_dept_status_idx")]

    def __str__(self) -> str:
        return f"{self.case.serial} → {self.department} ({self.get_role_display()})"

    def audit_congress_id(self) -> int:
        return self.case.congress_id


EVENT_LABELS = {
    "submitted": _("Submitted"),
    "received_by_escalation": _("Received from the lower congress"),
    "triaged": _("Accepted for handling"),
    "assigned": _("Assigned to the department"),
    "signed": _("Signed for by the department"),
    "returned": _("Returned by the department"),
    "progress": _("Progress"),
    "extension_requested": _("Extension requested"),
    "extension_approved": _("Extension approved"),
    "extension_refused": _("Extension refused"),
    "replied_partly": _("A department replied"),
    "replied": _("Replied"),
    "evaluated": _("Rated, case closed"),
    "rehandling": _("Rated unsatisfied, sent back for re-handling"),
    "closed_unevaluated": _("Closed without evaluation"),
    "merged": _("Merged into another case"),
    "merge_received": _("Another case was merged into this one"),
    "escalated": _("Escalated to the higher congress"),
    "priority_set": _("Put under priority supervision"),
    "withdrawn": _("Withdrawn"),
    "redirected": _("Redirected"),
    "reminder_due_soon": _("Reminder sent: due soon"),
    "reminder_overdue": _("Overdue: office and leaders alerted"),
    "rejected": _("Not accepted"),
    "converted": _("Converted into a public opinion"),
    "contact": _("Contact with the submitter"),
    "co_view": _("Co-handler's views sent to the lead unit"),
    "follow_up_opened": _("Under follow-up until solved"),
    "follow_up": _("Follow-up"),
    "follow_up_solved": _("Follow-up: solved"),
    "supervision": _("Supervision note"),
    "reminder_recheck": _("Follow-up re-check due"),
    "motion_decided": _("The presidium decided on the motion"),
    "paper_reply": _("Reply received on paper, recorded by the office"),
    "imported": _("Imported from the office's ledger (补录)"),
}


class CaseEvent(models.Model):
    """The case's timeline: every step, who did it, and the note. Public events are shown
    to the submitter on the tracking page."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(_("shown to the submitter"), default=False)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case timeline")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.serial} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class ReplyClass(models.TextChoices):
    A = "A", _("A: solved or basically solved")
    B = "B", _("B: being solved or planned")
    C = "C", _("C: to be solved when conditions allow")
    D = "D", _("D: kept for reference")


class Reply(models.Model):
    """答复 of one answering unit in one handling round."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="replies"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="replies"
    )
    round = models.PositiveSmallIntegerField(_("handling round"))
    reply_class = models.CharField(_("reply class"), max_length=1, choices=ReplyClass.choices)
    text = models.TextField(_("reply"), max_length=10000)
    public_text = models.TextField(_("reply shown to the public"), max_length=10000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"))
    on_time = models.BooleanField(_("replied by the due date"))
    # Received on paper and recorded by the office with its actual date (reason logged).
    on_paper = models.BooleanField(_("received on paper"), default=False)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["case", "round", "replied_at"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "round"], name="reply_one_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.case.serial} {self.reply_class}"


class EvaluationResult(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Evaluation(models.Model):
    """满意度测评 of a round's reply by the submitter."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="evaluations"
    )
    round = models.PositiveSmallIntegerField(_("handling round"))
    result = models.CharField(_("result"), max_length=12, choices=EvaluationResult.choices)
    attitude = models.CharField(
        _("handling attitude"), max_length=12, choices=EvaluationResult.choices, blank=True
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by_public = models.BooleanField(_("rated by the submitter online"), default=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="evaluation_one_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.case.serial} {self.get_result_display()}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


# The office decides a request once.
EXTENSION_TRANSITIONS: dict[str, set[str]] = {
    ExtensionStatus.PENDING: {ExtensionStatus.APPROVED, ExtensionStatus.REFUSED},
    ExtensionStatus.APPROVED: set(),
    ExtensionStatus.REFUSED: set(),
}


class ExtensionQuerySet(ScopedQuerySet):
    congress_lookup = "assignment__case__congress_id"


class ExtensionRequest(models.Model):
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    current_due = models.DateField(_("current due date"))
    requested_due = models.DateField(_("requested due date"))
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="pending"), name="extension_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.requested_due}"

    def audit_congress_id(self) -> int:
        return self.assignment.case.congress_id


class AttachmentPurpose(models.TextChoices):
    SUBMISSION = "submission", _("Submitted with the case")
    REPLY = "reply", _("Reply document")
    PROGRESS = "progress", _("Progress material")


class Attachment(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments"
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=AttachmentPurpose.choices)
    file = models.FileField(_("file"), upload_to=uploads.GeneratedName("cases/%Y/%m/"))
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    reply = models.ForeignKey(
        Reply,
        verbose_name=_("reply"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return self.original_name


class ReminderKind(models.TextChoices):
    """The engine's reminders (sent once each through `renda.core.reminders`): an answering
    assignment due soon or overdue, a follow-up's re-check date."""

    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    RECHECK = "recheck", _("Follow-up re-check due")


class ReplyTemplate(models.Model):
    """Reusable wording for staff and departments."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="reply_templates",
    )
    title = models.CharField(_("title"), max_length=60)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["congress", "title"]

    def __str__(self) -> str:
        return self.title


class ContactStage(models.TextChoices):
    BEFORE = "before", _("Before handling")
    DURING = "during", _("During handling")
    AFTER = "after", _("After replying")


class ContactMode(models.TextChoices):
    MEETING = "meeting", _("Meeting in person")
    SITE = "site", _("Joint site visit")
    PHONE = "phone", _("Telephone")
    OTHER = "other", _("Other")


class ContactRecord(models.Model):
    """见面: the handling unit's contact with the deputy (or resident) who raised the case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="contacts"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=8, choices=ContactStage.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=ContactMode.choices)
    met_on = models.DateField(_("date"))
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    note = models.TextField(_("what was discussed"), max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["case", "met_on", "id"]

    def __str__(self) -> str:
        return f"{self.case.serial} {self.met_on}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Under follow-up")
    SOLVED = "solved", _("Solved")


# Followed until solved.
FOLLOW_UP_TRANSITIONS: dict[str, set[str]] = {
    FollowUpStatus.OPEN: {FollowUpStatus.SOLVED},
    FollowUpStatus.SOLVED: set(),
}


class FollowUpQuerySet(ScopedQuerySet):
    congress_lookup = "case__congress_id"


class FollowUp(models.Model):
    """跟踪办理: a case closed with a B or C reply stays followed until actually solved."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="follow_up"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    recheck_date = models.DateField(_("re-check date"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["recheck_date", "id"]

    def __str__(self) -> str:
        return f"{self.case.serial} {self.recheck_date}"

    def audit_congress_id(self) -> int:
        return self.case.congress_id


class LedgerImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    PREVIEWED = "previewed", _("Checked: ready to import")
    REJECTED = "rejected", _("Refused: rows with errors")
    IMPORTING = "importing", _("Being imported")
    IMPORTED = "imported", _("Imported")


LI = LedgerImportStatus
# Checked in the background, then imported all or nothing; a refused ledger is uploaded
# again (a new import), an imported one is final. The import re-validates every row in its
# transaction: a ledger that became wrong since its check (a serial taken meanwhile) is
# refused, and nothing is written.
LEDGER_IMPORT_TRANSITIONS: dict[str, set[str]] = {
    LI.QUEUED: {LI.CHECKING},
    LI.CHECKING: {LI.PREVIEWED, LI.REJECTED},
    LI.PREVIEWED: {LI.IMPORTING},
    LI.IMPORTING: {LI.IMPORTED, LI.REJECTED},
    LI.IMPORTED: set(),
    LI.REJECTED: set(),
}


class LedgerImport(models.Model):
    """补录: an office's existing ledger of opinions or suggestions (.xlsx), kept, checked
    row by row in the background, then imported all or nothing with the records' real
    dates (renda/cases/ledger_import.py, docs/import.md)."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CaseKind.choices)
    file = models.FileField(_("file"), upload_to=uploads.GeneratedName("ledger-imports/%Y/"))
    original_name = models.CharField(_("file name"), max_length=200)
    language = models.CharField(_("language of the report"), max_length=10, default="zh-hans")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LedgerImportStatus.choices, default=LI.QUEUED
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    checked_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    imported_count = models.PositiveIntegerField(_("records imported"), default=0)
    # The row-by-row report of the last check: file errors and one entry per row
    # ({"row", "serial", "title", "errors"}), in the uploader's language.
    report = models.JSONField(_("report"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_running(self) -> bool:
        return self.status in (LI.QUEUED, LI.CHECKING, LI.IMPORTING)
