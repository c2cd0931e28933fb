"""The engine's action table: every action of the handling loop, defined once, as data
(`renda.core.actions`: a title, a form, the service call). The engine's own pages offer
them (the office's case page, the department's case page); a front door whose page acts
on its own record (a suggestion) takes the same definitions through `for_door`, changing
at most the wording, and adds only the actions that are its own.

`CASE_ACTIONS` act on a case; `DEPARTMENT_ACTIONS` act on the department's assignment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.cases import forms as cf
from renda.cases import services
from renda.cases.models import Case, ExtensionRequest, ExtensionStatus
from renda.congress import policy
from renda.congress.models import Role
from renda.core.actions import Action, ConfirmForm, form_of
from renda.core.errors import DomainError
from renda.core.models import User


def for_door(action: Action, to_case: Callable[[Any], Any], **changes: Any) -> Action:
    """The engine's `action` on a page that acts on another record (a suggestion, an
    assignment): `to_case` gives the engine's target (the case) of that record; `changes`
    replace fields of the definition (its title, its form, who may act)."""
    factory = action.form or form_of(ConfirmForm)
    return replace(
        action,
        form=lambda data, files, target: factory(data, files, to_case(target)),
        run=lambda target, user, data: action.run(to_case(target), user, data),
        **changes,
    )


def leaders(case: Case) -> QuerySet[User]:
    """The congress's presidium leaders, who may supervise a case as a priority."""
    return User.objects.filter(
        id__in=[u.pk for u in policy.users_with_role(Role.LEADER, case.congress_id)]
    )


MERGE_TITLE = gettext_lazy("Merge into another case")
NO_SUCH_CASE = gettext_lazy("No case of this congress has that number.")


def merge_action(
    title: Any = MERGE_TITLE,
    *,
    form: type[Any] = cf.MergeForm,
    same_kind: bool = False,
    missing: Any = NO_SUCH_CASE,
) -> Action:
    """并案 by the number of the case that answers for both; a door may restrict it to its
    own kind of case and word it its way."""

    def run(case: Case, user: Any, data: dict[str, Any]) -> Any:
        into = Case.objects.filter(
            congress_id=case.congress_id, serial=data["into"].strip().upper()
        )
        if same_kind:
            into = into.filter(kind=case.kind)
        target = into.first()
        if target is None:
            raise DomainError(str(missing))
        return services.merge_cases(case, into=target, acting_user=user, note=data["note"])

    return Action(title, form_of(form), run, perm="case.manage")


def _decide(case: Case, user: Any, data: dict[str, Any]) -> Any:
    pending = ExtensionRequest.objects.filter(
        assignment__case=case, status=ExtensionStatus.PENDING
    ).first()
    if pending is None:
        raise DomainError(_("No extension request is waiting."))
    return services.decide_extension(
        pending, approve=data["approve"], note=data["note"], acting_user=user
    )


CASE_ACTIONS: dict[str, Action] = {
    "triage": Action(
        gettext_lazy("Accept for handling"),
        form_of(cf.NoteForm),
        lambda c, u, d: services.triage_case(c, acting_user=u, note=d["note"]),
        perm="case.manage",
    ),
    "assign": Action(
        gettext_lazy("Assign"),
        lambda data, files, case: cf.AssignForm(data, congress_id=case.congress_id),
        lambda c, u, d: services.assign_case(
            c,
            acting_user=u,
            lead=d["lead"] if d["mode"] == "lead" else None,
            co_handlers=list(d["co_handlers"]) if d["mode"] == "lead" else [],
            splits=list(d["splits"]) if d["mode"] == "split" else [],
            due=d["due"],
            note=d["note"],
        ),
        perm="case.manage",
    ),
    "merge": merge_action(),
    "escalate": Action(
        gettext_lazy("Escalate to the higher congress"),
        form_of(cf.NoteForm),
        lambda c, u, d: services.escalate_case(c, acting_user=u, note=d["note"]),
        perm="case.manage",
    ),
    "priority": Action(
        gettext_lazy("Priority supervision"),
        lambda data, files, case: cf.PriorityForm(data, leaders=leaders(case)),
        lambda c, u, d: services.set_priority(c, leader=d["leader"], note=d["note"], acting_user=u),
        perm="case.manage",
    ),
    "supervise": Action(
        gettext_lazy("Record supervision"),
        form_of(cf.SuperviseForm),
        lambda c, u, d: services.record_supervision(
            c, note=d["note"], site_check=d["site_check"], acting_user=u
        ),
        perm="case.supervise",
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw"),
        form_of(cf.ReasonForm),
        lambda c, u, d: services.withdraw_case(c, reason=d["reason"], acting_user=u),
        perm="case.manage",
    ),
    "redirect": Action(
        gettext_lazy("Redirect (litigation, petition)"),
        form_of(cf.ReasonForm),
        lambda c, u, d: services.redirect_case(c, reason=d["reason"], acting_user=u),
        perm="case.manage",
    ),
    "extension": Action(
        gettext_lazy("Decide the extension request"),
        form_of(cf.ExtensionDecisionForm),
        _decide,
        perm="case.manage",
    ),
    "evaluate": Action(
        gettext_lazy("Record the submitter's rating"),
        form_of(cf.StaffEvaluationForm),
        lambda c, u, d: services.evaluate_case(
            c, result=d["result"], attitude=d["attitude"], comment=d["comment"], acting_user=u
        ),
        perm="case.manage",
    ),
    "paper_reply": Action(
        gettext_lazy("Record a reply received on paper"),
        lambda data, files, case: cf.PaperReplyForm(data, case=case),
        lambda c, u, d: services.record_paper_reply(
            d["assignment"],
            reply_class=d["reply_class"],
            text=d["text"],
            replied_on=d["replied_on"],
            reason=d["reason"],
            acting_user=u,
        ),
        perm="case.manage",
        intro=gettext_lazy(
            "The reply is recorded with the date the department gave it: on time or late by "
            "that date. The reason is kept in the timeline and the audit log."
        ),
    ),
    "close": Action(
        gettext_lazy("Close without evaluation"),
        form_of(cf.NoteForm),
        lambda c, u, d: services.close_unevaluated(c, acting_user=u),
        perm="case.manage",
    ),
    "progress": Action(
        gettext_lazy("Record progress"),
        form_of(cf.ProgressForm),
        lambda c, u, d: services.add_progress(
            c, note=d["note"], public=d["public"], files=d["attachments"], acting_user=u
        ),
        perm="case.manage",
        multipart=True,
    ),
    "contact": Action(
        gettext_lazy("Record a contact with the submitter"),
        form_of(cf.ContactForm),
        lambda c, u, d: services.record_contact(
            c,
            stage=d["stage"],
            mode=d["mode"],
            met_on=d["met_on"],
            note=d["note"],
            participants=d["participants"],
            acting_user=u,
        ),
        perm="case.manage",
    ),
    "follow_up": Action(
        gettext_lazy("Record a follow-up"),
        form_of(cf.FollowUpForm),
        lambda c, u, d: services.record_follow_up(
            c,
            note=d["note"],
            solved=d["solved"],
            next_recheck=d["next_recheck"],
            acting_user=u,
        ),
        perm="case.manage",
    ),
}

# What the office's case page offers (the others are the department's or a door's).
OFFICE_ACTIONS: dict[str, Action] = {
    name: CASE_ACTIONS[name]
    for name in (
        "triage",
        "assign",
        "merge",
        "escalate",
        "priority",
        "withdraw",
        "redirect",
        "extension",
        "evaluate",
        "close",
        "paper_reply",
    )
}


def _case_of(assignment: Any) -> Case:
    return assignment.case


# The department acts on its assignment; the department page checks who may (perm "").
DEPARTMENT_ACTIONS: dict[str, Action] = {
    "sign": Action(
        gettext_lazy("Sign for the case"),
        form_of(cf.NoteForm),
        lambda a, u, d: services.sign_assignment(a, acting_user=u),
    ),
    "return": Action(
        gettext_lazy("Return the case (outside our remit)"),
        form_of(cf.ReasonForm),
        lambda a, u, d: services.return_assignment(a, reason=d["reason"], acting_user=u),
    ),
    "progress": for_door(CASE_ACTIONS["progress"], _case_of, perm=""),
    "extension": Action(
        gettext_lazy("Ask for an extension"),
        form_of(cf.ExtensionRequestForm),
        lambda a, u, d: services.request_extension(
            a, until=d["until"], reason=d["reason"], acting_user=u
        ),
    ),
    "reply": Action(
        gettext_lazy("Reply"),
        lambda data, files, a: cf.ReplyForm(data, files, congress_id=a.case.congress_id),
        lambda a, u, d: services.reply_case(
            a,
            reply_class=d["reply_class"],
            text=d["text"],
            public_text=d["public_text"],
            files=d["attachments"],
            acting_user=u,
        ),
        multipart=True,
    ),
    "views": Action(
        gettext_lazy("Send our views to the lead unit"),
        form_of(cf.CoViewForm),
        lambda a, u, d: services.send_co_view(a, text=d["text"], acting_user=u),
    ),
    "contact": for_door(CASE_ACTIONS["contact"], _case_of, perm=""),
    "follow_up": for_door(CASE_ACTIONS["follow_up"], _case_of, perm=""),
}
