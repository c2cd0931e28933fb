"""The kinds of entry of a deputy's service record (履职档案): one per thing a deputy does or
misses, whichever module records it. The points table and the targets are set per kind."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DUTY_HELD = "duty_held", _("Duty shift held")
    DUTY_MISSED = "duty_missed", _("Duty shift missed")
    RECEPTION = "reception", _("Reception of visitors")
    MATTER = "matter", _("Matter forwarded from a reception")
    SUGGESTION_LED = "suggestion_led", _("Suggestion led")
    SUGGESTION_COSIGNED = "suggestion_cosigned", _("Suggestion co-signed")
    MOTION_LED = "motion_led", _("Motion led")
    SESSION_ATTENDED = "session_attended", _("Session attended")
    SESSION_ABSENT = "session_absent", _("Session missed")
    VOTE = "vote", _("Took part in a vote")
    APPRAISAL_REPORT = "appraisal_report", _("Performance report given")
    INSPECTION = "inspection", _("Inspection, survey or law check")
    TRAINING = "training", _("Training or study session")
    ACTIVITY = "activity", _("Other activity")
    ACTIVITY_ABSENT = "activity_absent", _("Activity missed without leave")
    DUAL_CONTACT = "dual_contact", _("Dual-contact visit (双联系)")
    CONSTITUENCY_VISIT = "constituency_visit", _("Visit to the constituency (回选区)")
    INDUSTRY = "industry", _("Industry contact point activity")


class Period(models.TextChoices):
    YEAR = "year", _("per year")
    QUARTER = "quarter", _("per quarter")


class Bonus(models.TextChoices):
    """Conditions an entry may meet that earn a rule's bonus (tags set by the collectors)."""

    NONE = "", _("no bonus")
    SOLVED = "solved", _("reply class A (solved)")
    SATISFIED = "satisfied", _("rated satisfied")
    ORGANISER = "organiser", _("organiser or lecturer")
    CHECKED_IN = "checked_in", _("checked in by the station code")
