"""The voting engine: polls, the electorate fixed at opening, participation kept apart
from anonymous ballots, one-time voter codes, paper ballots entered by two tellers,
results computed once at close and frozen.

Secrecy by construction (docs/ballots.md, "Secrecy"): while a poll is open, a cast stores
its participation and a SealedBallot — the ballot sealed to the poll's public key, of one
size, with no channel and no receipt in clear. The private key exists only as shares
handed to the tellers and the chair. At close, the boxes are opened with their shares
and the Ballot rows are written in one transaction, in random order: no user, no elector,
no channel, no time, a random id. Who took part is recorded in Participation, with the
day only.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.congress.models import AgendaItem, Congress, Deputy, ScopedQuerySet, Session


def random_id() -> int:
    """A random 62-bit primary key: ids reveal neither order nor count."""
    return secrets.randbits(62) or 1


class RandomIdField(models.BigIntegerField):
    """A random 64-bit primary key. On SQLite it is declared INTEGER so that it *is* the
    rowid: the table is stored in random-id order, not in the order ballots were cast."""

    def db_type(self, connection):  # noqa: ANN001, ANN201
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed, result frozen")
    PUBLISHED = "published", _("Result published")
    VOID = "void", _("Void")


# Each state only from its predecessor.
POLL_TRANSITIONS = {
    PollStatus.DRAFT: {PollStatus.OPEN},
    PollStatus.OPEN: {PollStatus.CLOSED, PollStatus.VOID},
    PollStatus.CLOSED: {PollStatus.PUBLISHED, PollStatus.VOID},
    PollStatus.PUBLISHED: set(),
    PollStatus.VOID: set(),
}


class Method(models.TextChoices):
    RATING = "rating", _("Rating of each subject")
    APPROVAL = "approval", _("For / against / abstain on each item")
    CHOOSE = "choose", _("Choose up to N of the candidates")


class Scale(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfied / basically satisfied / unsatisfied")
    COMPETENCE = "competence", _("Excellent / competent / basically competent / incompetent")
    APPROVAL = "approval", _("For / against / abstain")
    CHOICE = "choice", _("Chosen / not chosen")


# Grades of each scale, best first (the order the result rule reads).
SCALE_GRADES: dict[str, list[tuple[str, object]]] = {
    Scale.SATISFACTION: [
        ("satisfied", _("Satisfied")),
        ("basic", _("Basically satisfied")),
        ("unsatisfied", _("Unsatisfied")),
    ],
    Scale.COMPETENCE: [
        ("excellent", _("Excellent")),
        ("competent", _("Competent")),
        ("basic", _("Basically competent")),
        ("incompetent", _("Incompetent")),
    ],
    Scale.APPROVAL: [("yes", _("For")), ("no", _("Against")), ("abstain", _("Abstain"))],
    Scale.CHOICE: [("chosen", _("Chosen"))],
}
EXTRA_CHOICES = {"abstain": _("Abstain"), "unknown": _("Do not know")}


class Base(models.TextChoices):
    ENTITLED = "entitled", _("All entitled voters")
    PRESENT = "present", _("Voters present")
    CAST = "cast", _("Ballots cast")
    VALID = "valid", _("Valid votes (abstentions excluded)")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    CODE = "code", _("One-time voter code")
    PAPER = "paper", _("Paper ballot")


class PollKind(models.TextChoices):
    GENERAL = "general", _("Vote or rating")
    RESOLUTION = "resolution", _("Resolution on an agenda item")
    ELECTION = "election", _("Election")


class Electorate(models.TextChoices):
    DEPUTIES = "deputies", _("Deputies of the congress (present ones marked at opening)")
    INVITED = "invited", _("Invited voters with one-time voter codes")


class Poll(models.Model):
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="polls"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="polls",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="polls",
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=PollKind.choices, default=PollKind.GENERAL
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("explanation for voters"), blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    scale = models.CharField(_("scale"), max_length=14, choices=Scale.choices)
    allow_abstain = models.BooleanField(_("abstention allowed"), default=False)
    allow_unknown = models.BooleanField(_("'do not know' allowed"), default=False)
    max_choices = models.PositiveSmallIntegerField(
        _("at most this many choices"), null=True, blank=True
    )
    seats = models.PositiveSmallIntegerField(_("places"), null=True, blank=True)
    allow_write_ins = models.BooleanField(
        _("write-ins allowed (另选他人)"),
        default=False,
        help_text=_("Voters may write the name of someone who is not on the ballot."),
    )
    electorate_kind = models.CharField(
        _("electorate"), max_length=10, choices=Electorate.choices, default=Electorate.DEPUTIES
    )
    codes_planned = models.PositiveIntegerField(
        _("voter codes to print"), default=0, help_text=_("For invited voters.")
    )
    uses_paper = models.BooleanField(_("paper ballots"), default=False)
    base = models.CharField(
        _("base of the threshold"), max_length=10, choices=Base.choices, default=Base.CAST
    )
    threshold_num = models.PositiveSmallIntegerField(_("threshold numerator"), default=1)
    threshold_den = models.PositiveSmallIntegerField(_("threshold denominator"), default=2)
    threshold_strict = models.BooleanField(_("strictly more than the threshold"), default=True)
    is_secret = models.BooleanField(_("secret ballot"), default=True)
    min_group = models.PositiveSmallIntegerField(
        _("smallest group whose results are shown"),
        default=5,
        help_text=_("Results of polls with fewer ballots are not shown in detail."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PollStatus.choices, default=PollStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("voting opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("voting closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("result published at"), null=True, blank=True)
    paper_issued = models.PositiveIntegerField(_("paper ballots issued"), default=0)
    paper_returned = models.PositiveIntegerField(_("paper ballots returned"), default=0)
    result = models.JSONField(_("frozen result"), null=True, blank=True)
    export_sha256 = models.CharField(_("SHA-256 of the ballot export"), max_length=64, blank=True)
    void_reason = models.TextField(_("why the poll is void"), blank=True)
    key_threshold = models.PositiveSmallIntegerField(
        _("key shares needed to count"),
        default=2,
        help_text=_("How many of the key holders must enter their shares to close the poll."),
    )
    key_holders = models.PositiveSmallIntegerField(
        _("key shares handed out"),
        default=3,
        help_text=_("The tellers and the chair: one printed share each, handed out at opening."),
    )
    public_key = models.CharField(
        _("public key of the ballot box"), max_length=64, blank=True, editable=False
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    def audit_congress_id(self) -> int:
        return self.congress_id

    @property
    def is_counted(self) -> bool:
        return self.status in (PollStatus.CLOSED, PollStatus.PUBLISHED)

    def grade_labels(self) -> dict[str, object]:
        labels: dict[str, object] = dict(SCALE_GRADES[self.scale])
        labels.update(EXTRA_CHOICES)
        if self.scale == Scale.APPROVAL:
            labels["abstain"] = SCALE_GRADES[Scale.APPROVAL][2][1]
        return labels

    def grades(self) -> list[str]:
        codes = [code for code, _label in SCALE_GRADES[self.scale]]
        if self.allow_abstain and "abstain" not in codes:
            codes.append("abstain")
        if self.allow_unknown:
            codes.append("unknown")
        return codes


class PollSubject(models.Model):
    """What is rated or voted on: a person, a project, an agenda item, a candidate."""

    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="subjects"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["poll", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Elector(models.Model):
    """One entitled voter, fixed when the poll opens."""

    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="electors"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=60)
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        verbose_name = _("elector")
        verbose_name_plural = _("electorate")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "user"], condition=Q(user__isnull=False), name="elector_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Participation(models.Model):
    """Who took part (never what they chose). One per elector: the database refuses a second."""

    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="participations"
    )
    elector = models.ForeignKey(
        Elector,
        verbose_name=_("elector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    on_date = models.DateField(_("day"))

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "elector"],
                condition=Q(elector__isnull=False),
                name="participation_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.elector_id}"


class SealedBallot(models.Model):
    """A ballot cast while the poll is open, sealed to the poll's public key: padded to the
    poll's one size, with its channel, receipt and marks inside. Written with its
    participation (they share a transaction), opened and discarded at close."""

    id = RandomIdField(primary_key=True, default=random_id, editable=False)
    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="sealed_ballots"
    )
    box = models.BinaryField(_("sealed ballot"))

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return f"sealed ballot of poll {self.poll_id}"


class Ballot(models.Model):
    """An opened ballot, written at close with all the others of its poll in one
    transaction, in random order: no user, no elector, no channel, no time, a random id."""

    id = RandomIdField(primary_key=True, default=random_id, editable=False)
    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="ballots"
    )
    receipt_hash = models.CharField(_("receipt (hashed)"), max_length=64, blank=True)
    invalid = models.BooleanField(
        _("invalid ballot (废票)"),
        default=False,
        help_text=_("A paper ballot the tellers found void, e.g. with more names than places."),
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return f"ballot of poll {self.poll_id}"


class BallotMark(models.Model):
    id = RandomIdField(primary_key=True, default=random_id, editable=False)
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.PROTECT, related_name="marks"
    )
    subject = models.ForeignKey(
        PollSubject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="marks"
    )
    choice = models.CharField(_("choice"), max_length=12)

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "subject"], name="mark_once_per_subject")
        ]

    def __str__(self) -> str:
        return self.choice


class VoterCode(models.Model):
    """A one-time code printed on a slip handed out at random: single use, void at close."""

    id = RandomIdField(primary_key=True, default=random_id, editable=False)
    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="codes"
    )
    code_hash = models.CharField(_("code (hashed)"), max_length=64, unique=True)
    used = models.BooleanField(_("used"), default=False)
    void = models.BooleanField(_("void"), default=False)

    class Meta:
        verbose_name = _("voter code")
        verbose_name_plural = _("voter codes")

    def __str__(self) -> str:
        return f"code of poll {self.poll_id}"


class PaperBatch(models.Model):
    """Paper ballots of one batch as entered by the first teller (监票人/计票人); the second
    teller enters them again and the batch counts only when both agree. The first entry is
    kept only as keyed digests (one per ballot, equal ballots told apart by their rank), so
    that the comparison works and the stored rows say nothing of what the ballots read;
    the digests are dropped when the poll closes or is void."""

    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), on_delete=models.PROTECT, related_name="paper_batches"
    )
    number = models.PositiveSmallIntegerField(_("batch number"))
    first_teller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first teller"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_teller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second teller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    size = models.PositiveIntegerField(_("ballots in the batch"), default=0)
    entries = models.JSONField(_("entries (keyed digests)"), default=list)
    agreed = models.BooleanField(_("both tellers agree"), default=False)

    class Meta:
        verbose_name = _("paper batch")
        verbose_name_plural = _("paper batches")
        constraints = [models.UniqueConstraint(fields=["poll", "number"], name="paper_batch_once")]

    def __str__(self) -> str:
        return f"{self.poll_id}/{self.number}"


class WriteIn(models.Model):
    """A name written on a ballot instead of a listed candidate (另选他人), normalised (see
    `services.normalise_name`) so that counting groups the same person's votes. Like its
    ballot: no user, no time, a random id."""

    id = RandomIdField(primary_key=True, default=random_id, editable=False)
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.PROTECT, related_name="write_ins"
    )
    name = models.CharField(_("name written in"), max_length=40)

    class Meta:
        verbose_name = _("write-in")
        verbose_name_plural = _("write-ins")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "name"], name="write_in_once_per_ballot")
        ]

    def __str__(self) -> str:
        return self.name
