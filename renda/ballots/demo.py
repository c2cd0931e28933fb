"""Demo polls of 清河镇 at its latest session, through the real services: a resolution on
the government work report counted from paper ballots entered by two tellers, a by-election
with a name written in (另选他人), both published with their announcements. (The open
livelihood-project vote in which `qh_deputy` can vote online is the projects app's demo: its
polls belong to its vote batches.) Deterministic and idempotent.

The demo closes its polls with the key shares that opening returned. For a poll it leaves
open, `hand_out_demo_shares` prints the shares and writes them under var/ so that a demo
user can close it: in demo mode only — a real poll's shares exist only on their slips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from renda.ballots import services
from renda.ballots.models import Poll
from renda.congress.models import AgendaItem, Congress, Role, RoleGrant, Session

TELLER = "qh_teller"


def _teller(congress: Congress) -> Any:
    """A second office account: paper ballots need two tellers (监票人, 计票人)."""
    from renda.congress.management.commands.seed_demo import DEMO_PASSWORD

    users = get_user_model()
    user = users.objects.filter(username=TELLER).first()
    if user is None:
        user = users.objects.create_user(username=TELLER, password=DEMO_PASSWORD, name="计票员小周")
    RoleGrant.objects.get_or_create(user=user, role=Role.STAFF, congress=congress)
    return user


def _paper(poll: Poll, ballots: list[dict[Any, Any]], staff: Any, teller: Any) -> None:
    for number, start in enumerate(range(0, len(ballots), 25), start=1):
        batch = ballots[start : start + 25]
        services.enter_paper_batch(poll, number=number, ballots=batch, teller=staff)
        services.enter_paper_batch(
            poll, number=number, ballots=list(reversed(batch)), teller=teller
        )
    services.record_paper_counts(
        poll, issued=len(ballots) + 2, returned=len(ballots), acting_user=staff
    )


DEMO_SHARES_DIR = "demo-key-shares"


def demo_shares_path(poll: Poll) -> Path:
    return Path(settings.VAR_DIR) / DEMO_SHARES_DIR / f"poll-{poll.pk}.txt"


def hand_out_demo_shares(poll: Poll, shares: list[str], stdout: Any = None) -> Path:
    """Demo mode only: the key shares of a demo poll left open, printed to the console and
    written to a file under var/ (after the seed commits), so that a demo user can close
    the poll on its close page. Refused outside demo mode: in production a poll's shares
    exist only on the slips printed when it opens."""
    if not settings.DEMO_MODE or settings.PRODUCTION:
        raise RuntimeError("demo key shares are written in demo mode only")
    path = demo_shares_path(poll)
    lines = [
        f"{poll.title} (poll {poll.pk}): any {poll.key_threshold} of these "
        f"{len(shares)} key shares close it at /office/polls/{poll.pk}/close/",
        *(f"  share {i}: {share}" for i, share in enumerate(shares, start=1)),
        "DEMO ONLY: a real poll's shares exist only on the slips printed when it opens.",
    ]

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o600)

    transaction.on_commit(write)
    if stdout is not None:
        stdout.write("\n".join([*lines, f"  (also in {path})"]))
    return path


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    if congress is None or Poll.objects.filter(congress=congress).exists():
        return
    users = get_user_model()
    staff = users.objects.get(username="qh_staff")
    teller = _teller(congress)
    session = (
        Session.objects.filter(term__congress=congress, term__is_current=True)
        .order_by("-start_date")
        .first()
    )
    if session is None:
        return
    item = AgendaItem.objects.filter(session=session, order=1).first()
    if item is None:
        return

    # 1. A resolution on the government work report, from paper ballots.
    resolution = services.create_resolution(
        item, acting_user=staff, title="关于镇人民政府工作报告的决议", uses_paper=True
    )
    deputies = services.deputies_entitled(resolution)
    present = [d for i, d in enumerate(deputies) if i % 17 != 5]  # a few absent
    opened = services.open_poll(
        resolution,
        electorate=[(d.user, d, d in present) for d in deputies],
        acting_user=staff,
        paper=True,
    )
    (subject,) = resolution.subjects.values_list("id", flat=True)
    answers = ["yes"] * 9 + ["abstain"]
    ballots: list[dict[Any, Any]] = [{subject: answers[i % 10]} for i in range(len(present) - 2)]
    ballots += [{subject: "no"}, {"invalid": True}]
    _paper(resolution, ballots, staff, teller)
    services.close_poll(resolution, acting_user=staff, shares=opened.shares[:2])
    services.publish_poll(resolution, acting_user=staff)

    # 2. A by-election of one presidium member, with a name written in.
    election = services.create_election(
        congress=congress,
        title="补选镇人大主席团成员",
        candidates=[deputies[1].name, deputies[2].name],
        seats=1,
        acting_user=staff,
        session=session,
        uses_paper=True,
    )
    opened = services.open_poll(
        election,
        electorate=[(d.user, d, d in present) for d in deputies],
        acting_user=staff,
        paper=True,
    )
    first, second = election.subjects.order_by("order").values_list("id", flat=True)
    pattern: list[dict[Any, Any]] = [{first: "chosen"}] * 6 + [{second: "chosen"}] * 3
    pattern.append({"write_ins": [deputies[7].name]})
    _paper(election, [pattern[i % 10] for i in range(len(present))], staff, teller)
    services.close_poll(election, acting_user=staff, shares=opened.shares[1:])
    services.publish_poll(election, acting_user=staff)

    if stdout is not None:
        stdout.write(
            f"ballots: resolution and by-election published "
            f"({len(deputies)} deputies; second teller {TELLER})"
        )
