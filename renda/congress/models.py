"""The congress domain (DOMAIN.md §1): congresses, terms, sessions, deputies and their
memberships, the presidium, departments, and the role grants that scope every user."""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.core import uploads
from renda.core.masking import mask_phone
from renda.core.models import Region, RegionLevel
from renda.core.validators import validate_cn_mobile, validate_document, validate_photo


class ScopedQuerySet(models.QuerySet):
    """Rows that hang off a congress. `congress_lookup` names the path to the congress id;
    `visible_to(user)` keeps the rows of the congresses the user may see (policy module)."""

    congress_lookup = "congress_id"

    def in_congresses(self, congress_ids):
        return self.filter(**{f"{self.congress_lookup}__in": congress_ids})

    def visible_to(self, user, perm: str = "congress.view"):
        from renda.congress import policy

        if getattr(user, "is_superuser", False):
            return self.all()
        return self.in_congresses(policy.readable_congress_ids(user, perm))


class PerCongressRules:
    """Mixin of a model holding one row of configurable rules per congress (a `congress`
    one-to-one field; the field defaults are the common rules). `for_congress()` is the
    one way to read them. By default the first read saves the row of defaults; a model
    whose reads must not write (e.g. from public pages) sets `save_defaults_on_read =
    False` and gets an unsaved row of defaults instead."""

    save_defaults_on_read: bool = True

    @classmethod
    def for_congress(cls, congress_id: int) -> Self:
        manager = cls.objects  # type: ignore[attr-defined]
        if cls.save_defaults_on_read:
            rules, _created = manager.get_or_create(congress_id=congress_id)
            return rules
        found = manager.filter(congress_id=congress_id).first()
        return found if found is not None else cls(congress_id=congress_id)  # type: ignore[call-arg]


class CongressLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("District / county")
    TOWN = "town", _("Town / township")


class CongressQuerySet(ScopedQuerySet):
    congress_lookup = "id"


class Congress(models.Model):
    """A region's People's Congress (人民代表大会)."""

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=CongressLevel.choices)
    region = models.OneToOneField(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="congress",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("higher congress"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    serial_prefix = models.CharField(
        _("serial number prefix"),
        max_length=8,
        help_text=_("Letters that start this congress's serial numbers, e.g. QS."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CongressQuerySet.as_manager()

    class Meta:
        verbose_name = _("congress")
        verbose_name_plural = _("congresses")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_congress_id(self) -> int | None:
        return self.pk

    @property
    def congress_id(self) -> int | None:  # uniform access for the policy module
        return self.pk

    def clean(self) -> None:
        level_of_region = {
            RegionLevel.PROVINCE: CongressLevel.PROVINCE,
            RegionLevel.CITY: CongressLevel.CITY,
            RegionLevel.COUNTY: CongressLevel.COUNTY,
            RegionLevel.TOWN: CongressLevel.TOWN,
        }
        if (
            self.region is not None
            and level_of_region.get(RegionLevel(self.region.level)) != self.level
        ):
            raise ValidationError(
                {"region": _("The region's level does not match the congress's level.")}
            )
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A congress cannot be its own higher congress.")})

    def current_term(self) -> Term | None:
        return self.terms.filter(is_current=True).first()


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class TermQuerySet(ScopedQuerySet):
    pass


class Term(models.Model):
    """届: a congress's five-year term (宪法 / 地方组织法: five years)."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="terms"
    )
    ordinal = models.PositiveSmallIntegerField(_("ordinal (届)"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current term"), default=False)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["congress", "-ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "ordinal"], name="term_unique_ordinal"),
            # One current term per congress, enforced by the database as well as by clean().
            models.UniqueConstraint(
                fields=["congress"], condition=Q(is_current=True), name="term_one_current"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="term_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return _("%(congress)s, term %(ordinal)s (%(start)s–%(end)s)") % {
            "congress": self.congress,
            "ordinal": self.ordinal,
            "start": self.start_date.year,
            "end": self.end_date.year,
        }

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.start_date and self.end_date:
            if self.end_date <= self.start_date:
                errors.setdefault("end_date", []).append(_("The term must end after it starts."))
            elif self.end_date > _add_years(self.start_date, 5) + dt.timedelta(days=183):
                errors.setdefault("end_date", []).append(
                    _("A term lasts five years; this end date is too late.")
                )
        if self.is_current and self.congress_id:
            clash = Term.objects.filter(congress_id=self.congress_id, is_current=True).exclude(
                pk=self.pk
            )
            if clash.exists():
                errors.setdefault("is_current", []).append(
                    _(
                        "This congress already has a current term. Mark that term as not current first."
                    )
                )
        if self.congress_id and self.start_date and self.end_date:
            overlap = Term.objects.filter(
                congress_id=self.congress_id,
                start_date__lt=self.end_date,
                end_date__gt=self.start_date,
            ).exclude(pk=self.pk)
            if overlap.exists():
                errors.setdefault("start_date", []).append(
                    _("This term overlaps another term of the congress.")
                )
        if errors:
            raise ValidationError(errors)

    def contains(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


class ScopedThroughTerm(ScopedQuerySet):
    congress_lookup = "term__congress_id"


class SessionKind(models.TextChoices):
    REGULAR = "regular", _("Regular session")
    EXTRA = "extra", _("Extraordinary session")


class Session(models.Model):
    """第N次会议 of a term."""

    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="sessions"
    )
    ordinal = models.PositiveSmallIntegerField(_("session number"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.REGULAR
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)

    objects = ScopedThroughTerm.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["term", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["term", "ordinal"], name="session_unique_ordinal"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="session_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return _("Term %(term)s, session %(ordinal)s") % {
            "term": self.term.ordinal,
            "ordinal": self.ordinal,
        }

    def audit_congress_id(self) -> int | None:
        return self.term.congress_id

    @property
    def congress_id(self) -> int:
        return self.term.congress_id

    def clean(self) -> None:
        if not (self.term_id and self.start_date and self.end_date):
            return
        if self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The session cannot end before it starts.")})
        if not (self.term.contains(self.start_date) and self.term.contains(self.end_date)):
            raise ValidationError(
                {
                    "start_date": _("The session must fall within its term (%(start)s to %(end)s).")
                    % {"start": self.term.start_date, "end": self.term.end_date}
                }
            )


class ScopedThroughSession(ScopedQuerySet):
    congress_lookup = "session__term__congress_id"


class AgendaItem(models.Model):
    """An item on a session's agenda, with its document."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=200)
    document = models.FileField(
        _("document"),
        upload_to=uploads.GeneratedName("agenda/%Y/"),
        blank=True,
        validators=[validate_document],
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedThroughSession.as_manager()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "order"]

    def __str__(self) -> str:
        return self.title

    def audit_congress_id(self) -> int | None:
        return self.session.term.congress_id


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Party(models.TextChoices):
    CPC = "cpc", _("Communist Party of China member")
    CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
    DEMOCRATIC = "democratic", _("Member of a democratic party")
    NONE = "none", _("No party affiliation")


class DeputyQuerySet(models.QuerySet):
    def visible_to(self, user, perm: str = "congress.view"):
        """A person is visible where one of their memberships is."""
        from renda.congress import policy

        if getattr(user, "is_superuser", False):
            return self.all()
        ids = policy.readable_congress_ids(user, perm)
        return self.filter(
            id__in=DeputyMembership.objects.filter(congress_id__in=ids).values("deputy_id")
        )


class Deputy(models.Model):
    """One person who is (or was) a deputy, whatever the number of congresses."""

    name = models.CharField(_("full name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    party = models.CharField(
        _("political affiliation"), max_length=20, choices=Party.choices, default=Party.NONE
    )
    occupation = models.CharField(_("workplace and position"), max_length=200, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )
    holds_government_post = models.BooleanField(
        _("holds a government post"),
        default=False,
        help_text=_("The presidium's chair and vice-chairs may not hold government posts."),
    )
    residence = models.ForeignKey(
        Region,
        verbose_name=_("place of residence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    photo = models.FileField(
        _("photo"),
        upload_to=uploads.GeneratedName("deputies/"),
        blank=True,
        validators=[validate_photo],
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deputy",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DeputyQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["name", "id"]
        constraints = [
            # One person, one record: a mobile number identifies the person.
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="deputy_unique_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def audit_congress_id(self) -> int | None:
        first = self.memberships.order_by("id").values_list("congress_id", flat=True).first()
        return first


class Constituency(models.Model):
    """选区: the electoral district a deputy was elected in."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="constituencies",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)
    regions = models.ManyToManyField(
        Region, verbose_name=_("villages and communities covered"), blank=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("constituency")
        verbose_name_plural = _("constituencies")
        ordering = ["congress", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "number"], name="constituency_unique_number"
            ),
            models.UniqueConstraint(fields=["congress", "name"], name="constituency_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class DeputyGroup(models.Model):
    """代表小组."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="deputy_groups"
    )
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy group")
        verbose_name_plural = _("deputy groups")
        ordering = ["congress", "name"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "name"], name="deputygroup_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESIGNED = "resigned", _("Resigned")
    TERMINATED = "terminated", _("Terminated")


# Transitions are data; only services change a status (STYLE.md §2).
MEMBERSHIP_TRANSITIONS = {
    MembershipStatus.ACTIVE: {MembershipStatus.RESIGNED, MembershipStatus.TERMINATED},
    MembershipStatus.RESIGNED: set(),
    MembershipStatus.TERMINATED: set(),
}


class MembershipQuerySet(ScopedQuerySet):
    def active_on(self, day: dt.date | None = None):
        day = day or timezone.localdate()
        return self.filter(status=MembershipStatus.ACTIVE, start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )


class DeputyMembership(models.Model):
    """A person's seat in one congress for one term."""

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="memberships"
    )
    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.PROTECT,
        related_name="memberships",
        editable=False,
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="memberships"
    )
    constituency = models.ForeignKey(
        Constituency,
        verbose_name=_("constituency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    group = models.ForeignKey(
        DeputyGroup,
        verbose_name=_("deputy group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy membership")
        verbose_name_plural = _("deputy memberships")
        ordering = ["congress", "deputy__name"]
        constraints = [
            models.UniqueConstraint(fields=["deputy", "term"], name="membership_one_per_term"),
        ]

    def __str__(self) -> str:
        return _("%(deputy)s, deputy to %(congress)s") % {
            "deputy": self.deputy,
            "congress": self.congress,
        }

    def save(self, *args, **kwargs):
        # The congress is the term's: stored for scoping, never chosen independently.
        if self.term_id:
            self.congress_id = self.term.congress_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if not self.term_id:
            return
        term = self.term
        if self.start_date and not term.contains(self.start_date):
            errors.setdefault("start_date", []).append(
                _("The membership must start within its term (%(start)s to %(end)s).")
                % {"start": term.start_date, "end": term.end_date}
            )
        if self.end_date and not term.contains(self.end_date):
            errors.setdefault("end_date", []).append(
                _("The membership must end within its term (%(start)s to %(end)s).")
                % {"start": term.start_date, "end": term.end_date}
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(
                _("The membership cannot end before it starts.")
            )
        if self.constituency is not None and self.constituency.congress_id != term.congress_id:
            errors.setdefault("constituency", []).append(
                _("The constituency belongs to another congress.")
            )
        if self.group is not None and self.group.congress_id != term.congress_id:
            errors.setdefault("group", []).append(
                _("The deputy group belongs to another congress.")
            )
        if self.deputy_id:
            clash = DeputyMembership.objects.filter(
                deputy_id=self.deputy_id, term_id=self.term_id
            ).exclude(pk=self.pk)
            if clash.exists():
                errors.setdefault("deputy", []).append(
                    _("This person already has a membership in this term.")
                )
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class PresidiumRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")


class PresidiumMembership(models.Model):
    """A seat on the presidium elected at a session (主席团成员)."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="presidium"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="presidium_seats"
    )
    role = models.CharField(
        _("role"), max_length=12, choices=PresidiumRole.choices, default=PresidiumRole.MEMBER
    )

    objects = ScopedThroughSession.as_manager()

    class Meta:
        verbose_name = _("presidium membership")
        verbose_name_plural = _("presidium memberships")
        ordering = ["session", "role", "deputy__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "deputy"], name="presidium_unique_deputy"),
            models.UniqueConstraint(
                fields=["session"], condition=Q(role="chair"), name="presidium_one_chair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} ({self.get_role_display()})"

    def audit_congress_id(self) -> int | None:
        return self.session.term.congress_id

    def clean(self) -> None:
        if not (self.session_id and self.deputy_id):
            return
        session = self.session
        seated = DeputyMembership.objects.filter(
            deputy_id=self.deputy_id, term_id=session.term_id, status=MembershipStatus.ACTIVE
        ).exists()
        if not seated:
            raise ValidationError(
                {"deputy": _("Only an active deputy of this term can sit on the presidium.")}
            )
        if (
            self.role in (PresidiumRole.CHAIR, PresidiumRole.VICE_CHAIR)
            and self.deputy.holds_government_post
        ):
            raise ValidationError(
                {"role": _("The chair and vice-chairs may not hold government posts.")}
            )
        if self.role == PresidiumRole.CHAIR:
            other = PresidiumMembership.objects.filter(
                session_id=self.session_id, role=PresidiumRole.CHAIR
            ).exclude(pk=self.pk)
            if other.exists():
                raise ValidationError({"role": _("This session's presidium already has a chair.")})


class DepartmentKind(models.TextChoices):
    TOWN_OFFICE = "town_office", _("Town government office")
    SERVICE_STATION = "service_station", _("Town service station or centre")
    DISTRICT_BUREAU = "district_bureau", _("District government department")
    OTHER = "other", _("Other handling unit")


class Department(models.Model):
    """承办单位: a unit that must answer the cases a congress assigns to it."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("answers to congress"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    contact_phone = models.CharField(_("office phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["congress", "name"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is not None and self.parent.congress_id != self.congress_id:
            raise ValidationError(
                {"parent": _("The parent unit must answer to the same congress.")}
            )
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A unit cannot be its own parent.")})


class Role(models.TextChoices):
    """Roles a grant can give. 'Deputy' comes from an active membership, 'public' is any
    resident: neither needs a grant."""

    STAFF = "staff", _("Presidium office staff")
    LEADER = "leader", _("Presidium leader")
    HANDLER = "handler", _("Department handler")
    STATION_MANAGER = "station_manager", _("Station manager")
    ADMIN = "admin", _("System administrator")
    AUDITOR = "auditor", _("Auditor")


class RoleGrantQuerySet(ScopedQuerySet):
    pass


class RoleGrant(models.Model):
    """User + role + scope. The scope is a congress; a handler's grant also names the
    department it acts for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="grants"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["congress", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "congress", "department"], name="grant_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "congress"],
                condition=Q(department__isnull=True),
                name="grant_unique_no_dept",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department or self.congress
        return f"{self.user} · {self.get_role_display()} · {scope}"

    def clean(self) -> None:
        if self.role == Role.HANDLER and not self.department_id:
            raise ValidationError({"department": _("A handler's grant must name a department.")})
        if self.role != Role.HANDLER and self.department_id:
            raise ValidationError({"department": _("Only a handler's grant names a department.")})
        if (
            self.department is not None
            and self.congress_id
            and self.department.congress_id != self.congress_id
        ):
            raise ValidationError({"department": _("The department answers to another congress.")})


class RosterImportStatus(models.TextChoices):
    # A large file is checked by a background job (renda.congress.roster.preview_job).
    CHECKING = "checking", _("Being checked")
    PREVIEWED = "previewed", _("Previewed")
    IMPORTED = "imported", _("Imported")
    REJECTED = "rejected", _("Rejected")


# A rejected roster is uploaded again (a new import); an imported one is final.
ROSTER_IMPORT_TRANSITIONS = {
    RosterImportStatus.CHECKING: {RosterImportStatus.PREVIEWED, RosterImportStatus.REJECTED},
    RosterImportStatus.PREVIEWED: {RosterImportStatus.IMPORTED},
    RosterImportStatus.IMPORTED: set(),
    RosterImportStatus.REJECTED: set(),
}


class RosterImport(models.Model):
    """An uploaded deputy roster (.xlsx): kept, previewed, then imported all or nothing."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=uploads.GeneratedName("roster-imports/%Y/"))
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RosterImportStatus.choices,
        default=RosterImportStatus.PREVIEWED,
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class OfficialQuerySet(ScopedQuerySet):
    pass


class Official(models.Model):
    """A government official who answers to the congress (e.g. a deputy mayor, 副镇长) and
    reports to it in performance reviews."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("answers to congress"),
        on_delete=models.PROTECT,
        related_name="officials",
    )
    name = models.CharField(_("full name"), max_length=40)
    post = models.CharField(_("post"), max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
    )
    portfolio = models.CharField(_("portfolio"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in office"), default=True)

    objects = OfficialQuerySet.as_manager()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["congress", "post", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）"

    def clean(self) -> None:
        if self.department is not None and self.department.congress_id != self.congress_id:
            raise ValidationError({"department": _("The department answers to another congress.")})
