"""Planning and running an activity: creation, schedule, participants of every level
(chosen by station and level), invitations (in-app and SMS) and answers, site-visit notes
with checked photos, the report, and the moves planned → announced → held → closed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.activities.models import (
    INVITATION_TRANSITIONS,
    Activity,
    ActivityKind,
    ActivityStatus,
    CheckinMethod,
    Invitation,
    InvitationStatus,
    Role,
    ScheduleItem,
    VisitNote,
    VisitPhoto,
)
from renda.activities.services.common import MAX_TEXT, lock, move, require
from renda.activities.services.participation import record_participation
from renda.cases.services import clean_text
from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core import audit, keys, uploads, workflow
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit, sms_on_commit
from renda.stations.models import StationMember
from renda.stations.services import deputies_of_town

MAX_PHOTOS = 9


def create_activity(
    *,
    congress: Congress,
    kind: str,
    topic: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    legal_basis: str = "",
    organiser: Deputy | None = None,
    lecturer: str = "",
    hours: Decimal | int = 0,
    description: str = "",
    materials: str = "",
    acting_user: Any,
) -> Activity:
    require(acting_user, "activity.manage", congress)
    if kind not in ActivityKind.values:
        raise DomainError(_("Choose a kind of activity."))
    topic = clean_text(topic, field=_("The topic"), maximum=200)
    legal_basis = clean_text(legal_basis, field=_("The legal basis"), maximum=2000, required=False)
    if kind == ActivityKind.LAW_CHECK and not legal_basis:
        raise DomainError(_("A law check names the law and the articles it checks."))
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise DomainError(_("An activity cannot end before it starts."))
    if Decimal(hours) < 0 or Decimal(hours) > 200:
        raise DomainError(_("Hours credited are between 0 and 200."))
    if organiser is not None and not eligible_deputies(congress).filter(pk=organiser.pk).exists():
        raise DomainError(_("The organiser is a deputy of this town."))
    with transaction.atomic():
        activity = Activity.objects.create(
            congress=congress,
            kind=kind,
            topic=topic,
            legal_basis=legal_basis,
            organiser=organiser,
            lecturer=clean_text(lecturer, field=_("The lecturer"), maximum=100, required=False),
            starts_on=starts_on,
            ends_on=ends_on,
            hours=Decimal(hours),
            description=clean_text(
                description, field=_("The description"), maximum=MAX_TEXT, required=False
            ),
            materials=clean_text(
                materials, field=_("The materials"), maximum=MAX_TEXT, required=False
            ),
            created_by=acting_user,
        )
        if organiser is not None:
            Invitation.objects.create(activity=activity, deputy=organiser, role=Role.ORGANISER)
        audit.record(
            "activity.created", activity, actor=acting_user, changes={"kind": [None, kind]}
        )
    return activity


def eligible_deputies(
    congress: Congress, *, station_id: int | None = None, level: str = ""
) -> QuerySet[Deputy]:
    """Deputies of every level (city, district, town) who belong to the town: those the
    stations seat or could seat (`deputies_of_town`); narrowed to one station's current
    members or to the deputies of one level of congress."""
    found = deputies_of_town(congress)
    if station_id:
        found = found.filter(
            id__in=StationMember.objects.filter(
                congress=congress, station_id=station_id, until__isnull=True
            ).values("deputy_id")
        )
    if level:
        found = found.filter(
            id__in=DeputyMembership.objects.active_on()
            .filter(term__is_current=True, congress__level=level)
            .values("deputy_id")
        )
    return found.order_by("name", "id")


def add_stop(
    activity: Activity, *, starts_at: dt.datetime, place: str, note: str = "", acting_user: Any
) -> ScheduleItem:
    place = clean_text(place, field=_("The site"), maximum=200)
    note = clean_text(note, field=_("The note"), maximum=500, required=False)
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if activity.status in (ActivityStatus.CLOSED, ActivityStatus.CANCELLED):
            raise DomainError(_("This activity is closed."))
        stop = ScheduleItem.objects.create(
            activity=activity, starts_at=starts_at, place=place, note=note
        )
        audit.record("activity.schedule", activity, actor=acting_user, note=place)
    return stop


def invite(
    activity: Activity, deputies: Sequence[Deputy], *, role: str = "", acting_user: Any
) -> list[Invitation]:
    """Invite deputies (a deputy already invited is left as they are). Once the activity is
    announced, the new invitees are told at once."""
    role = role or (Role.ATTENDEE if activity.is_learning else Role.PARTICIPANT)
    if role not in Role.values:
        raise DomainError(_("Choose a role."))
    deputies = list({d.pk: d for d in deputies}.values())  # each person once
    if not deputies:
        raise DomainError(_("Choose at least one deputy."))
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if activity.status in (ActivityStatus.CLOSED, ActivityStatus.CANCELLED):
            raise DomainError(_("This activity is closed."))
        ids = {d.pk for d in deputies}
        allowed = set(
            eligible_deputies(activity.congress).filter(pk__in=ids).values_list("pk", flat=True)
        )
        if ids - allowed:
            raise DomainError(_("Invite deputies who belong to this town."))
        already = set(
            Invitation.objects.filter(activity=activity, deputy_id__in=ids).values_list(
                "deputy_id", flat=True
            )
        )
        new = [
            Invitation(activity=activity, deputy=d, role=role)
            for d in deputies
            if d.pk not in already
        ]
        Invitation.objects.bulk_create(new)
        audit.record(
            "activity.invited",
            activity,
            actor=acting_user,
            changes={"deputies": [None, [i.deputy_id for i in new]]},
        )
        if activity.status == ActivityStatus.ANNOUNCED:
            _tell(new, activity)
    return new


INVITATION_PURPOSE = "activity-invitation"
INVITATION_TOKEN_LENGTH = 16


def invitation_token(invitation: Invitation) -> str:
    """The short keyed token of an invitation's SMS link (core/keys.py key ring; it names
    the key version, so rotating the ring breaks nothing)."""
    return keys.hex_token(INVITATION_PURPOSE, str(invitation.pk), length=INVITATION_TOKEN_LENGTH)


def invitation_link(invitation: Invitation) -> str:
    """The address in the invitation SMS: the deputy opens it on the phone, without
    signing in, and confirms or declines with one tap."""
    path = reverse("activities:confirm", args=[invitation.pk, invitation_token(invitation)])
    return f"{settings.RENDA_PUBLIC_URL}{path}"


def invitation_by_token(pk: int, token: str) -> Invitation | None:
    """The invitation an SMS link names, or None for a forged, altered or retired one."""
    if len(token) > 40 or not keys.hex_token_matches(
        token, INVITATION_PURPOSE, str(pk), length=INVITATION_TOKEN_LENGTH
    ):
        return None
    return Invitation.objects.filter(pk=pk).select_related("activity__congress", "deputy").first()


def _tell(invitations: Sequence[Invitation], activity: Activity) -> None:
    """The invitation: in the deputy's inbox (with the page to confirm) and by SMS with the
    deputy's own link to confirm or decline without signing in."""
    values = {
        "kind": activity.get_kind_display(),
        "topic": activity.topic,
        "date": activity.starts_on,
    }
    text = _("You are invited to %(kind)s “%(topic)s” on %(date)s. Please confirm.") % values
    url = reverse("activities:page", args=[activity.pk])
    deputies = [i.deputy for i in invitations]
    notify_on_commit([d.user for d in deputies if d.user_id], text, "", url, kind="activity")
    for invitation in invitations:
        sms_on_commit(
            invitation.deputy.phone,
            kind="activity_invitation",
            params={**values, "link": invitation_link(invitation)},
        )


def announce(activity: Activity, *, acting_user: Any) -> Activity:
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if not activity.invitations.exists():
            raise DomainError(_("Invite the deputies before announcing the activity."))
        move(activity, ActivityStatus.ANNOUNCED, acting_user)
        invited = Invitation.objects.filter(activity=activity).select_related("deputy")
        _tell(list(invited), activity)
    return activity


def cancel(activity: Activity, *, acting_user: Any, reason: str) -> Activity:
    reason = clean_text(reason, field=_("The reason"), maximum=500)
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        move(activity, ActivityStatus.CANCELLED, acting_user, note=reason)
    return activity


def _lock_invitation(activity: Activity, deputy: Deputy) -> Invitation:
    found = (
        Invitation.objects.select_for_update()
        .filter(activity_id=activity.pk, deputy=deputy)
        .first()
    )
    if found is None:
        raise DomainError(_("You are not invited to this activity."))
    return found


def answer(activity: Activity, *, deputy: Deputy, attend: bool, acting_user: Any) -> Invitation:
    """The deputy confirms or declines in the app."""
    if getattr(deputy, "user_id", None) != getattr(acting_user, "pk", None):
        raise DomainError(_("Only the invited deputy answers the invitation."))
    return _answer(activity, deputy, attend=attend, actor=acting_user)


def answer_by_link(invitation: Invitation, *, attend: bool) -> Invitation:
    """The deputy confirms or declines from the SMS link (`invitation_by_token` has checked
    it): no sign-in; the audit entry names the deputy's account, if any, and the channel."""
    return _answer(
        invitation.activity,
        invitation.deputy,
        attend=attend,
        actor=invitation.deputy.user if invitation.deputy.user_id else None,
        note=_("Answered from the SMS link."),
    )


def _answer(
    activity: Activity, deputy: Deputy, *, attend: bool, actor: Any, note: str = ""
) -> Invitation:
    with transaction.atomic():
        activity = lock(activity)
        if activity.status not in (ActivityStatus.PLANNED, ActivityStatus.ANNOUNCED):
            raise DomainError(_("This activity no longer takes answers."))
        invitation = _lock_invitation(activity, deputy)
        target = InvitationStatus.CONFIRMED if attend else InvitationStatus.DECLINED
        if invitation.status == target:
            return invitation
        invitation.answered_at = timezone.now()
        workflow.move(
            invitation,
            target,
            transitions=INVITATION_TRANSITIONS,
            action="activity.answer",
            actor=actor,
            fields=["answered_at"],
            note=note,
            record_on=activity,
            error=_("An invitation that is %(current)s cannot become %(target)s."),
        )
    return invitation


def credit(invitation: Invitation, activity: Activity, actor: Any) -> None:
    """Write the participation event of an attended invitation."""
    record_participation(
        invitation.deputy,
        activity,
        congress_id=activity.congress_id,
        kind=activity.kind,
        role=invitation.role,
        on=activity.starts_on,
        title=activity.topic,
        hours=activity.hours if activity.is_learning else 0,
        acting_user=actor,
    )


def mark_attendance(
    activity: Activity, *, present: Sequence[Deputy], acting_user: Any
) -> list[Invitation]:
    """Staff mark who took part (those who scanned the code are already marked); each
    deputy marked gets their participation (and hours) credited once."""
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if activity.status not in (ActivityStatus.ANNOUNCED, ActivityStatus.HELD):
            raise DomainError(_("Attendance is marked once the activity is announced."))
        ids = {d.pk for d in present}
        rows = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(activity=activity, deputy_id__in=ids)
            .select_related("deputy")
        )
        if len(rows) != len(ids):
            raise DomainError(_("Mark only deputies invited to this activity."))
        now = timezone.now()
        for invitation in rows:
            if invitation.status == InvitationStatus.ATTENDED:
                continue
            invitation.checkin_method = CheckinMethod.STAFF
            invitation.checked_in_at = now
            workflow.move(
                invitation,
                InvitationStatus.ATTENDED,
                transitions=INVITATION_TRANSITIONS,
                action="activity.attended",
                actor=acting_user,
                fields=["checkin_method", "checked_in_at"],
                record_on=activity,
                error=_("An invitation that is %(current)s cannot become %(target)s."),
            )
            credit(invitation, activity, acting_user)
    return rows


def mark_held(activity: Activity, *, acting_user: Any) -> Activity:
    """The activity took place: invitees not marked as present are recorded absent."""
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if activity.starts_on > timezone.localdate():
            raise DomainError(_("An activity is marked held once it has started."))
        move(activity, ActivityStatus.HELD, acting_user)
        for invitation in Invitation.objects.select_for_update(of=("self",)).filter(
            activity=activity,
            status__in=[InvitationStatus.INVITED, InvitationStatus.CONFIRMED],
        ):
            workflow.move(
                invitation,
                InvitationStatus.ABSENT,
                transitions=INVITATION_TRANSITIONS,
                action="activity.absent",
                actor=acting_user,
                record_on=activity,
            )
    return activity


def add_note(
    activity: Activity,
    *,
    text: str,
    photos: Sequence[Any] = (),
    stop: ScheduleItem | None = None,
    acting_user: Any,
) -> VisitNote:
    """A site-visit note, with photos checked by their bytes and re-encoded
    (`renda.core.uploads`): nothing is stored if one photo is refused."""
    text = clean_text(text, field=_("The notes"), maximum=MAX_TEXT)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(max)s photos per note.") % {"max": MAX_PHOTOS})
    accepted = []
    for photo in photos:
        try:
            accepted.append(uploads.accept(photo, kinds=uploads.PHOTOS))
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    if stop is not None and stop.activity_id != activity.pk:
        raise DomainError(_("Choose a site of this activity."))
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if activity.status == ActivityStatus.CANCELLED:
            raise DomainError(_("This activity is closed."))
        note = VisitNote.objects.create(
            activity=activity, stop=stop, text=text, written_by=acting_user
        )
        for file in accepted:
            VisitPhoto.objects.create(
                note=note,
                image=file,
                content_type=file.content_type,
                original_name=file.original_name,
            )
        audit.record(
            "activity.note", activity, actor=acting_user, changes={"photos": [None, len(accepted)]}
        )
    return note


def file_report(
    activity: Activity, *, text: str, document: Any = None, acting_user: Any
) -> Activity:
    """The research report (调研报告) or the inspection report; filing it closes the
    activity. The document, if any, is checked by its bytes."""
    text = clean_text(text, field=_("The report"), maximum=50000)
    accepted = None
    if document is not None:
        try:
            accepted = uploads.accept(document)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        activity.report_text = text
        fields = ["report_text"]
        if accepted is not None:
            activity.report = accepted
            activity.report_type = accepted.content_type
            activity.report_name = accepted.original_name
            fields += ["report", "report_type", "report_name"]
        if activity.status != ActivityStatus.HELD:
            raise DomainError(_("The report is filed once the activity has been held."))
        move(activity, ActivityStatus.CLOSED, acting_user, fields=fields)
    return activity


def record_held_activity(
    *,
    congress: Congress,
    kind: str,
    topic: str,
    held_on: dt.date,
    place: str,
    organiser: Deputy,
    participants: Sequence[Deputy],
    acting_user: Any,
) -> Activity:
    """An activity entered after it took place (a livelihood project's inspection recorded
    from the project's page): created, its site on the schedule, the deputies who took part
    invited and marked present (each gets the participation event), then moved planned →
    announced → held. Nobody is told: it is over. All or nothing; findings and the report
    follow through `file_finding` and `file_report`."""
    people = list({d.pk: d for d in [organiser, *participants]}.values())
    if held_on > timezone.localdate():
        raise DomainError(_("An inspection is recorded after it took place."))
    with transaction.atomic():
        activity = create_activity(
            congress=congress,
            kind=kind,
            topic=topic,
            starts_on=held_on,
            organiser=organiser,
            acting_user=acting_user,
        )
        add_stop(
            activity,
            starts_at=timezone.make_aware(dt.datetime.combine(held_on, dt.time.min)),
            place=place,
            acting_user=acting_user,
        )
        others = [d for d in people if d.pk != organiser.pk]
        if others:
            invite(activity, others, acting_user=acting_user)
        move(
            lock(activity),
            ActivityStatus.ANNOUNCED,
            acting_user,
            note=_("Recorded after it took place."),
        )
        mark_attendance(activity, present=people, acting_user=acting_user)
        mark_held(activity, acting_user=acting_user)
        activity.refresh_from_db()
    return activity


def record_counts(
    activity: Activity, *, sessions_held: int, people_reached: int, acting_user: Any
) -> Activity:
    """普法: the sessions held and the people reached by a campaign."""
    if sessions_held < 0 or people_reached < 0 or people_reached > 10_000_000:
        raise DomainError(_("Enter plausible counts."))
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if activity.kind != ActivityKind.LEGAL_EDUCATION:
            raise DomainError(_("Only a legal-education campaign counts people reached."))
        old = [activity.sessions_held, activity.people_reached]
        activity.sessions_held, activity.people_reached = sessions_held, people_reached
        activity.save(update_fields=["sessions_held", "people_reached"])
        audit.record(
            "activity.counts",
            activity,
            actor=acting_user,
            changes={"counts": [old, [sessions_held, people_reached]]},
        )
    return activity
