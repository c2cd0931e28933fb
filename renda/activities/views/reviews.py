"""Pre-appointment review in the office: nominees, their documents, the review meeting,
members' questions and opinions, the vote on the ballot engine (the opening answers with
the engine's hand-out page of key shares), the count, the letter and the appointment."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.activities import forms as f
from renda.activities.models import Nomination
from renda.activities.services import review
from renda.activities.views.staff import _congress, _congresses
from renda.ballots.forms import SharesForm
from renda.ballots.views.staff import run_opening_action
from renda.congress import policy
from renda.core import uploads
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, ConfirmForm, form_of, run_action
from renda.core.errors import DomainError
from renda.core.exports import attachment


@login_required
def nominations(request: HttpRequest) -> HttpResponse:
    congresses = _congresses(request.user)
    congress = _congress(request, congresses)
    can_manage = policy.can(request.user, "activity.manage", congress)
    post = request.method == "POST" and can_manage
    form = f.NominationForm(request.POST if post else None) if can_manage else None
    if post and form is not None and form.is_valid():
        try:
            found = review.nominate(
                congress=congress, acting_user=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("activities:nomination", args=[found.pk]))
    rows = Nomination.objects.filter(congress=congress).select_related("meeting")[:500]
    return render(
        request,
        "activities/staff/nominations.html",
        {
            "congress": congress,
            "congresses": congresses,
            "nominations": rows,
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if post and form is not None and form.errors else 200,
    )


def _nomination(request: HttpRequest, pk: int) -> Nomination:
    return get_visible_or_404(
        Nomination.objects.select_related("congress", "meeting", "poll", "official"),
        request.user,
        pk,
        "activity.view",
    )


@login_required
def nomination(request: HttpRequest, pk: int) -> HttpResponse:
    found = _nomination(request, pk)
    if request.GET.get("letter"):
        try:
            body = review.result_letter(found)
        except DomainError:
            raise Http404 from None
        return attachment(body, f"review-{found.pk}.docx", action="review.letter_export", obj=found)
    return render(
        request,
        "activities/staff/nomination.html",
        {
            "nomination": found,
            "remarks": found.remarks.select_related("member"),
            "history": [n for n in review.history(found.congress, found.name) if n.pk != found.pk],
            "can_manage": policy.can(request.user, "activity.manage", found),
        },
    )


@login_required
def nomination_file(request: HttpRequest, pk: int, which: str) -> Any:
    found = _nomination(request, pk)
    if which not in ("resume", "statement") or not getattr(found, which):
        raise Http404
    return uploads.serve(
        getattr(found, which),
        content_type=getattr(found, f"{which}_type"),
        filename=f"{found.name}-{which}",
    )


def _with_nomination(form_class: type[Any]) -> Any:
    return lambda data, files, n: form_class(data, files, nomination=n)


NOMINATION_ACTIONS: dict[str, Action] = {
    "documents": Action(
        title=gettext_lazy("Attach the résumé and statement"),
        form=form_of(f.NominationDocumentsForm),
        run=lambda n, u, d: review.attach_documents(
            n, resume=d["resume"], statement=d["statement"], acting_user=u
        ),
        perm="activity.manage",
        multipart=True,
    ),
    "meeting": Action(
        title=gettext_lazy("Set the review meeting"),
        form=_with_nomination(f.ReviewMeetingForm),
        run=lambda n, u, d: review.schedule_review(n, d["meeting"], acting_user=u),
        perm="activity.manage",
    ),
    "remark": Action(
        title=gettext_lazy("Record a member's question or opinion"),
        form=_with_nomination(f.RemarkForm),
        run=lambda n, u, d: review.add_remark(n, member=d["member"], text=d["text"], acting_user=u),
        perm="activity.manage",
    ),
    "close": Action(
        title=gettext_lazy("Count the vote"),
        form=lambda data, files, n: (
            SharesForm(data, poll=n.poll) if n.poll is not None else ConfirmForm(data)
        ),
        run=lambda n, u, d: review.close_vote(n, shares=d.get("shares", []), acting_user=u),
        perm="activity.manage",
    ),
    "appoint": Action(
        title=gettext_lazy("Record the appointment"),
        form=None,
        run=lambda n, u, d: review.appoint(n, acting_user=u),
        perm="activity.manage",
    ),
}

OPEN_VOTE = Action(
    title=gettext_lazy("Open the vote of the members present"),
    form=form_of(f.OpenVoteForm),
    run=lambda n, u, d: review.open_vote(n, acting_user=u, paper=d.get("paper", False)),
    perm="activity.manage",
)


@login_required
def nomination_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    found = _nomination(request, pk)
    if action != "vote" and action not in NOMINATION_ACTIONS:
        raise Http404
    if not policy.can(request.user, "activity.manage", found):
        raise PermissionDenied
    back = reverse("activities:nomination", args=[found.pk])
    heading = _("Pre-appointment review")
    if action == "vote":
        return run_opening_action(
            request, found, OPEN_VOTE, back=back, heading=heading, poll_of=lambda n: n.poll
        )
    return run_action(request, found, NOMINATION_ACTIONS[action], back=back, heading=heading)
