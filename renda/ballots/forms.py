"""Forms of the ballot pages: the ballot itself (built from the poll), the office's poll
settings, the opening, paper batches in the tellers' line notation and the counts, the
key shares that open the ballot box at close."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.ballots.models import (
    Base,
    Electorate,
    Method,
    Poll,
    PollKind,
    PollSubject,
    Scale,
)
from renda.ballots.services import INVALID, KEY_HOLDERS, KEY_THRESHOLD, normalise_name
from renda.congress.models import AgendaItem, Session

# --- the ballot ---------------------------------------------------------------------------


class BallotForm(forms.Form):
    """One screen per ballot: a question per subject (rating, 赞成/反对/弃权), or a list of
    candidates to tick with lines for names written in (choose up to N)."""

    def __init__(self, *args: Any, poll: Poll, subjects: list[PollSubject], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.poll, self.subjects = poll, subjects
        labels = poll.grade_labels()
        if poll.method == Method.CHOOSE:
            self.fields["chosen"] = forms.TypedMultipleChoiceField(
                label=_("Candidates"),
                choices=[(s.pk, s.title) for s in subjects],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            if poll.allow_write_ins:
                for i in range(1, (poll.max_choices or 0) + 1):
                    self.fields[f"write_in_{i}"] = forms.CharField(
                        label=_("Another person (name) %(n)s") % {"n": i},
                        max_length=40,
                        required=False,
                    )
        else:
            for s in subjects:
                self.fields[f"s{s.pk}"] = forms.ChoiceField(
                    label=s.title,
                    choices=[(code, labels[code]) for code in poll.grades()],
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Give an answer for “%(t)s”.") % {"t": s.title}},
                )

    def write_in_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("write_in_")]

    def subject_fields(self) -> list[tuple[PollSubject, Any]]:
        return [(s, self[f"s{s.pk}"]) for s in self.subjects if f"s{s.pk}" in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.poll.method == Method.CHOOSE:
            names = [n for n in self.write_ins() if n]
            if len({normalise_name(n) for n in names}) != len(names):
                raise ValidationError(_("The same name is written in twice."))
            count = len(data.get("chosen") or []) + len(names)
            if count > (self.poll.max_choices or 0):
                raise ValidationError(
                    _(
                        "You chose %(count)s but at most %(n)s may be chosen: "
                        "remove %(extra)s before casting."
                    )
                    % {
                        "count": count,
                        "n": self.poll.max_choices,
                        "extra": count - (self.poll.max_choices or 0),
                    }
                )
        return data

    def choices(self) -> dict[int, str]:
        if self.poll.method == Method.CHOOSE:
            return {sid: "chosen" for sid in self.cleaned_data.get("chosen") or []}
        return {s.pk: self.cleaned_data[f"s{s.pk}"] for s in self.subjects}

    def write_ins(self) -> list[str]:
        source = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return [
            (source.get(name) or "").strip() for name in self.fields if name.startswith("write_in_")
        ]

    def review(self) -> list[tuple[str, str]]:
        """What the voter is about to cast, in words, for the confirmation step."""
        labels = self.poll.grade_labels()
        if self.poll.method != Method.CHOOSE:
            return [(s.title, str(labels[self.cleaned_data[f"s{s.pk}"]])) for s in self.subjects]
        chosen = set(self.cleaned_data.get("chosen") or [])
        rows = [(s.title, str(labels["chosen"])) for s in self.subjects if s.pk in chosen]
        rows += [(n, _("Written in")) for n in self.write_ins() if n]
        return rows

    def hidden_values(self) -> list[tuple[str, str]]:
        """The cleaned answers as (name, value) pairs to carry through the confirmation."""
        out: list[tuple[str, str]] = []
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if isinstance(value, list):
                out += [(name, str(v)) for v in value]
            elif value:
                out.append((name, str(value)))
        return out


# --- the office's poll settings -------------------------------------------------------------


THRESHOLDS = {
    "more_half": (1, 2, True),
    "half": (1, 2, False),
    "two_thirds": (2, 3, False),
    "more_two_thirds": (2, 3, True),
}
THRESHOLD_CHOICES = [
    ("more_half", gettext_lazy("More than half")),
    ("half", gettext_lazy("At least half")),
    ("two_thirds", gettext_lazy("At least two thirds")),
    ("more_two_thirds", gettext_lazy("More than two thirds")),
]


class PollForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PollKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Explanation for voters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"), queryset=Session.objects.none(), required=False
    )
    agenda_item = forms.ModelChoiceField(
        label=gettext_lazy("Agenda item (for a resolution)"),
        queryset=AgendaItem.objects.none(),
        required=False,
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=Method.choices,
        help_text=gettext_lazy("Resolutions and elections set it themselves."),
    )
    scale = forms.ChoiceField(label=gettext_lazy("Scale"), choices=Scale.choices)
    allow_abstain = forms.BooleanField(label=gettext_lazy("Abstention allowed"), required=False)
    allow_unknown = forms.BooleanField(label=gettext_lazy("'Do not know' allowed"), required=False)
    subjects = forms.CharField(
        label=gettext_lazy("Subjects, candidates or items"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=gettext_lazy("One per line, in ballot order."),
    )
    seats = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=gettext_lazy("Elections and votes with a limited number of places."),
    )
    max_choices = forms.IntegerField(
        label=gettext_lazy("At most this many choices"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=gettext_lazy("For 'choose up to N'; an election uses its places."),
    )
    allow_write_ins = forms.BooleanField(
        label=gettext_lazy("Write-ins allowed (另选他人)"), required=False
    )
    base = forms.ChoiceField(
        label=gettext_lazy("Base of the threshold"), choices=Base.choices, initial=Base.CAST
    )
    threshold = forms.ChoiceField(
        label=gettext_lazy("Threshold"), choices=THRESHOLD_CHOICES, initial="more_half"
    )
    is_secret = forms.BooleanField(
        label=gettext_lazy("Secret ballot"), required=False, initial=True
    )
    min_group = forms.IntegerField(
        label=gettext_lazy("Smallest group whose results are shown"),
        min_value=1,
        max_value=100,
        initial=5,
    )
    electorate_kind = forms.ChoiceField(
        label=gettext_lazy("Electorate"), choices=Electorate.choices
    )
    codes_planned = forms.IntegerField(
        label=gettext_lazy("Voter codes to print"),
        min_value=0,
        max_value=5000,
        initial=0,
        required=False,
        help_text=gettext_lazy("One-time codes handed out at random to invited voters."),
    )
    uses_paper = forms.BooleanField(label=gettext_lazy("Paper ballots"), required=False)
    key_holders = forms.IntegerField(
        label=gettext_lazy("Key holders"),
        min_value=2,
        max_value=9,
        initial=3,
        required=False,
        help_text=gettext_lazy(
            "The ballot box's key is split among the tellers and the chair at opening, one "
            "printed share each."
        ),
    )
    key_threshold = forms.IntegerField(
        label=gettext_lazy("Key shares needed to count"),
        min_value=2,
        max_value=9,
        initial=2,
        required=False,
        help_text=gettext_lazy(
            "If fewer shares than this survive, the poll cannot be counted: it is declared "
            "void and voted again."
        ),
    )

    def __init__(self, *args: Any, congress: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.congress = congress
        cast(forms.ModelChoiceField, self.fields["session"]).queryset = (
            Session.objects.filter(term__congress=congress)
            .select_related("term")
            .order_by("-start_date")
        )
        cast(forms.ModelChoiceField, self.fields["agenda_item"]).queryset = (
            AgendaItem.objects.filter(session__term__congress=congress)
            .select_related("session__term")
            .order_by("-session__start_date", "order")
        )

    @classmethod
    def initial_for(cls, poll: Poll) -> dict[str, Any]:
        threshold = next(
            (
                k
                for k, v in THRESHOLDS.items()
                if v == (poll.threshold_num, poll.threshold_den, poll.threshold_strict)
            ),
            "more_half",
        )
        return {
            "kind": poll.kind,
            "title": poll.title,
            "description": poll.description,
            "session": poll.session_id,
            "agenda_item": poll.agenda_item_id,
            "method": poll.method,
            "scale": poll.scale,
            "allow_abstain": poll.allow_abstain,
            "allow_unknown": poll.allow_unknown,
            "subjects": "\n".join(poll.subjects.order_by("order").values_list("title", flat=True)),
            "seats": poll.seats,
            "max_choices": poll.max_choices,
            "allow_write_ins": poll.allow_write_ins,
            "base": poll.base,
            "threshold": threshold,
            "is_secret": poll.is_secret,
            "min_group": poll.min_group,
            "electorate_kind": poll.electorate_kind,
            "codes_planned": poll.codes_planned,
            "uses_paper": poll.uses_paper,
            "key_holders": poll.key_holders,
            "key_threshold": poll.key_threshold,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        item = data.get("agenda_item")
        if kind == PollKind.RESOLUTION:
            if item is None:
                self.add_error("agenda_item", _("A resolution is voted on an agenda item."))
            else:
                data["session"] = item.session
                data["method"], data["scale"] = Method.APPROVAL, Scale.APPROVAL
                data["allow_abstain"] = True
                if not (data.get("subjects") or "").strip():
                    data["subjects"] = item.title
        elif item is not None:
            data["agenda_item"] = None
        if kind == PollKind.ELECTION:
            if not data.get("seats"):
                self.add_error("seats", _("An election needs at least one place."))
            data["method"], data["scale"] = Method.CHOOSE, Scale.CHOICE
            data["max_choices"] = data.get("seats")
        if data.get("method") == Method.CHOOSE:
            data["scale"] = Scale.CHOICE
        elif data.get("method") == Method.APPROVAL:
            data["scale"] = Scale.APPROVAL
        if data.get("electorate_kind") == Electorate.INVITED and not (
            data.get("codes_planned") or data.get("uses_paper")
        ):
            self.add_error("codes_planned", _("Say how many voter codes to print."))
        holders = data.get("key_holders") or KEY_HOLDERS
        needed = data.get("key_threshold") or KEY_THRESHOLD
        if needed > holders:
            self.add_error(
                "key_threshold", _("No more shares can be needed than there are holders.")
            )
        return data

    def service_arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        num, den, strict = THRESHOLDS[d["threshold"]]
        choose = d["method"] == Method.CHOOSE
        return {
            "title": d["title"],
            "method": d["method"],
            "scale": d["scale"],
            "subjects": [line for line in (d.get("subjects") or "").splitlines()],
            "kind": d["kind"],
            "description": d.get("description") or "",
            "session": d.get("session"),
            "agenda_item": d.get("agenda_item"),
            "allow_abstain": bool(d.get("allow_abstain")) and not choose,
            "allow_unknown": bool(d.get("allow_unknown")) and d["method"] == Method.RATING,
            "max_choices": d.get("max_choices") if choose else None,
            "seats": d.get("seats"),
            "allow_write_ins": bool(d.get("allow_write_ins")) and choose,
            "base": d["base"],
            "threshold_num": num,
            "threshold_den": den,
            "threshold_strict": strict,
            "is_secret": bool(d.get("is_secret")),
            "min_group": d["min_group"],
            "electorate_kind": d["electorate_kind"],
            "codes_planned": d.get("codes_planned") or 0,
            "uses_paper": bool(d.get("uses_paper")),
            "key_holders": d.get("key_holders") or KEY_HOLDERS,
            "key_threshold": d.get("key_threshold") or KEY_THRESHOLD,
        }


class SharesForm(forms.Form):
    """The key holders' shares to open the ballot box at close: one field per share
    needed, each typed by its holder out of sight of the others (a password field: a
    holder who saw another's share could open the box alone with theirs)."""

    def __init__(self, *args: Any, poll: Poll, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.poll = poll
        for i in range(1, max(poll.key_threshold, 1) + 1):
            self.fields[f"share_{i}"] = forms.CharField(
                label=_("Key share of holder %(n)s") % {"n": i},
                max_length=80,
                strip=True,
                required=False,  # the service names what is missing or wrong
                widget=forms.PasswordInput(
                    attrs={
                        "autocomplete": "off",
                        "autocapitalize": "characters",
                        "spellcheck": "false",
                        "class": "share-input",
                    }
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["shares"] = [v for k, v in sorted(data.items()) if k.startswith("share_") and v]
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class PaperCountsForm(forms.Form):
    issued = forms.IntegerField(label=gettext_lazy("Paper ballots issued"), min_value=0)
    returned = forms.IntegerField(label=gettext_lazy("Paper ballots returned"), min_value=0)


# --- paper batches in the tellers' notation ------------------------------------------------

_REPEAT = re.compile(r"^\s*(\d+)\s*[*×xX]\s*(.*)$")


class PaperBatchForm(forms.Form):
    """One line per ballot. Rating and 赞成/反对/弃权: one answer per item, in ballot order,
    by its number in the legend or its word (满意, 赞成…). Choose-N: the numbers of the
    ticked candidates, `+name` for a name written in, `0` for a blank ballot. `废` marks an
    invalid ballot; `12*` before a line repeats it 12 times."""

    number = forms.IntegerField(label=gettext_lazy("Batch number"), min_value=1, max_value=999)
    lines = forms.CharField(
        label=gettext_lazy("Ballots, one per line"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
        max_length=100_000,
    )

    def __init__(self, *args: Any, poll: Poll, subjects: list[PollSubject], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.poll, self.subjects = poll, subjects

    def legend(self) -> list[tuple[int, str]]:
        if self.poll.method == Method.CHOOSE:
            return [(i, s.title) for i, s in enumerate(self.subjects, start=1)]
        labels = self.poll.grade_labels()
        return [(i, str(labels[c])) for i, c in enumerate(self.poll.grades(), start=1)]

    def clean_lines(self) -> list[dict[Any, Any]]:
        ballots: list[dict[Any, Any]] = []
        errors = []
        for lineno, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not raw.strip():
                continue
            repeat, text = 1, raw
            match = _REPEAT.match(raw)
            if match:
                repeat, text = int(match.group(1)), match.group(2)
            try:
                ballot = self._parse(text)
            except ValueError as exc:
                errors.append(_("Line %(n)s: %(error)s") % {"n": lineno, "error": exc})
                continue
            if not 1 <= repeat <= 10_000:
                errors.append(_("Line %(n)s: repeat between 1 and 10000.") % {"n": lineno})
                continue
            ballots += [dict(ballot) for _i in range(repeat)]
        if errors:
            raise ValidationError(errors)
        if not ballots:
            raise ValidationError(_("Enter at least one ballot."))
        return ballots

    def _parse(self, text: str) -> dict[Any, Any]:
        tokens = text.replace("，", " ").replace(",", " ").replace("、", " ").split()
        if [t.lower() for t in tokens] in (["废"], ["废票"], [INVALID]):
            return {INVALID: True}
        if self.poll.method == Method.CHOOSE:
            chosen: dict[Any, Any] = {}
            names: list[str] = []
            for token in tokens:
                if token in ("0", "-"):
                    continue
                if token.startswith(("+", "＋")):
                    names.append(token[1:])
                elif token.isdigit() and 1 <= int(token) <= len(self.subjects):
                    chosen[self.subjects[int(token) - 1].pk] = "chosen"
                else:
                    raise ValueError(_("“%(t)s” is not a candidate number.") % {"t": token})
            if names:
                chosen["write_ins"] = names
            return chosen
        grades = self.poll.grades()
        labels = {str(v): k for k, v in self.poll.grade_labels().items() if k in grades}
        if len(tokens) != len(self.subjects):
            raise ValueError(
                _("%(got)s answers for %(n)s items.")
                % {"got": len(tokens), "n": len(self.subjects)}
            )
        ballot: dict[Any, Any] = {}
        for subject, token in zip(self.subjects, tokens, strict=True):
            if token.isdigit() and 1 <= int(token) <= len(grades):
                ballot[subject.pk] = grades[int(token) - 1]
            elif token in labels:
                ballot[subject.pk] = labels[token]
            elif token in grades:
                ballot[subject.pk] = token
            else:
                raise ValueError(_("“%(t)s” is not an answer on this ballot.") % {"t": token})
        return ballot


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Voter code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "class": "code-input",
            }
        ),
    )

    def clean_code(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()
