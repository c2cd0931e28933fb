"""The public pages: the year's projects with progress, milestones, photos, department, vote
result and year-end rating; the candidate list during consultation with comments; the
proposal form; the resident survey (one response per verified phone number)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.ballots.models import SCALE_GRADES, Scale
from renda.ballots.services import public_result
from renda.congress.models import Congress, CongressLevel
from renda.core import aftercommit, ratelimit, uploads
from renda.core.errors import DomainError
from renda.core.masking import mask_phone
from renda.core.requestcontext import client_ip
from renda.projects import forms as f
from renda.projects import services
from renda.projects.models import (
    BatchStatus,
    Candidate,
    CandidateOutcome,
    Milestone,
    ProgressPhoto,
    ProgressUpdate,
    Project,
    VoteBatch,
    YearRating,
)

PUBLIC_BATCH = (
    BatchStatus.CONSULTATION,
    BatchStatus.VOTING,
    BatchStatus.COUNTED,
    BatchStatus.ANNOUNCED,
)
_SURVEY_PHONE = "project_survey_phone"


def _congress(pk: int) -> Congress:
    towns = Congress.objects.filter(
        is_active=True, level__in=[CongressLevel.TOWN, CongressLevel.COUNTY]
    )
    return get_object_or_404(towns, pk=pk)


def shows_counts(batch: VoteBatch) -> bool:
    """Vote counts are public once announced, unless the engine withholds the details of a
    poll with fewer ballots than its smallest group."""
    if batch.status != BatchStatus.ANNOUNCED or batch.poll is None:
        return False
    result = public_result(batch.poll)
    return result is not None and not result.get("suppressed")


def _reserve(
    request: HttpRequest, scope: str, identities: list[str], limit: int, window: int
) -> ratelimit.Reservation:
    """Count the event first, per address and the given identities (exact under
    simultaneous requests); the caller gives the count back when the event fails."""
    return ratelimit.reserve(scope, [client_ip(request) or "", *identities], limit, window)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    congresses = list(
        Congress.objects.filter(
            is_active=True, level__in=[CongressLevel.TOWN, CongressLevel.COUNTY]
        )
        .annotate(project_count=Count("projects", distinct=True))
        .order_by("level", "name")
    )
    # The candidate lists open for comment and the votes under way, linked from the start.
    open_batches: dict[int, list[VoteBatch]] = {}
    for batch in VoteBatch.objects.filter(
        congress__in=[c.pk for c in congresses],
        status__in=[BatchStatus.CONSULTATION, BatchStatus.VOTING],
    ).order_by("-year", "number"):
        open_batches.setdefault(batch.congress_id, []).append(batch)
    for congress in congresses:
        congress.open_batches = open_batches.get(congress.pk, [])  # type: ignore[attr-defined]
    return render(request, "projects/public/index.html", {"congresses": congresses})


def _years(congress: Congress) -> list[int]:
    years = set(Project.objects.filter(congress=congress).values_list("year", flat=True))
    years |= set(
        VoteBatch.objects.filter(congress=congress, status__in=PUBLIC_BATCH).values_list(
            "year", flat=True
        )
    )
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


@require_GET
def year_page(request: HttpRequest, congress_id: int, year: int | None = None) -> HttpResponse:
    congress = _congress(congress_id)
    year = year or timezone.localdate().year
    projects = list(
        Project.objects.filter(congress=congress, year=year)
        .select_related("department", "batch")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("order")))
        .order_by("batch__number", "id")
    )
    batches = list(
        VoteBatch.objects.filter(congress=congress, year=year, status__in=PUBLIC_BATCH)
        .select_related("session__term", "poll")
        .annotate(candidate_count=Count("candidates"))
        .order_by("number")
    )
    shown = [b.pk for b in batches if shows_counts(b)]
    votes = dict(
        Candidate.objects.filter(batch_id__in=shown, outcome=CandidateOutcome.SELECTED).values_list(
            "idea_id", "yes"
        )
    )
    rating = YearRating.objects.filter(congress=congress, year=year).first()
    # The latest photo of each project, in one query.
    photos: dict[int, int] = {}
    for project_id, photo_id in (
        ProgressPhoto.objects.filter(update__project__in=[p.pk for p in projects])
        .order_by("-update__created_at", "-id")
        .values_list("update__project_id", "id")
    ):
        photos.setdefault(project_id, photo_id)
    return render(
        request,
        "projects/public/year.html",
        {
            "congress": congress,
            "year": year,
            "years": _years(congress),
            "rows": [(p, votes.get(p.idea_id), photos.get(p.pk)) for p in projects],
            "batches": batches,
            "rating": rating,
        },
    )


@require_GET
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        Project.objects.filter(congress__is_active=True).select_related(
            "congress", "department", "batch__session__term", "batch__poll"
        ),
        pk=pk,
    )
    # Every public vote the project went through, each with its announcement: a project
    # tied at the last place and selected in a further vote has two results, and the page
    # shows both rather than one figure that the first announcement contradicts.
    votes = [
        candidate
        for candidate in Candidate.objects.filter(
            idea_id=project.idea_id,
            batch__congress_id=project.congress_id,
            batch__status=BatchStatus.ANNOUNCED,
        )
        .select_related("batch__session__term", "batch__poll")
        .order_by("batch__number", "batch_id")
        if shows_counts(candidate.batch)
    ]
    return render(
        request,
        "projects/public/project.html",
        {
            "project": project,
            "milestones": project.milestones.order_by("order"),
            "updates": ProgressUpdate.objects.filter(project=project)
            .select_related("milestone")
            .prefetch_related("photos")[:50],
            "changes": project.changes.select_related("decision_session__term"),
            "votes": votes,
            "grades": dict(SCALE_GRADES[Scale.SATISFACTION]),
        },
    )


@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(
        ProgressPhoto.objects.filter(update__project__congress__is_active=True), pk=pk
    )
    return uploads.serve(
        item.file, content_type=item.content_type, filename=item.file.name, inline=True
    )


@never_cache
def batch_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate list, open for comment during consultation; the result once announced."""
    batch = get_object_or_404(
        VoteBatch.objects.filter(status__in=PUBLIC_BATCH, congress__is_active=True).select_related(
            "congress", "session__term", "poll"
        ),
        pk=pk,
    )
    candidates = batch.candidates.select_related("idea__department", "idea__village")
    announced = batch.status == BatchStatus.ANNOUNCED
    counts = shows_counts(batch)
    candidates = candidates.order_by("rank", "order") if announced else candidates.order_by("order")
    open_for_comment = batch.status == BatchStatus.CONSULTATION and (
        batch.consultation_until is None or batch.consultation_until >= timezone.localdate()
    )
    form = f.CommentForm(request.POST or None, batch=batch) if open_for_comment else None
    # As on the other public forms: past the limit per address or phone number, the form
    # asks for a captcha as well.
    identities = [client_ip(request) or "", (request.POST.get("phone") or "").strip()]
    captcha = None
    if form is not None and ratelimit.exceeded(
        "project-comment", identities, settings.RENDA_SUBMIT_LIMIT
    ):
        captcha = f.CaptchaForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid() and (captcha is None or captcha.is_valid()):
            reservation = ratelimit.reserve(
                "project-comment",
                identities,
                settings.RENDA_SUBMIT_LIMIT,
                settings.RENDA_SUBMIT_WINDOW_SECONDS,
            )
            if captcha is None and not reservation.allowed:
                captcha = f.CaptchaForm()
                form.add_error(None, _("Please also answer the check below."))
            else:
                data = form.cleaned_data
                try:
                    services.add_comment(
                        batch,
                        text=data["text"],
                        candidate_id=data["candidate"],
                        name=data["name"],
                        phone=data["phone"],
                    )
                except DomainError as exc:
                    reservation.refund()
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Thank you: your comment goes to the presidium."))
                    return HttpResponseRedirect(reverse("projects:public_batch", args=[batch.pk]))
        status = 400
    return render(
        request,
        "projects/public/batch.html",
        {
            "batch": batch,
            # Once announced, each with the engine's outcome (passed but beyond the places…).
            "candidates": services.with_results(batch, candidates) if announced else candidates,
            # The residents' comments, as the office has moderated them (hidden ones not).
            "comments": batch.comments.shown().select_related("candidate__idea")[:200],
            "form": form,
            "captcha": captcha,
            "announced": announced,
            "counts": counts,
        },
        status=status,
    )


@never_cache
def propose(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress(congress_id)
    form = f.ProposeForm(request.POST or None, congress=congress)
    status = 200
    token = (request.POST.get("token") or "")[:64]
    done = cache.get(f"projects:propose:{token}") if token else None
    if request.method == "POST" and done:
        # A double click or a retried POST: the proposal of the first submission.
        return render(
            request, "projects/public/proposed.html", {"congress": congress, "serial": done}
        )
    if request.method == "POST":
        phone = (request.POST.get("phone") or "").strip()
        reservation = (
            _reserve(
                request,
                "project-propose",
                [phone],
                settings.RENDA_SUBMIT_LIMIT,
                settings.RENDA_SUBMIT_WINDOW_SECONDS,
            )
            if form.is_valid()
            else None
        )
        if reservation is not None and not reservation.allowed:
            form.add_error(None, _("Many proposals were sent from here recently. Try again later."))
            status = 429
        elif reservation is not None:
            data = form.cleaned_data
            try:
                idea = services.propose_idea(
                    congress=congress,
                    title=data["title"],
                    description=data["description"],
                    source="resident",
                    village=data["village"],
                    proposer_name=data["name"],
                    proposer_phone=data["phone"],
                )
            except DomainError as exc:
                reservation.refund()
                form.add_error(None, str(exc))
            else:
                # The proposal is committed: its number is shown whatever fails next.
                if token:
                    with aftercommit.best_effort("proposal number for a repeated POST"):
                        cache.set(f"projects:propose:{token}", idea.serial, 3600)
                return aftercommit.render_safely(
                    request,
                    "projects/public/proposed.html",
                    {"congress": congress, "serial": idea.serial},
                )
        if status == 200:
            status = 400
    return render(
        request, "projects/public/propose.html", {"form": form, "congress": congress}, status=status
    )


def _forget_survey_phone(request: HttpRequest, rating_pk: int) -> None:
    phones = request.session.get(_SURVEY_PHONE, {})
    phones.pop(str(rating_pk), None)
    request.session[_SURVEY_PHONE] = phones


@never_cache
def survey(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    """Step 1: the phone number gets a code by SMS. Step 2: the code and the answers."""
    congress = _congress(congress_id)
    rating = get_object_or_404(YearRating, congress=congress, year=year, survey_open=True)
    projects = services.rated_projects(congress.pk, year)
    grades = [(c, label) for c, label in SCALE_GRADES[Scale.SATISFACTION]]
    items = [(p.pk, p.title) for p in projects]
    phone = request.session.get(_SURVEY_PHONE, {}).get(str(rating.pk), "")
    phone_form = f.SurveyPhoneForm(request.POST if request.POST.get("step") == "phone" else None)
    answer_form = f.SurveyAnswerForm(
        request.POST if request.POST.get("step") == "answer" else None, items=items, choices=grades
    )
    status = 200
    if request.method == "POST":
        status = 400
        step = request.POST.get("step")
        if step == "phone":
            reservation = (
                _reserve(
                    request,
                    "survey-code-ip",
                    [],
                    settings.RENDA_SURVEY_CODE_LIMIT * 5,
                    settings.RENDA_SUBMIT_WINDOW_SECONDS,
                )
                if phone_form.is_valid()
                else None
            )
            if reservation is not None and not reservation.allowed:
                phone_form.add_error(None, _("Too many requests from here. Try again later."))
                status = 429
            elif reservation is not None:
                number = phone_form.cleaned_data["phone"]
                try:
                    services.send_survey_code(rating, phone=number)
                except services.RateLimitError as exc:
                    reservation.refund()
                    phone_form.add_error(None, str(exc))
                    status = 429
                except DomainError as exc:
                    reservation.refund()
                    phone_form.add_error(None, str(exc))
                else:
                    phones = request.session.get(_SURVEY_PHONE, {})
                    phones[str(rating.pk)] = number
                    request.session[_SURVEY_PHONE] = phones
                    messages.success(request, _("A verification code was sent by SMS."))
                    return HttpResponseRedirect(
                        reverse("projects:survey", args=[congress.pk, year])
                    )
        elif step == "answer" and phone:
            reservation = (
                _reserve(
                    request,
                    "survey-answer",
                    [phone],
                    settings.RENDA_TRACK_LIMIT,
                    settings.RENDA_TRACK_WINDOW_SECONDS,
                )
                if answer_form.is_valid()
                else None
            )
            if reservation is not None and not reservation.allowed:
                answer_form.add_error(None, _("Too many attempts. Try again later."))
                status = 429
            elif reservation is not None:
                try:
                    services.answer_survey(
                        rating,
                        phone=phone,
                        code=answer_form.cleaned_data["code"],
                        answers=answer_form.marks(),
                    )
                except DomainError as exc:
                    answer_form.add_error(None, str(exc))
                else:
                    # The answer is committed: the thanks page is shown whatever fails next
                    # (forgetting the phone number in the session is best effort).
                    done = aftercommit.render_safely(
                        request,
                        "projects/public/survey_done.html",
                        {"congress": congress, "year": year},
                    )
                    return aftercommit.respond(
                        request,
                        done,
                        session_update=lambda: _forget_survey_phone(request, rating.pk),
                    )
    return render(
        request,
        "projects/public/survey.html",
        {
            "congress": congress,
            "year": year,
            "phone": mask_phone(phone) if phone else "",
            "phone_form": phone_form,
            "answer_form": answer_form,
        },
        status=status,
    )
