"""The door's own back-office page: an opinion entered for someone else — by the office
(phone, letter), by a station manager at a reception, or by a deputy after a voter visit.
The case pages themselves are the engine's (`renda.cases.views`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.congress import policy
from renda.congress.models import Congress
from renda.core import aftercommit
from renda.core.errors import DomainError
from renda.opinions import forms as f
from renda.opinions import services
from renda.opinions.views.public import remember_receipt


@login_required
def new_case(request: HttpRequest, congress_id: int) -> HttpResponse:
    """The person who entered the opinion gets the ticket and check code to hand over."""
    congress = Congress.objects.filter(pk=congress_id, is_active=True).first()
    user = request.user
    is_deputy = congress is not None and congress.pk in policy.access(user).deputy_congress_ids
    if congress is None or not (policy.can(user, "case.enter", congress) or is_deputy):
        raise Http404
    deputy = getattr(user, "deputy", None) if is_deputy else None
    form = f.StaffEntryForm(request.POST or None, request.FILES or None, congress=congress)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, code = services.submit_opinion(
                congress=congress,
                category=data["category"],
                title=data["title"],
                content=data["content"],
                village=data["village"],
                address=data["address"],
                source=data["source"],
                submitter_name=data["name"],
                submitter_phone=data["phone"],
                source_deputy=deputy,
                entered_by=user,
                files=data["photos"],
                submission_token=data["token"],
            )
        except cases.DuplicateSubmission as dup:
            if policy.can(user, "case.supervise", dup.case):
                return HttpResponseRedirect(reverse("cases:office_case", args=[dup.case.pk]))
            return HttpResponseRedirect(
                reverse("opinions:receipt", args=[dup.case.submission_token])
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(serial)s registered.") % {"serial": case.serial})
            # The receipt (ticket and check code) is for the visitor, whoever entered it;
            # shown in this answer if the session cannot carry it (renda.core.aftercommit).
            token, receipt = data["token"], {"serial": case.serial, "code": code}
            return aftercommit.respond(
                request,
                HttpResponseRedirect(reverse("opinions:receipt", args=[token])),
                session_update=lambda: remember_receipt(request, token, case.serial, code),
                fallback=lambda: aftercommit.render_safely(
                    request, "opinions/public/receipt.html", receipt
                ),
            )
    return render(request, "opinions/staff/new_case.html", {"form": form, "congress": congress})
