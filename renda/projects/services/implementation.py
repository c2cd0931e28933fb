"""Implementation of a selected project: the plan with its milestones, the start,
progress reports by the office or the responsible department, completion, and changes
that only a session decision makes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.congress import policy
from renda.congress.models import (
    Session,
)
from renda.core import audit, uploads
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.core.validators import validate_document
from renda.projects.models import (
    ChangeKind,
    Milestone,
    ProgressPhoto,
    ProgressUpdate,
    Project,
    ProjectChange,
    ProjectStatus,
)
from renda.projects.services.common import (
    MAX_TEXT,
    MAX_TITLE,
    _department,
    _lock_project,
    _money,
    _move_project,
    _now,
    _require,
    _session,
)

PHOTO_TYPES = uploads.PHOTOS
MAX_PHOTOS = 6
# Scope fields as voted: changing any of them needs a session decision (DOMAIN.md §5).
SCOPE_FIELDS = ("title", "scope", "funds", "deadline", "department", "targets")


def may_report(user: Any, project: Project) -> bool:
    """May `user` report progress on `project`? The office (`project.manage`) and the
    handlers of the project's responsible department may."""
    return policy.can(user, "project.manage", project) or (
        project.department_id in policy.department_ids(user)
    )


def set_plan(
    project: Project,
    *,
    acting_user: Any,
    targets: str,
    milestones: Sequence[tuple[str, int, dt.date]],
) -> Project:
    """The implementation plan while it is prepared: targets and milestones (title, weight,
    due date) whose weights add up to 100. Department, funds and deadline are those voted."""
    targets = cases.clean_text(targets, field=_("The targets"), maximum=MAX_TEXT)
    rows = [
        (cases.clean_text(t, field=_("The milestone"), maximum=200), w, d) for t, w, d in milestones
    ]
    if not rows:
        raise DomainError(_("A plan needs at least one milestone."))
    if any(not w or w < 1 or w > 100 for _t, w, _d in rows):
        raise DomainError(_("Each milestone's weight is between 1 and 100."))
    if sum(w for _t, w, _d in rows) != 100:
        raise DomainError(
            _("The milestones' weights add up to %(sum)s, not 100.")
            % {"sum": sum(w for _t, w, _d in rows)}
        )
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        if project.status != ProjectStatus.PLANNING:
            raise DomainError(
                _("The plan of a project under way changes only by a session decision.")
            )
        if any(d > project.deadline for _t, _w, d in rows):
            raise DomainError(_("A milestone cannot be due after the project's deadline."))
        # While the plan is prepared nothing has been reported against its milestones.
        Milestone.objects.filter(project=project).delete()
        Milestone.objects.bulk_create(
            [
                Milestone(project=project, order=i, title=t, weight=w, due_date=d)
                for i, (t, w, d) in enumerate(rows, start=1)
            ]
        )
        before = project.targets
        project.targets = targets
        project.save(update_fields=["targets"])
        audit.record(
            "project.plan",
            project,
            actor=acting_user,
            changes={"targets": [before, targets], "milestones": [None, len(rows)]},
        )
    return project


def start_project(project: Project, *, acting_user: Any) -> Project:
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        if sum(project.milestones.values_list("weight", flat=True)) != 100:
            raise DomainError(_("Set the plan's milestones before starting the project."))
        project.started_at = _now()
        _move_project(project, ProjectStatus.IN_PROGRESS, actor=acting_user, fields=["started_at"])
        handlers = policy.handlers_by_department([project.department_id]).get(
            project.department_id, []
        )
        notify_on_commit(
            handlers,
            _("Livelihood project under way: %(title)s") % {"title": project.title},
            _("Report progress by milestone until %(deadline)s.") % {"deadline": project.deadline},
            reverse("projects:department"),
        )
    return project


def rolled_up(milestones: Sequence[Milestone]) -> int:
    """The project's progress: its milestones' progress weighted, rounded down."""
    total = sum(m.weight for m in milestones)
    if not total:
        return 0
    return sum(m.weight * m.percent for m in milestones) // total


def report_progress(
    project: Project,
    *,
    milestone: Milestone,
    percent: int,
    text: str,
    acting_user: Any,
    reason: str = "",
    spent: Any = None,
    photos: Sequence[Any] = (),
) -> ProgressUpdate:
    """A progress update on one milestone: text, its new percent, photos, the funds spent so
    far. Above 100 % is refused; going backwards needs a reason."""
    text = cases.clean_text(text, field=_("The progress text"), maximum=MAX_TEXT)
    reason = cases.clean_text(reason, field=_("The reason"), maximum=2000, required=False)
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise DomainError(_("Give the milestone's progress in percent.")) from None
    if percent > 100:
        raise DomainError(_("Progress cannot be above 100 %."))
    if percent < 0:
        raise DomainError(_("Progress cannot be negative."))
    amount = _money(spent, field=_("The funds spent"), required=False)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(max)s photos.") % {"max": MAX_PHOTOS})
    for upload in photos:
        try:
            validate_document(upload, allowed=PHOTO_TYPES)
        except ValidationError as exc:
            raise DomainError(f"{upload.name}: {' '.join(exc.messages)}") from exc
    with transaction.atomic():
        project = _lock_project(project)
        if not may_report(acting_user, project):
            raise DomainError(_("Only the office or the responsible department can report."))
        if project.status != ProjectStatus.IN_PROGRESS:
            raise DomainError(_("Progress is reported on a project under way."))
        milestones = list(project.milestones.select_for_update().order_by("order", "id"))
        current = next((m for m in milestones if m.pk == milestone.pk), None)
        if current is None:
            raise DomainError(_("Choose a milestone of this project."))
        if percent < current.percent and not reason:
            raise DomainError(
                _("The progress goes back from %(before)s %% to %(after)s %%: give the reason.")
                % {"before": current.percent, "after": percent}
            )
        if amount is not None and amount < project.spent and not reason:
            raise DomainError(_("The funds spent go down: give the reason."))
        previous = current.percent
        current.percent = percent
        current.done_on = timezone.localdate() if percent == 100 else None
        current.save(update_fields=["percent", "done_on"])
        before = project.progress
        project.progress = rolled_up(milestones)
        fields = ["progress"]
        if amount is not None:
            project.spent = amount
            fields.append("spent")
        project.save(update_fields=fields)
        update = ProgressUpdate.objects.create(
            project=project,
            milestone=current,
            percent=percent,
            previous_percent=previous,
            project_percent=project.progress,
            text=text,
            reason=reason,
            spent=amount,
            author=acting_user,
            created_at=_now(),
        )
        _save_photos(update, photos)
        audit.record(
            "project.progress",
            project,
            actor=acting_user,
            changes={"progress": [before, project.progress], "milestone": [previous, percent]},
            note=reason,
        )
    return update


def _save_photos(update: ProgressUpdate, photos: Sequence[Any]) -> None:
    """Photos re-encoded (no trailing bytes, no EXIF location), under generated names."""
    for upload in photos:
        try:
            accepted = uploads.accept(upload, kinds=PHOTO_TYPES)
        except ValidationError as exc:
            raise DomainError(f"{upload.name}: {' '.join(exc.messages)}") from exc
        photo = ProgressPhoto(update=update, content_type=accepted.content_type)
        photo.file.save(accepted.name, accepted, save=False)
        photo.save()


def complete_project(
    project: Project, *, acting_user: Any, completed_on: dt.date | None = None
) -> Project:
    completed_on = completed_on or timezone.localdate()
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        if project.progress < 100:
            raise DomainError(_("A project is completed when every milestone is done."))
        if completed_on > timezone.localdate():
            raise DomainError(_("The completion date cannot be in the future."))
        project.completed_on = completed_on
        _move_project(project, ProjectStatus.COMPLETED, actor=acting_user, fields=["completed_on"])
    return project


def change_project(
    project: Project,
    *,
    kind: str,
    acting_user: Any,
    decision_session: Session | None,
    decision_reference: str,
    decision_date: dt.date | None,
    reason: str,
    changes: dict[str, Any] | None = None,
) -> ProjectChange:
    """A major change, suspension, resumption or termination of a selected project, recorded
    with the session decision that approved it (DOMAIN.md §5: only the congress decides)."""
    if kind not in ChangeKind.values:
        raise DomainError(_("Choose the kind of change."))
    if decision_session is None or not (decision_reference or "").strip() or not decision_date:
        raise DomainError(
            _("A change of a selected project needs the session decision that approved it.")
        )
    decision_reference = cases.clean_text(
        decision_reference, field=_("The decision document"), maximum=200
    )
    reason = cases.clean_text(reason, field=_("The reason"), maximum=MAX_TEXT)
    changes = dict(changes or {})
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        session = _session(project.congress_id, decision_session)
        if decision_date < session.start_date or decision_date > session.end_date:
            raise DomainError(_("The decision date must fall within the deciding session."))
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        fields: list[str] = []
        if kind == ChangeKind.SCOPE:
            if project.status in (ProjectStatus.COMPLETED, ProjectStatus.TERMINATED):
                raise DomainError(_("A finished project cannot be changed."))
            unknown = set(changes) - set(SCOPE_FIELDS)
            if unknown or not changes:
                raise DomainError(_("Say what the decision changes."))
            for name, value in changes.items():
                if name == "department":
                    value = _department(project.congress_id, value)
                elif name == "funds":
                    value = _money(value, field=_("The funds"))
                elif name in ("title", "scope", "targets"):
                    value = cases.clean_text(
                        value, field=name, maximum=MAX_TITLE if name == "title" else MAX_TEXT
                    )
                elif name == "deadline" and not isinstance(value, dt.date):
                    raise DomainError(_("Give the new deadline."))
                old = getattr(project, name)
                before[name] = str(old)
                after[name] = str(value)
                setattr(project, name, value)
                fields.append(name)
            project.save(update_fields=fields)
            audit.record(
                "project.changed",
                project,
                actor=acting_user,
                changes={k: [before[k], after[k]] for k in before},
                note=decision_reference,
            )
        else:
            target = {
                ChangeKind.SUSPEND: ProjectStatus.SUSPENDED,
                ChangeKind.RESUME: ProjectStatus.IN_PROGRESS,
                ChangeKind.TERMINATE: ProjectStatus.TERMINATED,
            }[ChangeKind(kind)]
            if kind == ChangeKind.RESUME and project.status != ProjectStatus.SUSPENDED:
                raise DomainError(_("Only a suspended project can be resumed."))
            before, after = {"status": project.status}, {"status": target}
            _move_project(project, target, actor=acting_user, note=decision_reference)
        return ProjectChange.objects.create(
            project=project,
            kind=kind,
            decision_session=session,
            decision_reference=decision_reference,
            decision_date=decision_date,
            reason=reason,
            before=before,
            after=after,
            recorded_by=acting_user,
            recorded_at=_now(),
        )
