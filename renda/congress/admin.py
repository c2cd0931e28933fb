"""The back office: reference data and accounts, scoped by the policy module and audited.

Every ModelAdmin here derives from ScopedAdmin: its list is `visible_to(user)`, another
congress's object is a 404, foreign-key choices are limited to the user's congresses,
nothing is deleted, and every save writes the action log in the admin's transaction.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from renda.congress import policy, roster, services
from renda.congress.models import (
    AgendaItem,
    Congress,
    Constituency,
    Department,
    Deputy,
    DeputyGroup,
    DeputyMembership,
    MembershipStatus,
    Official,
    PresidiumMembership,
    RoleGrant,
    RosterImport,
    Session,
    Term,
)
from renda.core import audit, exports, notify, uploads
from renda.core.access import get_visible_or_404
from renda.core.errors import DomainError
from renda.core.models import (
    ActionLog,
    Area,
    Holiday,
    HolidaySource,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    Region,
    User,
)
from renda.core.requestcontext import current_request
from renda.core.widgets import DateInput

admin.site.unregister(Group)

# Related models whose choices are narrowed to the user's congresses in every form.
_SCOPED_CHOICES = (Congress, Term, Session, Constituency, DeputyGroup, Department, Deputy)


def _file_field(owner: Any, db_field: Any, kwargs: dict[str, Any]) -> Any:
    """Files uploaded in the back office go through renda.core.uploads like any other: the
    kinds of a field are the admin's `upload_kinds` entry (documents by default)."""
    kinds = getattr(owner, "upload_kinds", {}).get(db_field.name, uploads.DOCUMENTS)
    return db_field.formfield(form_class=uploads.UploadField, kinds=kinds, **kwargs)


class ScopedAdmin(admin.ModelAdmin):
    view_perm = "congress.view"
    change_perm = "reference.change"
    actions = None
    upload_kinds: dict[str, frozenset[str]] = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.FileField):
            kwargs.setdefault("widget", admin.widgets.AdminFileWidget)
            return _file_field(self, db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- scope -------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest):
        qs: Any = super().get_queryset(request)
        return qs.visible_to(request.user)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Another scope's object is indistinguishable from a missing one.
            raise Http404
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, self.view_perm)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.view_perm, obj) or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.change_perm, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, self.change_perm)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is lost: deactivate or end instead

    def _limit(self, request: HttpRequest, model, queryset):
        if model in _SCOPED_CHOICES:
            return (
                queryset.visible_to(request.user, self.change_perm)
                if queryset is not None
                else (model.objects.visible_to(request.user, self.change_perm))
            )
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if model in _SCOPED_CHOICES:
            kwargs["queryset"] = self._limit(request, model, None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if model in _SCOPED_CHOICES:
            kwargs["queryset"] = self._limit(request, model, None)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- audit -------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj)
        action = "updated" if change else "created"
        changes = audit.diff(before, after)
        if change and not changes:
            return
        audit.record(f"{obj._meta.model_name}.{action}", obj, actor=request.user, changes=changes)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        obj = form.instance
        m2m = [f for f in obj._meta.many_to_many if f.name in form.cleaned_data]
        before = (
            {f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True)) for f in m2m}
            if change
            else {}
        )
        super().save_related(request, form, formsets, change)
        after = {f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True)) for f in m2m}
        changes = (
            audit.diff(before, after) if change else {k: [None, v] for k, v in after.items() if v}
        )
        if changes:
            audit.record(
                f"{obj._meta.model_name}.relations_changed",
                obj,
                actor=request.user,
                changes=changes,
            )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            is_new = instance.pk is None
            before = {} if is_new else audit.snapshot(type(instance).objects.get(pk=instance.pk))
            instance.save()
            changes = audit.diff(before, audit.snapshot(instance))
            if changes:
                action = "created" if is_new else "updated"
                audit.record(
                    f"{instance._meta.model_name}.{action}",
                    instance,
                    actor=request.user,
                    changes=changes,
                )
        formset.save_m2m()


class ScopedInline(admin.TabularInline):
    extra = 0
    change_perm = "reference.change"
    upload_kinds: dict[str, frozenset[str]] = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.FileField):
            kwargs.setdefault("widget", admin.widgets.AdminFileWidget)
            return _file_field(self, db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.change_perm, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.change_perm, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "congress.view", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if model in _SCOPED_CHOICES:
            kwargs["queryset"] = model.objects.visible_to(request.user, self.change_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Regions --------------------------------------------------------------------------


def _region_scope(user) -> Q | None:
    """Regions of the user's congresses and everything below them (None: everything)."""
    if policy.is_superuser(user):
        return None
    ids = policy.congress_ids(user, "congress.view")
    paths = Region.objects.filter(congress__id__in=ids).values_list("path", flat=True)
    condition = Q(pk__in=[])
    for p in paths:
        condition |= Q(path__startswith=p)
    return condition


class RegionForm(forms.ModelForm):
    """New regions are added under a parent; an existing region's place in the tree is
    fixed (moving a village between towns would silently move its cases and deputies)."""

    parent = forms.ModelChoiceField(
        label=_("parent region"), queryset=Region.objects.none(), required=False
    )

    class Meta:
        model = Region
        fields = ["name", "code", "level", "kind", "area", "population", "is_active"]

    def __init__(self, *args: Any, scope: Q | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Region.objects.exclude(level="village")
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = (
            parents if scope is None else parents.filter(scope)
        )
        if self.instance.pk:
            del self.fields["parent"]

    def clean(self) -> dict[str, Any]:
        from renda.core.models import REGION_CHILD_LEVEL

        data = super().clean() or {}
        if self.instance.pk is None:
            parent = data.get("parent")
            parent_level = parent.level if parent else None
            if data.get("level") not in REGION_CHILD_LEVEL.get(parent_level, set()):
                raise forms.ValidationError(
                    gettext("A region of this level cannot be placed there.")
                )
            area = data.get("area")
            if area is not None and (parent is None or area.town_id != parent.pk):
                raise forms.ValidationError(
                    gettext("The area must belong to the village's own town.")
                )
        return data


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    form = RegionForm
    change_perm = "configuration.change"
    list_display = ["indented_name", "code", "level", "kind", "area", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    list_per_page = 200

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Region) -> str:
        return format_html("{}{}", "\u3000" * (obj.depth - 1), obj.name)

    def get_queryset(self, request: HttpRequest):
        qs = admin.ModelAdmin.get_queryset(self, request).select_related("area")
        scope = _region_scope(request.user)
        return qs if scope is None else qs.filter(scope)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        scope = _region_scope(request.user)

        class ScopedRegionForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, scope=scope, **kw)

        return ScopedRegionForm

    def get_fields(self, request: HttpRequest, obj: Any = None):
        fields = ["name", "code", "level", "kind", "area", "population", "is_active"]
        return fields if obj is not None else ["parent", *fields]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        parent = form.cleaned_data.get("parent")
        if parent is None:
            created = Region.objects.add_root(instance=obj)
        else:
            created = Region.objects.add_child(parent, instance=obj)
        form.instance = created
        audit.record(
            "region.created",
            created,
            actor=request.user,
            changes=audit.diff({}, audit.snapshot(created)),
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.view_perm)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not policy.can(request.user, self.change_perm):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, self.change_perm)


@admin.register(Area)
class AreaAdmin(ScopedAdmin):
    change_perm = "configuration.change"
    list_display = ["name", "town", "order", "village_count"]
    list_filter = [("town", admin.RelatedOnlyFieldListFilter)]

    def get_queryset(self, request: HttpRequest):
        qs = (
            admin.ModelAdmin.get_queryset(self, request)
            .select_related("town")
            .annotate(n=Count("villages"))
        )
        scope = _region_scope(request.user)
        return qs if scope is None else qs.filter(town__in=Region.objects.filter(scope))

    @admin.display(description=_("villages and communities"))
    def village_count(self, obj: Area) -> int:
        return getattr(obj, "n", 0)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.view_perm)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.change_perm)


# --- Congresses, terms, sessions -----------------------------------------------------


@admin.register(Congress)
class CongressAdmin(ScopedAdmin):
    change_perm = "configuration.change"
    list_display = ["name", "level", "region", "parent", "serial_prefix", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name"]
    list_select_related = ["region", "parent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.is_superuser(request.user)


class SessionInline(ScopedInline):
    model = Session
    fields = ["ordinal", "kind", "start_date", "end_date", "venue"]
    show_change_link = True


@admin.register(Term)
class TermAdmin(ScopedAdmin):
    list_display = ["__str__", "congress", "ordinal", "start_date", "end_date", "is_current"]
    list_filter = ["is_current", ("congress", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["congress"]
    inlines = [SessionInline]


class AgendaItemInline(ScopedInline):
    model = AgendaItem
    fields = ["order", "title", "document", "note"]


class PresidiumInline(ScopedInline):
    model = PresidiumMembership
    fields = ["deputy", "role"]
    autocomplete_fields = ["deputy"]


@admin.register(Session)
class SessionAdmin(ScopedAdmin):
    list_display = ["__str__", "congress_name", "kind", "start_date", "end_date", "venue"]
    list_filter = ["kind", ("term__congress", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["term__congress"]
    inlines = [AgendaItemInline, PresidiumInline]

    @admin.display(description=_("congress"))
    def congress_name(self, obj: Session) -> str:
        return obj.term.congress.name


@admin.register(Constituency)
class ConstituencyAdmin(ScopedAdmin):
    list_display = ["number", "name", "congress"]
    list_filter = [("congress", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    list_select_related = ["congress"]
    filter_horizontal = ["regions"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "regions":
            scope = _region_scope(request.user)
            qs = Region.objects.filter(level="village")
            kwargs["queryset"] = qs if scope is None else qs.filter(scope)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(DeputyGroup)
class DeputyGroupAdmin(ScopedAdmin):
    list_display = ["name", "congress", "member_count"]
    list_filter = [("congress", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["congress"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n=Count("memberships"))

    @admin.display(description=_("members"))
    def member_count(self, obj: DeputyGroup) -> int:
        return getattr(obj, "n", 0)


# --- Deputies ----------------------------------------------------------------------------


class DeputyForm(forms.ModelForm):
    """The phone is never sent to the browser in full: staff type a new one to change it."""

    new_phone = forms.CharField(
        label=_("new mobile phone"),
        required=False,
        max_length=11,
        help_text=_("Leave empty to keep the current number."),
    )

    class Meta:
        model = Deputy
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_year",
            "party",
            "occupation",
            "holds_government_post",
            "residence",
            "photo",
            "user",
        ]

    def clean_new_phone(self) -> str:
        from renda.core.validators import validate_cn_mobile

        value = self.cleaned_data.get("new_phone", "").strip()
        if value:
            validate_cn_mobile(value)
            clash = Deputy.objects.filter(phone=value).exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(
                    gettext("This mobile number is already registered to another deputy.")
                )
        return value

    def save(self, commit: bool = True):
        if self.cleaned_data.get("new_phone"):
            self.instance.phone = self.cleaned_data["new_phone"]
        return super().save(commit)


class MembershipInline(ScopedInline):
    model = DeputyMembership
    fields = ["term", "constituency", "group", "start_date", "end_date", "status", "status_reason"]
    readonly_fields = ["status", "status_reason", "end_date"]

    def get_queryset(self, request: HttpRequest):
        return DeputyMembership.objects.visible_to(request.user).select_related("term__congress")


@admin.register(Deputy)
class DeputyAdmin(ScopedAdmin):
    form = DeputyForm
    upload_kinds = {"photo": uploads.PHOTOS}
    list_display = [
        "name",
        "gender",
        "birth_year",
        "party",
        "occupation",
        "phone_masked",
        "congresses",
    ]
    list_filter = ["gender", "party", ("memberships__congress", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "occupation"]
    readonly_fields = ["phone_masked"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest):
        from django.db.models import Prefetch

        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "memberships", queryset=DeputyMembership.objects.select_related("congress")
                )
            )
        )

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, obj: Deputy) -> str:
        if not obj.phone:
            return "—"
        request = current_request.get()
        if obj.pk and request is not None and policy.can(request.user, "deputy.reveal_phone", obj):
            url = reverse("admin:congress_deputy_reveal_phone", args=[obj.pk])
            return format_html('{} <a href="{}">{}</a>', obj.masked_phone, url, gettext("Show"))
        return obj.masked_phone

    @admin.display(description=_("congresses"))
    def congresses(self, obj: Deputy) -> str:
        return "、".join(
            sorted({m.congress.short_name or m.congress.name for m in obj.memberships.all()})
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/reveal-phone/",
                self.admin_site.admin_view(self.reveal_phone_view),
                name="congress_deputy_reveal_phone",
            )
        ] + super().get_urls()

    def reveal_phone_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        deputy = self.get_object(request, str(pk))
        if not policy.can(request.user, "deputy.reveal_phone", deputy):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "deputy": deputy,
            "opts": self.opts,
            "title": gettext("Mobile phone of %(name)s") % {"name": deputy.name},
        }
        if request.method == "POST":
            context["phone"] = services.reveal_deputy_phone(deputy, acting_user=request.user)
        return TemplateResponse(request, "admin/congress/deputy/reveal_phone.html", context)


class EndMembershipForm(forms.Form):
    status = forms.ChoiceField(
        label=_("new status"),
        choices=[
            (MembershipStatus.RESIGNED, MembershipStatus.RESIGNED.label),
            (MembershipStatus.TERMINATED, MembershipStatus.TERMINATED.label),
        ],
    )
    on = forms.DateField(label=_("effective date"), widget=DateInput())
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class RosterUploadForm(forms.Form):
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.none())
    file = forms.FileField(label=_("roster file (.xlsx)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = Term.objects.visible_to(
            user, "roster.import"
        ).select_related("congress")

    def clean_file(self):
        # Judged by its bytes (and its unpacked size), never by its name.
        return roster.accept_upload(self.cleaned_data["file"])


@admin.register(DeputyMembership)
class DeputyMembershipAdmin(ScopedAdmin):
    list_display = [
        "deputy",
        "congress",
        "term_ordinal",
        "constituency",
        "group",
        "start_date",
        "status",
    ]
    list_filter = ["status", ("congress", admin.RelatedOnlyFieldListFilter), "term__ordinal"]
    search_fields = ["deputy__name"]
    list_select_related = ["deputy", "congress", "term", "constituency", "group"]
    readonly_fields = ["status", "status_date", "status_reason", "end_date"]
    autocomplete_fields = ["deputy"]
    change_form_template = "admin/congress/deputymembership/change_form.html"
    change_list_template = "admin/congress/deputymembership/change_list.html"

    @admin.display(description=_("term"))
    def term_ordinal(self, obj: DeputyMembership) -> int:
        return obj.term.ordinal

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/end/", view(self.end_view), name="congress_deputymembership_end"),
            path("import/", view(self.import_view), name="congress_deputymembership_import"),
            path(
                "import/<int:batch_id>/",
                view(self.import_confirm_view),
                name="congress_deputymembership_import_confirm",
            ),
            path("export/", view(self.export_view), name="congress_deputymembership_export"),
        ] + super().get_urls()

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def end_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        membership = self.get_object(request, str(pk))
        if not self.has_change_permission(request, membership):
            raise Http404
        form = EndMembershipForm(request.POST or None, initial={"on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                services.end_membership(
                    membership,
                    status=form.cleaned_data["status"],
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("The membership has been ended."))
                return HttpResponseRedirect(
                    reverse("admin:congress_deputymembership_change", args=[membership.pk])
                )
        context = self._context(
            request,
            gettext("End membership: %(m)s") % {"m": membership},
            form=form,
            original=membership,
        )
        return TemplateResponse(request, "admin/congress/deputymembership/end.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not policy.can(request.user, "roster.import"):
            raise Http404
        form = RosterUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                batch, report = roster.create_import(
                    upload=form.cleaned_data["file"],
                    term=form.cleaned_data["term"],
                    acting_user=request.user,
                )
            except DomainError as exc:
                form.add_error("file", str(exc))
            else:
                job = roster.job_of(batch) if report is None else None
                if job is not None:  # a large file: checked in the background
                    return HttpResponseRedirect(reverse("core:job", args=[job.pk]))
                return HttpResponseRedirect(
                    reverse("admin:congress_deputymembership_import_confirm", args=[batch.pk])
                )
        context = self._context(
            request, gettext("Import deputy roster"), form=form, columns=roster.COLUMNS
        )
        return TemplateResponse(request, "admin/congress/deputymembership/import.html", context)

    def import_confirm_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = get_visible_or_404(RosterImport, request.user, batch_id, "roster.import")
        if request.method == "POST":
            try:
                count, import_job = roster.confirm_import(batch, acting_user=request.user)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                if import_job is not None:  # a large roster: written in the background
                    return HttpResponseRedirect(reverse("core:job", args=[import_job.pk]))
                messages.success(
                    request, gettext("%(count)s memberships were imported.") % {"count": count}
                )
                return HttpResponseRedirect(reverse("admin:congress_deputymembership_changelist"))
        running = roster.import_job_of(batch)
        if running is not None and running.is_running:
            return HttpResponseRedirect(reverse("core:job", args=[running.pk]))
        job = roster.job_of(batch)
        if job is not None and job.is_running:
            return HttpResponseRedirect(reverse("core:job", args=[job.pk]))
        report: roster.RosterReport | None = None
        if job is None:  # a small file: its rows checked again here and listed
            with batch.file.open("rb") as handle:
                try:
                    report = roster.preview_roster(handle.read(), batch.term)
                except DomainError as exc:
                    report = roster.RosterReport(rows=[], file_errors=[str(exc)])
        context = self._context(
            request,
            gettext("Import preview: %(name)s") % {"name": batch.original_name},
            batch=batch,
            report=report,
            job=job,
            ok=report.ok if report is not None else batch.status == "previewed",
            columns=roster.COLUMNS,
        )
        return TemplateResponse(
            request, "admin/congress/deputymembership/import_preview.html", context
        )

    def export_view(self, request: HttpRequest) -> HttpResponse:
        term = (
            Term.objects.visible_to(request.user, "roster.export")
            .filter(pk=request.GET.get("term") or 0)
            .first()
        )
        if term is None:
            terms = Term.objects.visible_to(request.user, "roster.export").select_related(
                "congress"
            )
            if not terms.exists():
                raise Http404
            return render(
                request,
                "admin/congress/deputymembership/export.html",
                self._context(request, gettext("Export deputy roster"), terms=terms),
            )
        return exports.attachment(
            roster.export_roster(term),
            f"roster-{term.congress_id}-{term.ordinal}.xlsx",
            action="roster.exported",
            obj=term,
            actor=request.user,
        )


# --- Departments and accounts --------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ["name", "short_name", "kind", "congress", "parent", "is_active"]
    list_filter = ["kind", "is_active", ("congress", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name"]
    list_select_related = ["congress", "parent"]


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "role", "congress", "department", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.request is not None
            and data.get("user") == self.request.user
            and not policy.is_superuser(self.request.user)
        ):
            raise forms.ValidationError(gettext("You cannot change your own roles."))
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedAdmin):
    view_perm = "accounts.manage"
    change_perm = "accounts.manage"
    form = RoleGrantForm
    list_display = ["user", "role", "congress", "department", "is_active", "created_at"]
    list_filter = ["role", "is_active", ("congress", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__name"]
    list_select_related = ["user", "congress", "department"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest):
        return RoleGrant.objects.visible_to(request.user, self.view_perm).select_related(
            "user", "congress", "department"
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                kw["request"] = request
                super().__init__(*args, **kw)

        return BoundForm

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        policy.forget(obj.user)


def visible_users(user):
    """Accounts an administrator manages: registered under, granted in, or seated in one of
    their congresses."""
    qs = User.objects.all()
    if policy.is_superuser(user):
        return qs
    ids = policy.congress_ids(user, "accounts.manage")
    return qs.filter(
        Q(home_congress_id__in=ids)
        | Q(grants__congress_id__in=ids)
        | Q(deputy__memberships__congress_id__in=ids)
    ).distinct()


class RendaUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["username", "name", "phone", "email"]


class RendaUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["username", "name", "phone", "email", "is_active"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ScopedAdmin):
    view_perm = "accounts.manage"
    change_perm = "accounts.manage"
    form = RendaUserChangeForm
    add_form = RendaUserCreationForm
    list_display = ["username", "name", "phone_masked", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "name"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone", "email"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "name", "phone", "email", "password1", "password2"],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ()

    def get_queryset(self, request: HttpRequest):
        return visible_users(request.user)

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, obj: User) -> str:
        return obj.masked_phone

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not change and not policy.is_superuser(request.user):
            ids = sorted(policy.congress_ids(request.user, "accounts.manage"))
            obj.home_congress_id = ids[0] if ids else None
        super().save_model(request, obj, form, change)


@admin.register(RosterImport)
class RosterImportAdmin(ScopedAdmin):
    list_display = [
        "original_name",
        "congress",
        "term",
        "status",
        "row_count",
        "error_count",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["congress", "term", "uploaded_by"]
    upload_kinds = {"file": frozenset({uploads.XLSX})}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- The action log: read-only, auditors only ------------------------------------------


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "action", "object_repr", "object_id", "note"]
    date_hierarchy = "created_at"
    actions = None
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        if policy.is_superuser(request.user):
            return qs
        return qs.filter(congress_id__in=policy.congress_ids(request.user, "audit.read"))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ActionLog._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, "audit.read")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "audit.read")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Official)
class OfficialAdmin(ScopedAdmin):
    list_display = ["name", "post", "congress", "department", "portfolio", "is_active"]
    list_filter = ["is_active", ("congress", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "post"]
    list_select_related = ["congress", "department"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The working-day calendar is shared by every congress of the installation."""

    list_display = ["date", "name", "is_workday", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    actions = None
    readonly_fields = ["source"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, "congress.view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "congress.view")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "configuration.change")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, "configuration.change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A mistaken holiday is corrected by editing it; deleting it silently moves deadlines.
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:  # noqa: ANN001
        before = audit.snapshot(Holiday.objects.get(pk=obj.pk)) if change else {}
        # A day the office entered or corrected is never overwritten by `load_holidays`.
        obj.source = HolidaySource.OFFICE
        super().save_model(request, obj, form, change)
        audit.record(
            f"holiday.{'updated' if change else 'created'}",
            obj,
            actor=request.user,
            changes=audit.diff(before, audit.snapshot(obj)),
        )


# --- Outgoing messages: SMS and e-mail deliveries, for the office ----------------------


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """What was sent by SMS and e-mail and what failed (provider errors, refused numbers,
    the daily cap), recipients masked and no message text; failed messages can be sent
    again once the cause is fixed. Installation-wide (the provider account is), so
    administrators only."""

    list_display = [
        "created_at",
        "channel",
        "kind",
        "masked_recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "provider_message_id",
        "delivery_report",
        "last_error",
    ]
    list_filter = ["status", "channel", "kind", ("created_at", admin.DateFieldListFilter)]
    readonly_fields = [
        "channel",
        "kind",
        "masked_recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "provider_message_id",
        "delivery_report",
        "last_error",
        "created_at",
    ]
    fields = tuple(readonly_fields)
    date_hierarchy = "created_at"
    actions = ["send_again"]
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest):
        # In-app messages are the users' inboxes, not deliveries to an outside service.
        return super().get_queryset(request).exclude(channel=OutboxChannel.INBOX)

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: OutboxMessage) -> str:
        return obj.masked_recipient

    @admin.display(description=_("provider message id"))
    def provider_message_id(self, obj: OutboxMessage) -> str:
        return str((obj.result or {}).get("message_id") or "")

    @admin.display(description=_("delivery report"))
    def delivery_report(self, obj: OutboxMessage) -> str:
        result = obj.result or {}
        if result.get("delivery") == "delivered":
            return gettext("Delivered")
        if result.get("delivery") == "failed":
            return gettext("Not delivered: %(error)s") % {"error": result.get("delivery_error")}
        return ""

    @admin.action(description=_("Send the selected failed messages again"))
    def send_again(self, request: HttpRequest, queryset: Any) -> None:
        ids = list(queryset.filter(status=OutboxStatus.FAILED).values_list("pk", flat=True))
        count = notify.requeue(ids)
        if count:
            audit.record(
                "outbox.requeued",
                actor=request.user,
                note=",".join(str(pk) for pk in ids)[:500],
            )
        self.message_user(
            request,
            gettext("%(n)s failed message(s) will be sent again.") % {"n": count},
            messages.SUCCESS,
        )

    def get_actions(self, request: HttpRequest):
        if not policy.can(request.user, "configuration.change"):
            return {}
        return super().get_actions(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, "configuration.change")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "configuration.change")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
