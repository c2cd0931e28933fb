"""Liaison stations (DOMAIN.md §3): the network of a town, deputies assigned to stations,
reception-day rules and duty shifts, reception records and their matters, dual contact,
constituency visits and industry contact points."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from renda.cases.models import Case, Category
from renda.congress.models import Congress, Constituency, Deputy, PerCongressRules, ScopedQuerySet
from renda.core.models import Area, Region, RegionLevel
from renda.core.validators import validate_cn_mobile


class StationRules(PerCongressRules, models.Model):
    """The numbers of DOMAIN.md §3 as one row per congress (defaults when none is set)."""

    congress = models.OneToOneField(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    announce_days_ahead = models.PositiveSmallIntegerField(
        _("announce receptions this many days ahead"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    min_duties_per_year = models.PositiveSmallIntegerField(
        _("minimum duty shifts per deputy and year"), default=1
    )
    deputies_per_shift = models.PositiveSmallIntegerField(
        _("deputies per shift"), default=2, validators=[MinValueValidator(1)]
    )
    checkin_code_minutes = models.PositiveSmallIntegerField(
        _("check-in code valid for (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    voter_contacts_per_year = models.PositiveSmallIntegerField(
        _("voter contacts per deputy and year"), default=10
    )
    presidium_contacts_per_year = models.PositiveSmallIntegerField(
        _("presidium contacts per paired deputy and year"), default=4
    )
    firms_per_deputy_min = models.PositiveSmallIntegerField(
        _("firms linked per deputy (minimum)"), default=3
    )
    firms_per_deputy_max = models.PositiveSmallIntegerField(
        _("firms linked per deputy (maximum)"), default=5
    )

    # Public pages read the rules: a congress without a row gets the defaults, unsaved.
    save_defaults_on_read = False

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("station rules")
        verbose_name_plural = _("station rules")

    def __str__(self) -> str:
        return str(self.congress)


class StationKind(models.TextChoices):
    CENTRAL = "central", _("Central station (中心站)")
    AREA = "area", _("Area station (片区联络站)")
    POINT = "point", _("Village / community contact point (联络点)")


class StationGrade(models.TextChoices):
    """The default grades every congress starts with (their codes are the ones stations
    store); a congress renames, reorders, deactivates or adds grades as
    `StationGradeLevel` rows."""

    STANDARD = "standard", _("Standard (标准)")
    HIGH = "high", _("High standard (高标准)")
    STAR = "star", _("Star-rated (星级)")


class StationGradeLevel(models.Model):
    """One grade of station a congress uses (标准 / 高标准 / 星级 by default, configurable).
    Stations store the code; the name and order are the congress's. Grades are never
    deleted: a grade no longer awarded is deactivated."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(
        _("code"), max_length=20, help_text=_("Stored on the stations; cannot be changed later.")
    )
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("station grade")
        verbose_name_plural = _("station grades")
        ordering = ["congress", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "code"], name="station_grade_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def for_congress(cls, congress_id: int) -> list[StationGradeLevel]:
        """The congress's grades in their order (inactive ones included). A congress
        without grades gets the defaults, saved with their names in the default language."""
        grades = list(cls.objects.filter(congress_id=congress_id).order_by("order", "id"))
        if grades:
            return grades
        with translation.override(settings.LANGUAGE_CODE):
            defaults = [
                cls(congress_id=congress_id, code=code, name=str(label), order=(i + 1) * 10)
                for i, (code, label) in enumerate(StationGrade.choices)
            ]
        cls.objects.bulk_create(defaults, ignore_conflicts=True)
        return list(cls.objects.filter(congress_id=congress_id).order_by("order", "id"))


# Which kind of station may sit under which.
PARENT_KIND = {
    StationKind.CENTRAL: None,
    StationKind.AREA: StationKind.CENTRAL,
    StationKind.POINT: StationKind.AREA,
}

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def in_network(day: dt.date | None = None, prefix: str = "") -> Q:
    """The stations of the network on `day` (default today; through `prefix`, e.g.
    "station__"): opened by then (or on a day not known) and either still active or closed
    only after it. An inactive station without a closing date counts on no day."""
    day = day or timezone.localdate()
    opened = Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": day})
    standing = Q(**{f"{prefix}is_active": True, f"{prefix}closed_on__isnull": True}) | Q(
        **{f"{prefix}closed_on__gt": day}
    )
    return opened & standing


class StationQuerySet(ScopedQuerySet):
    def in_network_on(self, day: dt.date | None = None):
        """The stations of the network on `day`, default today (`in_network`)."""
        return self.filter(in_network(day))

    def managed_by(self, user):
        """Stations the user may run: the office's staff run all of their congress's;
        a station manager runs the stations that list them as staff."""
        from renda.congress import policy

        if getattr(user, "is_superuser", False):
            return self.all()
        office = policy.congress_ids(user, "station.manage")
        managers = policy.congress_ids(user, "station.run")
        return self.filter(
            Q(congress_id__in=office)
            | Q(congress_id__in=managers, staff__user=user, staff__is_active=True)
        ).distinct()


class Station(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="stations"
    )
    kind = models.CharField(_("type"), max_length=8, choices=StationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Short code used in public links and QR codes.")
    )
    # A code of the congress's `StationGradeLevel`s (checked by the services and forms).
    grade = models.CharField(_("grade"), max_length=20, default=StationGrade.STANDARD)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area (片区)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    villages = models.ManyToManyField(
        Region,
        verbose_name=_("villages and communities covered"),
        blank=True,
        related_name="stations",
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    address = models.CharField(_("address"), max_length=200)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    open_weekdays = models.CharField(
        _("open weekdays"),
        max_length=7,
        default="01234",
        help_text=_("Digits of the weekdays the station is open, 0 = Monday … 6 = Sunday."),
    )
    phone = models.CharField(_("contact telephone"), max_length=20, blank=True)
    duties = models.TextField(_("duties (posted on the wall)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The network of a past year (the annual report) is read from these two dates: a station
    # counts from the day it opened (unknown: from always) up to the day before it closed
    # (an inactive station with no closing date: in no year).
    opened_on = models.DateField(
        _("opened on"),
        null=True,
        blank=True,
        help_text=_("Leave empty if not known: the station then counts in every year's network."),
    )
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_(
            "The day the station stopped working (set to today when it is made inactive); "
            "it counts in the network up to the day before."
        ),
    )

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")
        ordering = ["congress", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "code"], name="station_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day: dt.date) -> bool:
        return str(day.weekday()) in self.open_weekdays


class ThroughStation(ScopedQuerySet):
    congress_lookup = "station__congress_id"


class StaffRole(models.TextChoices):
    HEAD = "head", _("Station head (站长)")
    LIAISON = "liaison", _("Liaison officer (联络员)")


class StationStaff(models.Model):
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=8, choices=StaffRole.choices)
    name = models.CharField(_("name"), max_length=40)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="station_posts",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ThroughStation.as_manager()

    class Meta:
        verbose_name = _("station staff member")
        verbose_name_plural = _("station staff")
        ordering = ["station", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_role_display()}"

    def audit_congress_id(self) -> int:
        return self.station.congress_id


class DeputyWorkplace(models.Model):
    """Where a deputy works, when it is a town other than where they live: deputies who work
    in a town are assigned to its stations too (编组进站)."""

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="workplaces"
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": RegionLevel.TOWN},
    )
    employer = models.CharField(_("employer"), max_length=200)

    class Meta:
        verbose_name = _("deputy's workplace")
        verbose_name_plural = _("deputies' workplaces")
        constraints = [
            models.UniqueConstraint(fields=["deputy", "town"], name="workplace_unique_town")
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.employer}"


class StationMember(models.Model):
    """编组进站: a deputy (one person, whatever the number of congresses) in a station."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="members"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="station_seats"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy in a station")
        verbose_name_plural = _("deputies in stations")
        ordering = ["station", "deputy__name"]
        constraints = [
            # One current station per deputy and town: the person appears once.
            models.UniqueConstraint(
                fields=["congress", "deputy"],
                condition=Q(until__isnull=True),
                name="stationmember_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.deputy} @ {self.station}"


class RuleKind(models.TextChoices):
    WEEKLY = "weekly", _("Every week on a weekday")
    MONTH_DAY = "month_day", _("A day of each month")
    NTH_WEEKDAY = "nth_weekday", _("Given weeks of the month on a weekday")


class DutyRule(models.Model):
    """A fixed reception day: "every Wednesday", "the 15th", "1st and 3rd Tuesday"."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="rules"
    )
    kind = models.CharField(_("rule"), max_length=12, choices=RuleKind.choices)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=WEEKDAY_CHOICES, null=True, blank=True
    )
    month_day = models.PositiveSmallIntegerField(
        _("day of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    weeks = models.CharField(
        _("weeks of the month"),
        max_length=10,
        blank=True,
        help_text=_("Comma-separated, e.g. 1,3 for the first and third."),
    )
    start_time = models.TimeField(_("start time"), default=dt.time(9, 0))
    end_time = models.TimeField(_("end time"), default=dt.time(11, 30))
    deputies_per_shift = models.PositiveSmallIntegerField(
        _("deputies per shift"), null=True, blank=True
    )
    skip_holidays = models.BooleanField(_("skip public holidays"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ThroughStation.as_manager()

    class Meta:
        verbose_name = _("reception-day rule")
        verbose_name_plural = _("reception-day rules")
        ordering = ["station", "id"]

    def __str__(self) -> str:
        from renda.stations.rules import describe

        return describe(self)

    def audit_congress_id(self) -> int:
        return self.station.congress_id


class ShiftStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


SHIFT_TRANSITIONS = {
    ShiftStatus.SCHEDULED: {ShiftStatus.HELD, ShiftStatus.CANCELLED},
    ShiftStatus.HELD: set(),
    ShiftStatus.CANCELLED: set(),
}


class DutyShift(models.Model):
    """One reception: a station, a day, a time; the deputies on duty are DutyAssignments."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="shifts"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        DutyRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts",
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    status = models.CharField(
        _("status"), max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.SCHEDULED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    announced_at = models.DateTimeField(_("deputies notified at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["date", "start_time", "station"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "date", "start_time"], name="shift_unique_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.date:%Y-%m-%d} {self.start_time:%H:%M}"


class DutyStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    MISSED = "missed", _("Missed")
    REPLACED = "replaced", _("Replaced")


DUTY_TRANSITIONS = {
    DutyStatus.SCHEDULED: {DutyStatus.ATTENDED, DutyStatus.MISSED, DutyStatus.REPLACED},
    DutyStatus.ATTENDED: set(),
    DutyStatus.MISSED: set(),
    DutyStatus.REPLACED: set(),
}


class CheckinMethod(models.TextChoices):
    STAFF = "staff", _("Confirmed by station staff")
    QR = "qr", _("Deputy scanned the station code")


class DutyAssignment(models.Model):
    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="duties"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="duties"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DutyStatus.choices, default=DutyStatus.SCHEDULED
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    checkin_method = models.CharField(
        _("attendance confirmed by"), max_length=6, choices=CheckinMethod.choices, blank=True
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy on duty")
        verbose_name_plural = _("deputies on duty")
        ordering = ["shift", "deputy__name"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "deputy"], name="duty_unique_deputy"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.shift}"


class Reception(models.Model):
    """接待登记: one reception (a shift or a walk-in) with its visitors and matters."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="receptions"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    shift = models.ForeignKey(
        DutyShift,
        verbose_name=_("shift"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receptions",
    )
    date = models.DateField(_("date"), db_index=True)
    deputies = models.ManyToManyField(Deputy, verbose_name=_("deputies"), related_name="+")
    visitor_name = models.CharField(_("visitor's name"), max_length=40, blank=True)
    visitor_phone = models.CharField(
        _("visitor's mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile]
    )
    visitor_village = models.ForeignKey(
        Region,
        verbose_name=_("visitor's village / community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    visitor_count = models.PositiveSmallIntegerField(_("number of visitors"), default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reception record")
        verbose_name_plural = _("reception records")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.station} {self.date:%Y-%m-%d}"


class Disposition(models.TextChoices):
    PENDING = "pending", _("Recorded, not yet disposed")
    ANSWERED = "answered", _("Answered on the spot")
    CASE = "case", _("Became an opinion case")
    ESCALATED = "escalated", _("Escalated to the higher congress")
    SUGGESTION = "suggestion", _("Became a deputy's suggestion draft")
    REDIRECTED = "redirected", _("Redirected (litigation, petition…)")


DISPOSITION_TRANSITIONS: dict[str, set[str]] = {
    Disposition.PENDING: {
        Disposition.ANSWERED,
        Disposition.CASE,
        Disposition.ESCALATED,
        Disposition.SUGGESTION,
        Disposition.REDIRECTED,
    },
    **{d.value: set() for d in Disposition if d != Disposition.PENDING},
}


class ReceptionMatter(models.Model):
    reception = models.ForeignKey(
        Reception, verbose_name=_("reception"), on_delete=models.PROTECT, related_name="matters"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField(_("matter raised"), max_length=5000)
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy who forwards it"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("disposition"), max_length=12, choices=Disposition.choices, default=Disposition.PENDING
    )
    note = models.TextField(_("answer or reason"), blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    suggestion_id = models.PositiveIntegerField(_("suggestion draft"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("matter raised at a reception")
        verbose_name_plural = _("matters raised at receptions")
        ordering = ["reception", "id"]

    def __str__(self) -> str:
        return self.content[:30]


class StationCase(models.Model):
    """A public opinion submitted through a station's or a deputy's QR code (站点码, 代表码)."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qr_cases",
    )
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion received through a QR code")
        verbose_name_plural = _("opinions received through QR codes")

    def __str__(self) -> str:
        return str(self.case)


class PairingKind(models.TextChoices):
    PRESIDIUM = "presidium", _("Presidium member ↔ deputy")
    VOTERS = "voters", _("Deputy ↔ voter household")


class ContactPairing(models.Model):
    """双联系: who keeps in touch with whom, and how often."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PairingKind.choices)
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy (contact keeper)"),
        on_delete=models.PROTECT,
        related_name="pairings",
        help_text=_("The presidium member, or the deputy in touch with voters."),
    )
    contact_deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("paired deputy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    household = models.CharField(_("voter household"), max_length=100, blank=True)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village / community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_per_year = models.PositiveSmallIntegerField(_("target contacts per year"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact pairing")
        verbose_name_plural = _("contact pairings (双联系)")
        ordering = ["congress", "kind", "deputy__name"]

    def __str__(self) -> str:
        other = self.contact_deputy.name if self.contact_deputy else self.household
        return f"{self.deputy} ↔ {other}"


class ContactKind(models.TextChoices):
    PAIRING = "pairing", _("Dual-contact visit")
    CONSTITUENCY = "constituency", _("Visit to the constituency (回选区访选民)")


class ContactLog(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=ContactKind.choices)
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="contact_logs"
    )
    pairing = models.ForeignKey(
        ContactPairing,
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="logs",
    )
    constituency = models.ForeignKey(
        Constituency,
        verbose_name=_("constituency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    date = models.DateField(_("date"))
    voters_met = models.PositiveSmallIntegerField(_("voters met"), default=1)
    summary = models.TextField(_("summary"), max_length=2000)
    issues = models.TextField(_("issues raised"), max_length=5000, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact log")
        verbose_name_plural = _("contact logs")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.deputy} {self.date:%Y-%m-%d}"


class IndustryPoint(models.Model):
    """产业发展联系点: a host firm or an industry chain that deputies keep in touch with."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="industry_points",
    )
    name = models.CharField(_("name"), max_length=100)
    host = models.CharField(_("host firm or industry chain"), max_length=200)
    sector = models.CharField(_("sector"), max_length=60)
    deputies = models.ManyToManyField(
        Deputy, verbose_name=_("deputies"), related_name="industry_points", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("industry contact point")
        verbose_name_plural = _("industry contact points")
        ordering = ["congress", "name"]

    def __str__(self) -> str:
        return self.name


class ThroughPoint(ScopedQuerySet):
    congress_lookup = "point__congress_id"


class LinkedFirm(models.Model):
    point = models.ForeignKey(
        IndustryPoint,
        verbose_name=_("contact point"),
        on_delete=models.PROTECT,
        related_name="firms",
    )
    name = models.CharField(_("firm"), max_length=200)
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy in contact"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ThroughPoint.as_manager()

    class Meta:
        verbose_name = _("linked firm")
        verbose_name_plural = _("linked firms")
        ordering = ["point", "name"]
        constraints = [
            models.UniqueConstraint(fields=["point", "name"], name="linkedfirm_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def audit_congress_id(self) -> int:
        return self.point.congress_id


class IndustryActivity(models.Model):
    point = models.ForeignKey(
        IndustryPoint,
        verbose_name=_("contact point"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("activity"), max_length=200)
    deputies = models.ManyToManyField(Deputy, verbose_name=_("participants"), related_name="+")
    issues = models.TextField(_("issues raised"), blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ThroughPoint.as_manager()

    class Meta:
        verbose_name = _("industry contact activity")
        verbose_name_plural = _("industry contact activities")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_congress_id(self) -> int:
        return self.point.congress_id
