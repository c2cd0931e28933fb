"""The permission crawl (issue 13, "Security suites in CI"): every office URL that names an
object, reached by its owner, requested as every other role: 0 reads across scope.

1. The world: the demo district (临溪区 with 清河镇, rich in objects of every kind, and
   枫林镇), plus objects of every kind made in 枫林镇 through the services (`_fenglin`), and
   the personas below: in each town office staff, two departments' handlers, deputies and
   (清河镇) a leader, an administrator, an auditor and a station manager; the district's
   staff and administrator; a resident; an anonymous client.
2. The crawl: each signed-in persona starts at its home, workspace and list pages and
   follows every same-site link (GET only: never logout, never a form), keeping each URL
   that names an object (an id in the path, or `?id=`). Then Django's resolver: every route
   that takes an object id is filled with ids of the objects of its kind in each town (and
   with the action names and formats seen in the crawl), so that nothing is missed because
   no page links to it. Each URL records who reached it with a 200.
3. The matrix: every such URL is requested as every persona. A read across scope is a 200
   (a page or a file) of an object outside the persona's scope (`SCOPE`, below); any 5xx
   is a failure too. Expected answers outside scope: 404 (another town's, another
   department's or another deputy's object), 403 or a redirect to the login page (wrong role,
   anonymous).
4. The REST API (/api/v1/): every path with an object id, filled with the ids of both towns'
   objects, with each persona's bearer token.

Scope rules (from renda/congress/policy.py and docs/architecture.md; the oracle below):

| object (route kwarg)                 | office roles reading it (policy permission, its congress) | others in scope |
|---|---|---|
| Case, case Attachment                | staff, leader (`case.view`)             | handlers of a department with a live assignment on it |
| Suggestion                           | staff, leader (`case.supervise`)        | its lead deputy and co-signers (any answer); handlers of its case |
| AssignmentMeeting                    | staff, leader (`case.view`)             | - |
| Station, rule, shift, duty, reception, matter, contact log, industry point | staff, leader, station manager (`station.view`) | the deputy of a matter ("make it my suggestion") |
| Poll                                 | staff, leader (`poll.view`)             | its electors (the ballot page); the public once published |
| ReviewMeeting, Reporter, ReportDocument, Rectification | staff, leader (`appraisal.view`) | the reporting deputy (their rectification); the public once published |
| Idea, VoteBatch, Project, Finding, photo | staff, leader (`project.view`)      | handlers of the project's department; the congress's deputies (a batch's materials); the public for public pages of public batches and projects |
| Article, its attachment, Site        | staff, leader, administrator (`portal.view`) | the public once published (public pages) |
| Congress (a form "new … in congress N") | any back-office role or station manager of it | its deputies (their forms); everyone on public forms |
| Activity, its Finding, VisitPhoto     | staff, leader (`activity.view`)         | its invited deputies (the deputy's pages) |
| PresidiumMeeting, its MeetingReport (document), Nomination, WorkPlan, PlanItem | staff, leader (`activity.view`) | - |
| Invitation (the SMS link to confirm) | the keyed token in its address (not crawled, like a calendar link) | - |
| LedgerImport, CoSigner (an invitation awaiting an answer) | staff (`case.manage`) | - |
| PointsTable                          | staff, leader (`record.view`), staff, administrator (`record.manage`) | - |
| a deputy's service record (`records:deputy`, by congress and deputy) | staff, leader (`record.view`; the deputy must be of the town) | the deputy on their own page (no id); the public: opted-in pages only |

A handler's relation counts on the department's pages only (`HANDLER_FACE`), a deputy's on the
deputy's pages only (`DEPUTY_FACE`): a suggestion's lead deputy reads it on
/suggestions/<pk>/, not on the office's /office/suggestions/<pk>/.
| Deputy (public QR code)              | -                                       | everyone (public page of a town's deputy) |

A grant covers its congress only; administrator and auditor grants also cover the
congresses below (so the district administrator reads the towns' portal back office, and
nothing else of theirs: it holds no `case.view`). The district's office (staff, leader of
the county-level congress) reads its towns' records under the district read permissions
(`policy.DISTRICT_READ_PERMS`, through `policy.can_read`) and acts on none: a route that
acts (`ACTION_ROUTES`: an action, a form, a logged reveal) is for `policy.can` only. So
district staff is an owner in the crawl (each of its reads is checked against the policy)
and a requester of everything else (activities, the portal's back office, other
districts' towns, every action page: 0 reads). The superuser (platform operator) is not a persona here: it bypasses scoping.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from renda.activities.models import (
    Activity,
    Invitation,
    MeetingReport,
    Nomination,
    PlanItem,
    PresidiumMeeting,
    VisitPhoto,
    WorkPlan,
)
from renda.activities.models import Finding as ActivityFinding
from renda.appraisals.models import Rectification, ReportDocument, Reporter, ReviewMeeting
from renda.ballots.models import Elector, Poll, PollStatus
from renda.cases.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    Case,
    Category,
    LedgerImport,
)
from renda.congress import policy
from renda.congress.models import Congress, Department, Deputy, Official, Role, RoleGrant, Session
from renda.core.models import Job
from renda.portal.models import Article, ArticleAttachment, ArticleStatus, BodyImage, Site
from renda.projects.models import Finding, Idea, ProgressPhoto, Project, VoteBatch
from renda.records.models import PointsTable
from renda.reports import services as report_services
from renda.reports.models import ExternalPublication, ReportVersion
from renda.stations.models import (
    ContactLog,
    DutyAssignment,
    DutyRule,
    DutyShift,
    IndustryPoint,
    Reception,
    ReceptionMatter,
    Station,
)
from renda.suggestions.models import AssignmentMeeting, CoSigner, Suggestion

pytestmark = pytest.mark.django_db

# --- what a route's object is -------------------------------------------------------------------

# route name → (kwarg naming the object, its model). Every route of the site that takes an
# object id must be here (test_every_object_route_is_known).
OBJECT_ROUTES: dict[str, tuple[str, Any]] = {
    "cases:attachment": ("pk", Attachment),
    "cases:office_case": ("pk", Case),
    "cases:reveal_contact": ("pk", Case),
    "cases:office_action": ("pk", Case),
    "cases:department_case": ("pk", Case),
    "cases:department_action": ("pk", Case),
    "opinions:submit": ("congress_id", Congress),
    "opinions:similar": ("congress_id", Congress),
    "opinions:staff_new": ("congress_id", Congress),
    "suggestions:new": ("congress_id", Congress),
    "suggestions:detail": ("pk", Suggestion),
    "suggestions:action": ("pk", Suggestion),
    "suggestions:office_detail": ("pk", Suggestion),
    "suggestions:office_action": ("pk", Suggestion),
    "suggestions:meeting": ("pk", AssignmentMeeting),
    "suggestions:meeting_action": ("pk", AssignmentMeeting),
    "suggestions:meeting_export": ("pk", AssignmentMeeting),
    "stations:station": ("pk", Station),
    "stations:assign": ("pk", Station),
    "stations:add_shift": ("pk", Station),
    "stations:new_reception": ("pk", Station),
    "stations:add_rule": ("pk", Station),
    "stations:deactivate_rule": ("pk", DutyRule),
    "stations:cancel_shift": ("pk", DutyShift),
    "stations:duty_action": ("pk", DutyAssignment),
    "stations:reception": ("pk", Reception),
    "stations:add_matter": ("pk", Reception),
    "stations:matter_action": ("pk", ReceptionMatter),
    "stations:contact_case": ("pk", ContactLog),
    "stations:link_firm": ("pk", IndustryPoint),
    "stations:industry_activity": ("pk", IndustryPoint),
    "stations:suggest": ("pk", ReceptionMatter),
    "stations:ics": ("pk", Deputy),
    "stations:directory": ("congress_id", Congress),
    "stations:public_station": ("congress_id", Congress),
    "stations:qr_station": ("congress_id", Congress),
    "stations:poster": ("congress_id", Congress),
    "stations:qr_deputy": ("pk", Deputy),
    "stations:public_deputy": ("pk", Deputy),
    "projects:public_year_current": ("congress_id", Congress),
    "projects:public_year": ("congress_id", Congress),
    "projects:propose": ("congress_id", Congress),
    "projects:survey": ("congress_id", Congress),
    "projects:public_project": ("pk", Project),
    "projects:public_batch": ("pk", VoteBatch),
    "projects:photo": ("pk", ProgressPhoto),
    "projects:materials": ("pk", VoteBatch),
    "projects:idea_new": ("congress_id", Congress),
    "projects:idea": ("pk", Idea),
    "projects:idea_action": ("pk", Idea),
    "projects:idea_from_case": ("case_pk", Case),
    "projects:batch": ("pk", VoteBatch),
    "projects:batch_action": ("pk", VoteBatch),
    "projects:comment_action": ("pk", VoteBatch),
    "projects:project": ("pk", Project),
    "projects:project_action": ("pk", Project),
    "projects:finding_case": ("pk", Finding),
    "ballots:ballot": ("pk", Poll),
    "ballots:office_new": ("congress_id", Congress),
    **{
        f"ballots:{name}": ("pk", Poll)
        for name in (
            "office_poll",
            "office_edit",
            "office_open",
            "office_slips_docx",
            "office_key_docx",
            "office_paper",
            "office_close",
            "office_publish",
            "office_void",
            "office_recount",
            "office_export",
            "office_minutes",
            "announcement",
            "receipts",
        )
    },
    "appraisals:meeting": ("pk", ReviewMeeting),
    "appraisals:open": ("pk", ReviewMeeting),
    "appraisals:meeting_sheet": ("pk", ReviewMeeting),
    "appraisals:meeting_action": ("pk", ReviewMeeting),
    "appraisals:reporter": ("pk", Reporter),
    "appraisals:reporter_sheet": ("pk", Reporter),
    "appraisals:reporter_action": ("pk", Reporter),
    "appraisals:document": ("pk", ReportDocument),
    "appraisals:rectification_report": ("pk", Rectification),
    "appraisals:mine_submit": ("pk", Rectification),
    "appraisals:public_result": ("pk", ReviewMeeting),
    "portal:article": ("pk", Article),
    "portal:article_print": ("pk", Article),
    "portal:cover": ("pk", Article),
    "portal:attachment": ("pk", ArticleAttachment),
    "portal:image": ("pk", BodyImage),
    "portal:staff_new": ("site_id", Site),
    "portal:staff_image": ("site_id", Site),
    "portal:staff_article": ("pk", Article),
    "portal:staff_edit": ("pk", Article),
    "portal:staff_version": ("pk", Article),
    "portal:staff_attach": ("pk", Article),
    "portal:staff_attachment_hide": ("pk", Article),
    "portal:staff_action": ("pk", Article),
    "cases:ledger_import": ("pk", LedgerImport),
    "cases:ledger_progress": ("pk", LedgerImport),
    "core:job": ("pk", Job),
    "core:job_progress": ("pk", Job),
    "core:job_download": ("pk", Job),
    "cases:ledger_confirm": ("pk", LedgerImport),
    "suggestions:cosigner_action": ("pk", CoSigner),
    "activities:page": ("pk", Activity),
    "activities:answer": ("pk", Activity),
    "activities:report": ("pk", Activity),
    "activities:rate": ("pk", ActivityFinding),
    "activities:photo": ("pk", VisitPhoto),
    "activities:detail": ("pk", Activity),
    "activities:invite": ("pk", Activity),
    "activities:code": ("pk", Activity),
    "activities:act": ("pk", Activity),
    "activities:nomination": ("pk", Nomination),
    "activities:nomination_file": ("pk", Nomination),
    "activities:nomination_action": ("pk", Nomination),
    "activities:meeting": ("pk", PresidiumMeeting),
    "activities:opinion_rate": ("pk", PresidiumMeeting),
    "activities:meeting_action": ("pk", PresidiumMeeting),
    "activities:plan_publish": ("pk", WorkPlan),
    "activities:plan_item": ("pk", PlanItem),
    "activities:report_document": ("pk", MeetingReport),
    "activities:confirm": ("pk", Invitation),
    "records:table": ("pk", PointsTable),
    "records:deputy": ("congress_id", Congress),
    "records:report_docx": ("congress_id", Congress),
    "records:attach_report": ("congress_id", Congress),
    "records:public_index": ("congress_id", Congress),
    "records:public_page": ("congress_id", Congress),
    "records:public_photo": ("congress_id", Congress),
    **{
        f"reports:{name}": ("congress_id", Congress)
        for name in (
            "year",
            "evidence",
            "district",
            "draft",
            "texts",
            "final",
            "template_upload",
            "template",
            "publications",
        )
    },
    "reports:version": ("pk", ReportVersion),
    "reports:withdraw_publication": ("pk", ExternalPublication),
}

# Routes that act on their object (a form, a confirmation, a logged reveal, a new record):
# their GET is for whoever may perform the action (`policy.can`); every other route reads
# (`policy.can_read`: a district's office reads its towns' records under the read
# permissions of DISTRICT_READ_PERMS, and acts on none).
ACTION_ROUTES = {
    name
    for name in OBJECT_ROUTES
    if "action" in name
    or name.split(":")[1]
    in {
        "reveal_contact",
        "assign",
        "add_shift",
        "new_reception",
        "add_rule",
        "deactivate_rule",
        "cancel_shift",
        "add_matter",
        "contact_case",
        "link_firm",
        "industry_activity",
        "suggest",
        "new",
        "staff_new",
        "idea_new",
        "idea_from_case",
        "finding_case",
        "office_new",
        "office_edit",
        "office_open",
        "office_close",
        "office_publish",
        "office_void",
        "office_recount",
        "office_paper",
        "open",
        "mine_submit",
        "staff_edit",
        "staff_attach",
        "staff_attachment_hide",
        "ledger_confirm",
        "answer",
        "rate",
        "invite",
        "code",
        "act",
        "opinion_rate",
        "plan_publish",
        "plan_item",
        "attach_report",
        "draft",
        "texts",
        "final",
        "template_upload",
        "withdraw_publication",
    }
}

# Public pages: whoever may read them, provided the object is public (`_public`).
PUBLIC_ROUTES = {
    "opinions:submit",
    "opinions:similar",
    "stations:directory",
    "stations:public_station",
    "stations:qr_station",
    "stations:poster",
    "stations:qr_deputy",
    "stations:public_deputy",
    "stations:ics",  # a deputy's calendar: the secret token in the address is the key
    "activities:confirm",  # an invitation SMS's link: its keyed token is the key
    "projects:public_year_current",
    "projects:public_year",
    "projects:propose",
    "projects:survey",
    "projects:public_project",
    "projects:public_batch",
    "projects:photo",
    "ballots:announcement",
    "ballots:receipts",
    "appraisals:public_result",
    "portal:article",
    "portal:article_print",
    "portal:cover",
    "portal:attachment",
    "records:public_index",
    "records:public_page",
    "records:public_photo",
    "portal:image",
}

# The personas whose pages are crawled: every kind of owner (the others own nothing of their
# own, or see what an owner sees: they are requesters in the matrix).
OWNERS = {
    "qh_staff",
    "qh_handler_build",
    "qh_handler_social",
    "qh_station",
    "qh_deputy",
    "fl_staff",
    "fl_deputy",
    "fl_handler_0",
    "district_admin",
    "district_staff",  # reads its towns (the district read permissions): each read is checked
    "anonymous",
}

# The public face: crawled anonymously only (every persona requests its object pages in the
# matrix).
PUBLIC_FACE = PUBLIC_ROUTES | {
    "opinions:index",
    "opinions:receipt",
    "opinions:track",
    "stations:index",
    "projects:public_index",
    "suggestions:published",
    "appraisals:public_results",
    "portal:home",
    "portal:search",
    "portal:display",
    "portal:site",
    "portal:channel",
    "portal:feed",
    "records:public_towns",
}
PUBLIC_STARTS = [
    "/portal/",
    "/opinions/",
    "/stations/",
    "/projects/",
    "/public/suggestions/",
    "/public/appraisals/",
    "/public/deputies/",
]

# A handler's relation to an object (its department's assignment, its department's project)
# counts on the department's pages only; a deputy's (lead, co-signer, elector, reporter, the
# forwarding deputy of a matter, a deputy of the congress) on the deputy's pages only. On any
# other page of the same object they are outside their scope like anyone else.
HANDLER_FACE = {
    "cases:reveal_contact",  # the logged reveal serves the office and the departments on the case
    "cases:department_case",
    "cases:department_action",
    "cases:attachment",
    "projects:project",
    "projects:project_action",
}
DEPUTY_FACE = {
    "suggestions:new",
    "suggestions:detail",
    "suggestions:action",
    "opinions:staff_new",
    "ballots:ballot",
    "projects:materials",
    "stations:suggest",
    "appraisals:mine_submit",
    "activities:page",
    "activities:answer",
    "activities:report",
    "activities:rate",
    "activities:photo",
}

# Object kinds the crawl must have reached or enumerated (at least one URL each).
REQUIRED_MODELS = {
    Case,
    Attachment,
    Suggestion,
    AssignmentMeeting,
    Station,
    DutyShift,
    DutyAssignment,
    Reception,
    ReceptionMatter,
    Poll,
    ReviewMeeting,
    Reporter,
    Idea,
    VoteBatch,
    Project,
    Article,
    ArticleAttachment,
    BodyImage,
    CoSigner,
    Activity,
    ActivityFinding,
    VisitPhoto,
    PresidiumMeeting,
    Nomination,
    WorkPlan,
    PlanItem,
    LedgerImport,
    PointsTable,
}

# Where a crawl does not go (GET only, no logout, the back office has its own matrix in
# tests/core/test_permissions.py and tests/congress/test_admin_crawl.py).
SKIP_PREFIXES = (
    "/static/",
    "/media/",
    "/admin/",
    "/i18n/",
    "/captcha/",
    "/accounts/",
    "/api/",
    "/open311/",
    "/healthz",
)
SKIP_ROUTES = {"core:logout", "stations:checkin", "ballots:code_ballot"}

# Bounds that keep the suite fast: a route is followed for this many distinct objects per
# persona and congress (a district's office reaches its own objects and its towns': the
# first links it meets — its inbox's, say — must not use up the route for the towns), a
# list route for this many query strings; the matrix takes this many objects of a route
# per town.
OBJECTS_PER_ROUTE = 2
LISTS_PER_ROUTE = 2
# The arguments that make a different page of the same object (an action, a format).
VARIANTS = {"action", "fmt"}
MATRIX_OBJECTS_PER_TOWN = 1

LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#]*)""", re.IGNORECASE)


# --- personas ---------------------------------------------------------------------------------


@dataclass
class Persona:
    name: str
    user: Any  # None: anonymous
    client: Client = field(default_factory=Client)
    deputy_id: int | None = None  # the deputy the account is, if any


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _new_user(username: str) -> Any:
    return get_user_model().objects.create_user(
        username=username, password="pw-for-tests-1", name=username
    )


def _deputy_account(deputy: Deputy, username: str) -> Any:
    user = _new_user(username)
    deputy.user = user
    deputy.save(update_fields=["user"])
    return user


# --- the scope oracle -------------------------------------------------------------------------


@dataclass
class Scope:
    congress_id: int | None
    perms: tuple[str, ...] = ()
    departments: frozenset[int] = frozenset()
    deputies: frozenset[int] = frozenset()
    deputies_of_congress: bool = False  # every deputy of the congress is in scope
    public: bool = False  # what a public page of it shows is public
    owner_id: int | None = None  # a background job: its owner only


def _live_departments(case_ids: list[int]) -> frozenset[int]:
    return frozenset(
        Assignment.objects.filter(case_id__in=case_ids)
        .exclude(status=AssignmentStatus.SUPERSEDED)
        .values_list("department_id", flat=True)
    )


def _case_scope(case: Case) -> Scope:
    deputies = set()
    suggestion = Suggestion.objects.filter(case=case).first()
    if suggestion is not None:
        deputies |= _suggestion_deputies(suggestion)
    return Scope(
        case.congress_id,
        ("case.view",),
        departments=_live_departments([case.pk]),
        deputies=frozenset(deputies),
    )


def _suggestion_deputies(suggestion: Suggestion) -> set[int]:
    return {suggestion.lead_id, *suggestion.cosigners.values_list("deputy_id", flat=True)}


OFFICE_ANY = ("congress.view", "case.enter", "station.view")


def scope(obj: Any) -> Scope:  # noqa: C901, PLR0911, PLR0912 - one branch per kind, as the table
    if isinstance(obj, Congress):
        return Scope(obj.pk, OFFICE_ANY, deputies_of_congress=True, public=True)
    if isinstance(obj, Site):
        return Scope(obj.congress_id, ("portal.view",))
    if isinstance(obj, Case):
        return _case_scope(obj)
    if isinstance(obj, Attachment):
        return _case_scope(obj.case)
    if isinstance(obj, Suggestion):
        cases = [obj.case_id] if obj.case_id else []
        return Scope(
            obj.congress_id,
            ("case.supervise",),
            departments=_live_departments(cases),
            deputies=frozenset(_suggestion_deputies(obj)),
        )
    if isinstance(obj, AssignmentMeeting):
        return Scope(obj.congress_id, ("case.view",))
    if isinstance(obj, Station | DutyRule | DutyShift | Reception | ContactLog | IndustryPoint):
        congress_id = obj.station.congress_id if isinstance(obj, DutyRule) else obj.congress_id
        return Scope(congress_id, ("station.view",))
    if isinstance(obj, DutyAssignment):
        return Scope(obj.congress_id, ("station.view",), deputies=frozenset({obj.deputy_id}))
    if isinstance(obj, ReceptionMatter):
        deputies = frozenset({obj.deputy_id} - {None})
        return Scope(obj.congress_id, ("station.view",), deputies=deputies)
    if isinstance(obj, Poll):
        electors = frozenset(
            Elector.objects.filter(poll=obj, deputy__isnull=False).values_list(
                "deputy_id", flat=True
            )
        )
        return Scope(
            obj.congress_id,
            ("poll.view",),
            deputies=electors,
            public=obj.status == PollStatus.PUBLISHED,
        )
    if isinstance(obj, ReviewMeeting | Reporter | ReportDocument | Rectification):
        meeting = obj if isinstance(obj, ReviewMeeting) else _meeting_of(obj)
        deputies = frozenset(
            meeting.reporters.filter(deputy__isnull=False).values_list("deputy_id", flat=True)
        )
        return Scope(
            meeting.congress_id,
            ("appraisal.view",),
            deputies=deputies,
            public=meeting.status == "published",
        )
    if isinstance(obj, Idea):
        return Scope(obj.congress_id, ("project.view",))
    if isinstance(obj, VoteBatch):
        from renda.projects.views.public import PUBLIC_BATCH

        return Scope(
            obj.congress_id,
            ("project.view",),
            deputies_of_congress=True,
            public=obj.status in PUBLIC_BATCH,
        )
    if isinstance(obj, Project | ProgressPhoto):
        project = obj if isinstance(obj, Project) else obj.update.project
        return Scope(
            project.congress_id,
            ("project.view",),
            departments=frozenset({project.department_id} - {None}),
            public=True,
        )
    if isinstance(obj, Finding):
        return Scope(obj.inspection.project.congress_id, ("project.view",))
    if isinstance(obj, Article):
        return Scope(
            obj.site.congress_id, ("portal.view",), public=obj.status == ArticleStatus.PUBLISHED
        )
    if isinstance(obj, ArticleAttachment):
        article = obj.article
        return Scope(
            article.site.congress_id,
            ("portal.view",),
            public=article.status == ArticleStatus.PUBLISHED and obj.is_active,
        )
    if isinstance(obj, BodyImage):
        from renda.portal.services import body_image_is_public

        return Scope(obj.site.congress_id, ("portal.view",), public=body_image_is_public(obj))
    if isinstance(obj, Deputy):
        return Scope(None, public=True)
    if isinstance(obj, LedgerImport):
        return Scope(obj.congress_id, ("case.manage",))
    if isinstance(obj, CoSigner):
        return Scope(obj.suggestion.congress_id, ("case.manage",))
    if isinstance(obj, Activity | ActivityFinding | VisitPhoto):
        activity = (
            obj
            if isinstance(obj, Activity)
            else obj.activity
            if isinstance(obj, ActivityFinding)
            else obj.note.activity
        )
        invited = frozenset(activity.invitations.values_list("deputy_id", flat=True))
        return Scope(activity.congress_id, ("activity.view",), deputies=invited)
    if isinstance(obj, PresidiumMeeting | Nomination | WorkPlan):
        return Scope(obj.congress_id, ("activity.view",))
    if isinstance(obj, PlanItem):
        return Scope(obj.plan.congress_id, ("activity.view",))
    if isinstance(obj, MeetingReport):
        return Scope(obj.meeting.congress_id, ("activity.view",))
    if isinstance(obj, Invitation):
        return Scope(obj.activity.congress_id, ("activity.view",))
    if isinstance(obj, Job):
        return Scope(obj.congress_id, owner_id=obj.owner_id)
    if isinstance(obj, PointsTable):
        return Scope(obj.congress_id, ("record.view", "record.manage"))
    if isinstance(obj, ReportVersion):
        return Scope(obj.report.congress_id, ("report.view",))
    if isinstance(obj, ExternalPublication):
        return Scope(obj.congress_id, ("report.view",))
    raise AssertionError(f"no scope rule for {type(obj).__name__}")


def _meeting_of(obj: Any) -> ReviewMeeting:
    reporter = obj if isinstance(obj, Reporter) else obj.reporter
    return reporter.meeting


def in_scope(persona: Persona, route: str, obj: Any, scope_: Scope) -> bool:
    """May this persona read this object on this route? (the table in the docstring)"""
    if route.startswith("reports:") and isinstance(obj, Congress):
        # The annual report's pages of a congress: its office and leaders, and a district's
        # office for its towns (read only); not the congress's other roles or its deputies.
        scope_ = Scope(obj.pk, ("report.view",))
    if route in PUBLIC_ROUTES and scope_.public:
        return True
    user = persona.user
    if user is None:
        return False
    if scope_.owner_id is not None:
        return user.pk == scope_.owner_id
    if policy.is_superuser(user):
        return True
    if scope_.congress_id is not None:
        congress = Congress(pk=scope_.congress_id)
        # An action's page: for who may perform it; any other page: for who may read it
        # (a district's office reads its towns under the district read permissions).
        may = policy.can if route in ACTION_ROUTES else policy.can_read
        if any(may(user, perm, congress) for perm in scope_.perms):
            return True
    if route in HANDLER_FACE and scope_.departments & policy.department_ids(user):
        return True
    if route not in DEPUTY_FACE:
        return False
    if persona.deputy_id is not None and persona.deputy_id in scope_.deputies:
        return True
    return bool(
        scope_.deputies_of_congress
        and scope_.congress_id in policy.access(user).deputy_congress_ids
    )


# --- crawling ---------------------------------------------------------------------------------


@dataclass
class Found:
    url: str
    route: str
    obj: Any
    reached_by: set[str] = field(default_factory=set)


def _route_of(path: str) -> tuple[str, dict[str, Any]] | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name, match.kwargs


def _object_of(route: str, kwargs: dict[str, Any], query: dict[str, list[str]]) -> Any:
    if route not in OBJECT_ROUTES:
        return None
    kwarg, model = OBJECT_ROUTES[route]
    return model._default_manager.filter(pk=kwargs[kwarg]).first()


def _links(body: str) -> list[str]:
    out = []
    for raw in LINK.findall(body):
        url = html.unescape(raw).strip()
        if not url or url.startswith(("javascript:", "mailto:", "tel:", "data:")):
            continue
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if parts.netloc not in ("testserver", ""):
                continue
        path = parts.path
        if not path.startswith("/"):
            continue  # relative links: the site does not use them
        out.append(path + (f"?{parts.query}" if parts.query else ""))
    return out


def _skip(path: str, route: str) -> bool:
    return path.startswith(SKIP_PREFIXES) or route in SKIP_ROUTES or "logout" in path


@dataclass
class Crawl:
    found: dict[str, Found] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)
    pages: int = 0
    errors: list[tuple[str, str, int]] = field(default_factory=list)


def _get(persona: Persona, url: str) -> Any:
    response = persona.client.get(url)
    if response.streaming:  # read to the end: the test client then closes the file
        b"".join(response.streaming_content)
    # (not response.close(): outside the client it would close the database connection)
    return response


def _is_read(response: Any) -> bool:
    return response.status_code == 200


def crawl(persona: Persona, starts: list[str], result: Crawl) -> None:
    queue = list(starts)
    seen: set[str] = set()
    per_route: dict[tuple[str, str], set[str]] = defaultdict(set)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        path, _q, query = url.partition("?")
        routed = _route_of(path)
        if routed is None or _skip(path, routed[0]):
            continue
        route, kwargs = routed
        obj = _object_of(route, kwargs, parse_qs(query))
        if persona.user is not None and route in PUBLIC_FACE:
            continue  # the public face is crawled once, anonymously
        # Bounds: a few objects per route (with its other arguments), each once whatever
        # its query string; a few query strings per list page.
        if obj is not None:
            variant = repr(sorted((k, v) for k, v in kwargs.items() if k in VARIANTS))
            key = (route, f"{variant} {scope(obj).congress_id}")
            bucket, item = per_route[key], f"{type(obj).__name__}:{obj.pk}"
            if item in bucket or len(bucket) >= OBJECTS_PER_ROUTE:
                continue
        else:
            key, bucket, item = (route, ""), per_route[(route, "")], url
            if item in bucket or len(bucket) >= LISTS_PER_ROUTE:
                continue
        bucket.add(item)
        response = _get(persona, url)
        result.pages += 1
        if response.status_code >= 500:
            result.errors.append((persona.name, url, response.status_code))
        if obj is not None and _is_read(response):
            found = result.found.setdefault(url, Found(url, route, obj))
            found.reached_by.add(persona.name)
        if response.status_code != 200 or response.streaming:
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in _links(response.content.decode("utf-8", "replace")):
            result.links.add(link)
            if link not in seen:
                queue.append(link)


# --- the resolver: every object route, filled with each town's objects ----------------------


def _routes() -> list[tuple[str, Any]]:
    """(view name, pattern) of every route of the site outside the admin."""
    out = []

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin" or (p.namespace or "").startswith("api-"):
                    continue  # the back office and the REST API have matrices of their own
                ns = p.namespace or namespace
                walk(p, ns)
            elif isinstance(p, URLPattern) and p.name:
                out.append((f"{namespace}:{p.name}" if namespace else p.name, p))

    walk(get_resolver(), None)
    return out


def _int_kwargs(pattern: Any) -> set[str]:
    converters = getattr(pattern.pattern, "converters", {})
    return {name for name, conv in converters.items() if type(conv).__name__ == "IntConverter"}


# model → the lookup of its congress id.
CONGRESS_OF: dict[Any, str] = {
    Congress: "pk",
    Site: "congress_id",
    Case: "congress_id",
    Attachment: "case__congress_id",
    Suggestion: "congress_id",
    AssignmentMeeting: "congress_id",
    Station: "congress_id",
    DutyRule: "station__congress_id",
    DutyShift: "congress_id",
    DutyAssignment: "congress_id",
    Reception: "congress_id",
    ReceptionMatter: "congress_id",
    ContactLog: "congress_id",
    IndustryPoint: "congress_id",
    Poll: "congress_id",
    ReviewMeeting: "congress_id",
    Reporter: "meeting__congress_id",
    ReportDocument: "reporter__meeting__congress_id",
    Rectification: "reporter__meeting__congress_id",
    Idea: "congress_id",
    VoteBatch: "congress_id",
    Project: "congress_id",
    ProgressPhoto: "update__project__congress_id",
    Finding: "inspection__project__congress_id",
    Article: "site__congress_id",
    ArticleAttachment: "article__site__congress_id",
    BodyImage: "site__congress_id",
    Deputy: "memberships__congress_id",
    LedgerImport: "congress_id",
    CoSigner: "suggestion__congress_id",
    Activity: "congress_id",
    ActivityFinding: "activity__congress_id",
    VisitPhoto: "note__activity__congress_id",
    PresidiumMeeting: "congress_id",
    Nomination: "congress_id",
    WorkPlan: "congress_id",
    PlanItem: "plan__congress_id",
    MeetingReport: "meeting__congress_id",
    Invitation: "activity__congress_id",
    Job: "congress_id",
    PointsTable: "congress_id",
    ReportVersion: "report__congress_id",
    ExternalPublication: "congress_id",
}


def _objects_of(model: Any, congress_id: int) -> list[Any]:
    """A few objects of a town: the first and the last by id."""
    qs = model._default_manager.filter(**{CONGRESS_OF[model]: congress_id}).distinct()
    first, last = qs.order_by("pk").first(), qs.order_by("-pk").first()
    return [o for o in {first, last} if o is not None][:MATRIX_OBJECTS_PER_TOWN]


# --- the test -----------------------------------------------------------------------------------


def test_every_object_route_is_known():
    """A new route with an object id must say what its object is (and so its scope)."""
    unknown = [
        name
        for name, pattern in _routes()
        if (_int_kwargs(pattern) - {"year", "number", "attachment_id"})
        and name not in OBJECT_ROUTES
    ]
    assert unknown == []


def _personas() -> list[Persona]:
    """The demo's accounts and a few more: a second deputy of 清河镇 with no office role,
    and in 枫林镇 a handler of each of two departments and a deputy."""
    qinghe = Congress.objects.get(name="清河镇人民代表大会")
    fenglin = Congress.objects.get(name="枫林镇人民代表大会")
    own = set(Deputy.objects.filter(user__isnull=False).values_list("pk", flat=True))
    spare = (
        Deputy.objects.filter(memberships__congress=qinghe, user__isnull=True)
        .exclude(pk__in=own)
        .order_by("pk")
    )
    qh_deputy2 = _deputy_account(spare.first(), "qh_deputy2")
    fl_deputies = Deputy.objects.filter(memberships__congress=fenglin).order_by("pk")
    fl_deputy = _deputy_account(fl_deputies[0], "fl_deputy")
    fl_handlers = []
    for i, department in enumerate(fenglin.departments.order_by("pk")[:2]):
        user = _new_user(f"fl_handler_{i}")
        RoleGrant.objects.create(
            user=user, role=Role.HANDLER, congress=fenglin, department=department
        )
        fl_handlers.append(user)
    names = [
        "qh_staff",
        "qh_leader",
        "qh_admin",
        "qh_auditor",
        "qh_handler_build",
        "qh_handler_social",
        "qh_station",
        "qh_deputy",
        "resident",
        "fl_staff",
        "district_staff",
        "district_admin",
    ]
    personas = [Persona(name, _user(name)) for name in names]
    personas += [
        Persona("qh_deputy2", qh_deputy2),
        Persona("fl_deputy", fl_deputy),
        *(Persona(u.username, u) for u in fl_handlers),
        Persona("anonymous", None),
    ]
    for persona in personas:
        persona.client.raise_request_exception = False
        if persona.user is not None:
            persona.client.force_login(persona.user)
            persona.deputy_id = (
                Deputy.objects.filter(user=persona.user).values_list("pk", flat=True).first()
            )
    del fl_deputy, qh_deputy2
    return personas


def _list_routes() -> list[str]:
    from django.urls import reverse

    out = []
    for name, pattern in _routes():
        if getattr(pattern.pattern, "converters", {}) or "(?P<" in str(pattern.pattern):
            continue
        try:
            url = reverse(name)
        except Exception:  # noqa: BLE001, S112 - routes with regex groups
            continue
        if (
            not _skip(url, name)
            and name not in PUBLIC_FACE
            and not url.endswith((".xlsx", ".docx", ".txt"))
        ):
            out.append(url)
    return out


def _extras_seen(urls: list[str]) -> dict[str, set[tuple[tuple[str, Any], ...]]]:
    """Route → the non-object arguments (action names, formats...) seen in links."""
    seen: dict[str, set[tuple[tuple[str, Any], ...]]] = defaultdict(set)
    for url in urls:
        routed = _route_of(url.partition("?")[0])
        if routed is None or routed[0] not in OBJECT_ROUTES:
            continue
        route, kwargs = routed
        kwarg = OBJECT_ROUTES[route][0]
        seen[route].add(tuple(sorted((k, v) for k, v in kwargs.items() if k != kwarg)))
    return seen


def _enumerate(towns: list[int], seen: dict[str, set[tuple[tuple[str, Any], ...]]]) -> list[str]:
    """Every object route filled with objects of each town and the arguments seen."""
    from django.urls import NoReverseMatch, reverse

    out = []
    for route, (kwarg, model) in OBJECT_ROUTES.items():
        for congress_id in towns:
            for obj in _objects_of(model, congress_id):
                for extras in _fillings(route, obj, seen.get(route, set())):
                    try:
                        out.append(reverse(route, kwargs={kwarg: obj.pk, **dict(extras)}))
                    except NoReverseMatch:
                        continue
    return out


REPORT_UNDATED = {
    "reports:template",
    "reports:publications",
    "reports:version",
    "reports:withdraw_publication",
}


def _fillings(route: str, obj: Any, seen: set[tuple[tuple[str, Any], ...]]) -> list[Any]:
    if route in ("stations:public_station", "stations:qr_station", "stations:poster"):
        return [(("code", s.code),) for s in Station.objects.filter(congress=obj)[:2]]
    if route == "portal:staff_attachment_hide":
        return [(("attachment_id", a.pk),) for a in obj.attachments.all()[:1]]
    if route == "portal:staff_version":
        return [(("number", v),) for v in obj.versions.values_list("number", flat=True)[:1]]
    if route == "projects:public_year" or route == "projects:survey":
        from django.utils import timezone

        return [(("year", timezone.localdate().year),)]
    if route == "activities:nomination_file":
        return [(("which", w),) for w in ("resume", "statement") if getattr(obj, w)]
    if route in ("stations:ics", "activities:confirm"):
        return []  # the secret token is in the address: reached by the link only
    if route == "projects:comment_action":  # a resident's comment on the batch, moderated
        return [
            (("action", action), ("comment_pk", pk))
            for pk in obj.comments.values_list("pk", flat=True)[:1]
            for action in ("hide", "show")
        ]
    if route.startswith("reports:") and route not in REPORT_UNDATED and not seen:
        from django.utils import timezone

        year = timezone.localdate().year
        if route == "reports:evidence":
            return [(("key", k), ("year", year)) for k in ("receptions", "opinions_closed")]
        return [(("year", year),)]
    if route == "stations:ics":
        return []  # the calendar's secret token is in its address: reached by links only
    if seen:
        return sorted(seen)
    return [(("action", name),) for name in _action_names(route)] or [()]


def _action_names(route: str) -> list[str]:
    """The actions a route's view module declares (its `*_ACTIONS` tables of `Action`s)."""
    import sys

    from django.urls import reverse

    from renda.core.actions import Action

    kwarg = OBJECT_ROUTES[route][0]
    try:
        match = resolve(reverse(route, kwargs={kwarg: 1, "action": "x"}))
    except Exception:  # noqa: BLE001 - a route without an action argument
        return []
    module = sys.modules[match.func.__module__]
    names: set[str] = set()
    for value in vars(module).values():
        if isinstance(value, dict) and value and all(isinstance(v, Action) for v in value.values()):
            names |= set(value)
    return sorted(names)


def _matrix_urls(
    found: dict[str, Found], enumerated: list[str], towns: list[int]
) -> dict[str, Found]:
    """The URLs to request as everyone: each found or enumerated URL, at most
    MATRIX_OBJECTS_PER_TOWN objects per route, its arguments and town (reached ones first)."""
    candidates = dict(found)
    for url in enumerated:
        if url in candidates:
            continue
        routed = _route_of(url)
        assert routed is not None, url
        obj = _object_of(routed[0], routed[1], {})
        candidates[url] = Found(url, routed[0], obj)
    kept: dict[str, Found] = {}
    per_key: dict[tuple[Any, ...], int] = defaultdict(int)
    for url, item in sorted(candidates.items(), key=lambda kv: (not kv[1].reached_by, kv[0])):
        routed = _route_of(url.partition("?")[0])
        assert routed is not None
        kwarg = OBJECT_ROUTES[item.route][0]
        extras = tuple(sorted((k, str(v)) for k, v in routed[1].items() if k != kwarg))
        congress_id = scope(item.obj).congress_id
        key = (item.route, extras, congress_id)
        if per_key[key] >= MATRIX_OBJECTS_PER_TOWN:
            continue
        # Every action and format of a route with 清河镇's object (the demo's, reached by its
        # owners); with the other congresses' objects, the route's first variant.
        if extras and congress_id != towns[0] and per_key[(item.route, congress_id)]:
            continue
        per_key[key] += 1
        per_key[(item.route, congress_id)] += 1
        kept[url] = item
    return kept


@pytest.fixture
def _quiet_requests(settings):  # noqa: ANN001, ANN202
    """Thousands of expected 404s and 403s: sessions in signed cookies (no session query per
    request) and Django's request log kept to errors."""
    import logging

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def crawl_world(demo, _quiet_requests):  # noqa: ANN001, ANN201
    """The demo, the personas (signed in, each with its own client), objects of every kind
    in both towns; returns (personas, congress ids: 清河镇, 枫林镇, then the others)."""
    personas = _personas()
    by_name = {p.name: p.user for p in personas}
    for town, staff, deputy in (
        ("枫林镇", "fl_staff", "fl_deputy"),
        ("清河镇", "qh_staff", "qh_deputy"),
    ):
        congress = Congress.objects.get(name=f"{town}人民代表大会")
        _town_objects(congress, by_name[staff], by_name[deputy])
        today = timezone.localdate()
        report_services.draft(congress, today.year, acting_user=by_name[staff])
        report_services.add_publication(
            congress,
            {"outlet": "临溪日报", "title": "报道", "published_on": today},
            acting_user=by_name[staff],
        )
    # 清河镇 first (the demo's town), 枫林镇, then the district (临溪区) and any other town.
    towns = [Congress.objects.get(name=f"{t}人民代表大会").pk for t in ("清河镇", "枫林镇")]
    towns += list(
        Congress.objects.filter(level__in=["town", "county"])
        .exclude(pk__in=towns)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return personas, towns


def test_no_read_across_scope(crawl_world):  # noqa: C901, PLR0915
    started = time.monotonic()
    personas, towns = crawl_world

    # 1. The crawl, as every persona.
    result = Crawl()
    lists = _list_routes()
    for persona in personas:
        if persona.name not in OWNERS:
            continue
        starts = ["/", "/workspace/", "/inbox/", *lists] if persona.user else PUBLIC_STARTS
        crawl(persona, starts, result)
    crawled = time.monotonic()

    # 2. The resolver.
    seen_links = list(result.found)
    enumerated = _enumerate(towns, _extras_seen(seen_links + list(result.links)))
    urls = _matrix_urls(result.found, enumerated, towns)
    kinds = {type(item.obj) for item in urls.values()}
    assert REQUIRED_MODELS - kinds == set(), "object kinds with no URL to check"

    # 3. The matrix.
    requests = 0
    reads: list[tuple[str, str, str]] = []
    errors = list(result.errors)
    for url, item in urls.items():
        item_scope = scope(item.obj)
        allowed = {p.name for p in personas if in_scope(p, item.route, item.obj, item_scope)}
        for name in sorted(item.reached_by - allowed):  # read in the crawl, outside its scope
            reads.append((name, url, f"{type(item.obj).__name__} {item.obj.pk}"))
        for persona in personas:
            if in_scope(persona, item.route, item.obj, item_scope):
                continue  # it may read it: only the others are asked
            response = _get(persona, url)
            requests += 1
            if response.status_code >= 500:
                errors.append((persona.name, url, response.status_code))
            if _is_read(response):
                reads.append((persona.name, url, f"{type(item.obj).__name__} {item.obj.pk}"))
    done = time.monotonic()
    reached = sum(len(item.reached_by) for item in urls.values())
    print(
        f"\npermission crawl: {result.pages} pages crawled by {len(OWNERS)} owners, "
        f"{len(result.found)} object URLs found by links, {len(enumerated)} from the resolver; "
        f"{reached} (URL, owner) reads in scope; "
        f"{len(urls)} URLs x {len(personas)} personas = {requests} requests "
        f"outside their scope; cross-scope reads: {len(reads)}; server errors: "
        f"{len(errors)}; crawl {crawled - started:.1f} s, matrix {done - crawled:.1f} s"
    )
    reached_routes = {item.route for item in urls.values() if item.reached_by}
    unreached = sorted({item.route for item in urls.values()} - reached_routes)
    print(f"object routes no owner reached in the crawl: {len(unreached)}: {unreached}")
    assert errors == [], "\n".join(map(str, errors))
    assert reads == [], "\n".join(map(str, reads))
    # The district's read scope is real: its office read its towns' records in the crawl.
    district_reads = {
        type(item.obj).__name__
        for item in result.found.values()
        if "district_staff" in item.reached_by and scope(item.obj).congress_id in towns[:2]
    }
    print(f"object kinds of the towns the district office read: {sorted(district_reads)}")
    assert {"Case", "Suggestion", "Station", "Poll"} <= district_reads


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _weekday_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _town_objects(town: Congress, staff: Any, deputy_user: Any) -> None:
    """Objects of every kind in a town, made through the services as its office and its
    deputy would (the demo has them in 清河镇 but for attachments; 枫林镇 has few)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from renda.appraisals import services as appraisals
    from renda.appraisals.models import MeetingKind
    from renda.ballots import services as ballots
    from renda.cases import services as cases
    from renda.cases.models import CaseSource, Category
    from renda.congress.models import Official
    from renda.portal import services as portal
    from renda.projects import services as projects
    from renda.projects.models import IdeaSource
    from renda.stations import services as stations
    from renda.stations.models import StationKind
    from renda.suggestions import services as suggestions

    category = Category.objects.filter(congress=town).order_by("pk").first()
    if category is None:
        category = Category.objects.create(congress=town, code="crawl", name="其他")
    departments = list(town.departments.order_by("pk")[:2])
    village = (
        type(town.region)
        .objects.filter(path__startswith=town.region.path, depth=town.region.depth + 1)
        .first()
    )
    # Two opinions, one for each department; the first with a photo.
    for i, department in enumerate(departments):
        case, _code = cases.submit_case(
            congress=town,
            category=category,
            title=f"{town.name}巡查意见{i}",
            content="村口路灯坏了三个月，晚上出行不安全",
            source=CaseSource.WEB,
            village=village,
            submitter_name="赵先生",
            submitter_phone="13812345678",
            files=[SimpleUploadedFile("p.png", PNG, content_type="image/png")] if i == 0 else [],
        )
        cases.triage_case(case, acting_user=staff)
        cases.assign_case(case, lead=department, acting_user=staff)
    # A suggestion with co-signers (awaiting them) and a submitted one.
    deputies = list(
        Deputy.objects.filter(memberships__congress=town, user__isnull=True).order_by("pk")[:2]
    )
    for i, cosigner in enumerate(deputies):
        _deputy_account(cosigner, f"{staff.username}_cosigner_{i}")
    suggestions.raise_suggestion(
        acting_user=deputy_user,
        congress=town,
        category=category,
        title=f"{town.name}关于修缮村道的建议",
        content="建议修缮村道，方便群众出行。",
        cosigners=deputies,
        submit=True,
    )
    suggestions.raise_suggestion(
        acting_user=deputy_user,
        congress=town,
        category=category,
        title=f"{town.name}关于增设路灯的建议",
        content="建议在村口增设路灯。",
        submit=True,
    )
    suggestions.create_meeting(
        congress=town, title="建议交办会", held_on=timezone.localdate(), acting_user=staff
    )
    # A station with a shift, a duty and a reception with a matter.
    deputy = Deputy.objects.get(user=deputy_user)
    if not Station.objects.filter(congress=town).exists():
        station = stations.create_station(
            congress=town,
            kind=StationKind.CENTRAL,
            name=f"{town.name}代表联络站",
            code="crawl",
            address="镇政府一楼",
            acting_user=staff,
        )
        day = _weekday_after(timezone.localdate() + dt.timedelta(days=7))
        stations.add_shift(
            station,
            date=day,
            start_time=dt.time(9, 0),
            end_time=dt.time(11, 0),
            deputies=[deputy],
            acting_user=staff,
        )
        stations.record_reception(
            station,
            date=timezone.localdate(),
            deputies=[deputy],
            acting_user=staff,
            visitor_name="钱女士",
            matters=[(category, "反映村道积水问题")],
        )
    # A poll (draft), an appraisal meeting with a reporter, project ideas, a draft article
    # with an attachment.
    ballots.create_poll(
        congress=town,
        title="满意度测评",
        method="rating",
        scale="satisfaction",
        acting_user=staff,
        subjects=["甲", "乙"],
    )
    official, _new = Official.objects.get_or_create(congress=town, name="钟副镇长", post="副镇长")
    meeting = appraisals.create_meeting(
        congress=town,
        title="副镇长述职评议会",
        kind=MeetingKind.OFFICIALS,
        held_on=timezone.localdate() + dt.timedelta(days=30),
        place="镇政府会议室",
        acting_user=staff,
    )
    appraisals.add_reporter(meeting, official=official, report_title="述职报告", acting_user=staff)
    projects.propose_idea(
        congress=town,
        title="村道硬化",
        description="硬化村道两公里。",
        source=IdeaSource.DEPUTY,
        acting_user=staff,
        source_deputy=deputy,
    )
    site = Site.objects.filter(congress=town).first()
    if site is not None:
        channel = site.channels.order_by("pk").first()
        image = portal.add_body_image(
            site,
            SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
            acting_user=staff,
        )
        article = portal.create_article(
            site=site,
            channel=channel,
            acting_user=staff,
            title=f"{town.name}草稿：代表活动",
            body=f'<p>草稿</p><img src="{image.get_absolute_url()}" alt="现场">',
        )
        portal.add_attachment(
            article,
            SimpleUploadedFile("notice.pdf", PDF, content_type="application/pdf"),
            acting_user=staff,
        )
    _town_activities(town, staff, deputy, category, departments[0])
    # A ledger import (uploaded, its check queued: on_commit never runs in a test).
    from renda.cases import ledger_import

    kind = ledger_import.kinds()[0][0]
    ledger_import.create_import(
        upload=SimpleUploadedFile(
            "台账.xlsx",
            ledger_import.template_xlsx(kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        congress=town,
        kind=kind,
        acting_user=staff,
    )
    # A finished export job of the office (its owner only sees it).
    from renda.core import jobs

    job = jobs.start(jobs.EXPORT, staff, params={"export": "cases.inbox", "query": "view=all"})
    Job.objects.filter(pk=job.pk).update(congress_id=town.pk)
    jobs.run(job.pk)


def _town_activities(
    town: Congress, staff: Any, deputy: Deputy, category: Any, department: Any
) -> None:
    """The deputies' activities of a town, through the activities services: an inspection
    with the town's deputy invited, a note with a photo and a finding; a presidium meeting;
    a nomination with its résumé; the year's work plan with an item."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from renda.activities import services as activities
    from renda.activities.models import ActivityKind, PlanItemKind
    from renda.activities.services import review

    today = timezone.localdate()
    inspection = activities.create_activity(
        congress=town,
        kind=ActivityKind.FOCUSED_INSPECTION,
        topic=f"{town.name}巡查视察活动",
        starts_on=today - dt.timedelta(days=3),
        organiser=deputy,
        acting_user=staff,
    )
    activities.invite(inspection, [deputy], acting_user=staff)
    activities.announce(inspection, acting_user=staff)
    activities.add_note(
        inspection,
        text="村道积水严重。",
        photos=[SimpleUploadedFile("site.png", PNG, content_type="image/png")],
        acting_user=staff,
    )
    activities.file_finding(
        inspection,
        text="村道积水，请限期整改。",
        department=department,
        category=category,
        acting_user=staff,
    )
    meeting = activities.create_meeting(
        congress=town, title=f"{town.name}主席团会议", held_on=today, acting_user=staff
    )
    activities.add_report(
        meeting,
        kind="budget_exec",
        title="预算执行情况的报告",
        document=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
        acting_user=staff,
    )
    nomination = review.nominate(
        congress=town,
        name="孙任命",
        post="副镇长",
        nominating_body="镇人民政府",
        acting_user=staff,
    )
    review.attach_documents(
        nomination,
        resume=SimpleUploadedFile("resume.pdf", PDF, content_type="application/pdf"),
        acting_user=staff,
    )
    plan = activities.plan_for(town, today.year, acting_user=staff)
    activities.add_item(
        plan, kind=PlanItemKind.values[0], topic="全年视察", month=today.month, acting_user=staff
    )


# --- the REST API -----------------------------------------------------------------------------

# The API's GET paths with an object id (its other paths with an id change things: POST).
API_OBJECT_PATHS = {
    "api:case": ("/cases/{}", Case),
    "api:case_timeline": ("/cases/{}/timeline", Case),
    "api:suggestion": ("/suggestions/{}", Suggestion),
    "api:poll": ("/polls/{}", Poll),
    "api:poll_result": ("/polls/{}/result", Poll),
    "api:review": ("/appraisals/meetings/{}", ReviewMeeting),
    "api:review_result": ("/appraisals/meetings/{}/result", ReviewMeeting),
    "api:idea": ("/projects/ideas/{}", Idea),
    "api:batch": ("/projects/batches/{}", VoteBatch),
    "api:batch_result": ("/projects/batches/{}/result", VoteBatch),
    "api:project": ("/projects/{}", Project),
    "api:project_progress": ("/projects/{}/progress", Project),
    # Reference data: read within the congresses the user belongs to (`REFERENCE`).
    "api:congress": ("/congresses/{}", Congress),
    "api:session": ("/sessions/{}", Session),
    "api:category": ("/categories/{}", Category),
    "api:department": ("/departments/{}", Department),
    "api:official": ("/officials/{}", Official),
    "api:deputy": ("/deputies/{}", Deputy),
}
# Reference data's congress (docs/api.md: read within the congresses of the user's grants,
# an administrator's or auditor's covering the congresses below, and of their seats).
REFERENCE: dict[Any, str] = {
    Congress: "pk",
    Session: "term__congress_id",
    Category: "congress_id",
    Department: "congress_id",
    Official: "congress_id",
    Deputy: "memberships__congress_id",
}

# The API's lists filtered by a congress id: (path, the permission that reads them there).
API_CONGRESS_PATHS = {
    "api:cases": ("/cases?view=all&congress={}", "case.view"),
    "api:figures": ("/figures?congress={}", "case.view"),
    "api:suggestions": ("/suggestions?congress={}", "case.supervise"),
    "api:ledger": ("/suggestions/ledger.xlsx?congress={}", "case.supervise"),
}
HANDLER_FACE |= {"api:case", "api:case_timeline"}
# The API is the deputies' phone too: an elector's poll, a reporter's meeting, the batches
# of the deputy's congress.
DEPUTY_FACE |= {"api:suggestion", "api:poll", "api:poll_result", "api:review", "api:batch"}


def _member_congresses(user: Any) -> set[int]:
    """The congresses of the user's grants (an administrator's or auditor's with those
    below) and of their seats, from the policy module's access."""
    if user is None:
        return set()
    acc = policy.access(user)
    return set(acc.deputy_congress_ids).union(*acc.by_role.values())


def _api_in_scope(persona: Persona, route: str, obj: Any) -> bool:
    """The pages' scope; and what is public of a congress (a published poll or result,
    a project) and its reference data, for those who belong to it."""
    members = _member_congresses(persona.user)
    if type(obj) in REFERENCE:
        lookup = REFERENCE[type(obj)]
        return type(obj)._default_manager.filter(pk=obj.pk, **{f"{lookup}__in": members}).exists()
    scope_ = scope(obj)
    if in_scope(persona, route, obj, scope_):
        return True
    return scope_.public and scope_.congress_id in members


def test_rest_api_reads_nothing_across_scope(crawl_world):  # noqa: C901
    """Every GET of /api/v1/ that names an object or a congress, with each persona's token
    (anonymous: none): another scope's object is a 404, a list holds only what the persona
    may read, and a list or sheet of a congress outside the persona's scope is not a 200."""
    from tests.fixtures.api import BASE, Api

    personas, towns = crawl_world
    objects: list[Any] = []
    for model in {model for _path, model in API_OBJECT_PATHS.values()}:
        lookup = REFERENCE.get(model) or CONGRESS_OF[model]
        for congress_id in towns[:2]:
            qs = model._default_manager.filter(**{lookup: congress_id}).distinct()
            ends = {qs.order_by("pk").first(), qs.order_by("-pk").first()}
            objects += [o for o in ends if o is not None]
    cases = Case.objects.filter(congress_id__in=towns[:2], assignments__isnull=False)
    objects += list(cases.order_by("-pk")[:4])
    requests, reads, errors = 0, [], []
    for persona in personas:
        api = Api(persona.user) if persona.user is not None else None
        client = api.client if api is not None else Client()
        headers = api.headers if api is not None else {}

        def get(path: str, client: Client = client, headers: dict[str, str] = headers) -> Any:
            response = client.get(f"{BASE}{path}", headers=headers)
            if response.streaming:
                b"".join(response.streaming_content)
            return response

        for route, (path, model) in API_OBJECT_PATHS.items():
            for obj in {o for o in objects if isinstance(o, model)}:
                response = get(path.format(obj.pk))
                requests += 1
                if response.status_code >= 500:
                    errors.append((persona.name, path.format(obj.pk), response.status_code))
                if response.status_code == 200 and not _api_in_scope(persona, route, obj):
                    reads.append((persona.name, path.format(obj.pk)))
        for route, (path, perm) in API_CONGRESS_PATHS.items():
            for congress_id in towns:
                url = path.format(congress_id)
                response = get(url)
                requests += 1
                if response.status_code >= 500:
                    errors.append((persona.name, url, response.status_code))
                if response.status_code != 200:
                    continue
                if route in ("api:figures", "api:ledger"):
                    # a congress's figures or ledger: for who reads its cases or supervises
                    may = persona.user is not None and policy.can(
                        persona.user, perm, Congress(pk=congress_id)
                    )
                    if not may:
                        reads.append((persona.name, url))
                else:  # a list: what it holds must be the persona's to read
                    item_route = "api:case" if route == "api:cases" else "api:suggestion"
                    model = Case if route == "api:cases" else Suggestion
                    for item in response.json()["items"]:
                        obj = model.objects.get(pk=item["id"])
                        if not in_scope(persona, item_route, obj, scope(obj)):
                            reads.append((persona.name, f"{url} lists {item['id']}"))
    print(
        f"\nREST API: {len(objects)} objects and {len(towns)} congresses x {len(personas)} "
        f"personas = {requests} requests; cross-scope reads: {len(reads)}; server errors: "
        f"{len(errors)}"
    )
    assert errors == [], "\n".join(map(str, errors))
    assert reads == [], "\n".join(map(str, reads))


# --- lists told to show another town ----------------------------------------------------------

# Who asks each town's lists for the other town (`?congress=<id>`): each kind of persona with
# no role and no seat there.
FOREIGN = {
    "清河镇": ["fl_staff", "fl_handler_0", "fl_deputy", "district_staff", "resident"],
    "枫林镇": ["qh_staff", "qh_handler_build", "qh_station", "qh_deputy", "anonymous"],
}


def test_no_list_shows_another_town(crawl_world):
    """Every list page of the office and of deputies, asked for a town where the persona has
    no role (`?congress=`, `?site=`, `?station=`: the selectors the lists read): no title of
    that town's objects (made by `_town_objects`) appears in a 200."""
    personas, towns = crawl_world
    by_name = {p.name: p for p in personas}
    lists = _list_routes()
    requests, reads, errors = 0, [], []
    for town, names in FOREIGN.items():
        congress_id = Congress.objects.get(name=f"{town}人民代表大会").pk
        site = Site.objects.filter(congress_id=congress_id).values_list("pk", flat=True).first()
        station = Station.objects.filter(congress_id=congress_id).order_by("pk").first()
        assert station is not None
        # marker → the permission that reads it there.
        all_markers = {
            f"{town}巡查意见": "case.view",
            f"{town}关于修缮村道": "case.supervise",
            f"{town}关于增设路灯": "case.supervise",
            f"{town}草稿": "portal.view",
            station.name: "station.view",
            f"{town}巡查视察活动": "activity.view",
            f"{town}主席团会议": "activity.view",
        }
        queries = [f"congress={congress_id}", f"site={site}&station={station.pk}"]
        congress = Congress(pk=congress_id)
        for name in names:
            persona = by_name[name]
            # What the persona may read there (the district's office: its towns' records
            # under the district read permissions) is not a marker for it.
            markers = [
                m
                for m, perm in all_markers.items()
                if persona.user is None or not policy.can_read(persona.user, perm, congress)
            ]
            assert markers, name
            for url in lists:
                for query in queries:
                    response = _get(persona, f"{url}?{query}")
                    requests += 1
                    if response.status_code >= 500:
                        errors.append((name, url, response.status_code))
                    if response.status_code != 200 or response.streaming:
                        continue
                    body = response.content.decode("utf-8", "replace")
                    shown = [m for m in markers if m in body]
                    if shown:
                        reads.append((name, f"{url}?{query}", shown))
    print(
        f"\nlists asked for another town: {len(lists)} lists, {requests} requests; "
        f"cross-scope reads: {len(reads)}; server errors: {len(errors)}"
    )
    assert errors == [], "\n".join(map(str, errors))
    assert reads == [], "\n".join(map(str, reads))
