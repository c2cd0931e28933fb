"""Recount a closed poll from its stored ballots and compare with the frozen result."""

from django.core.management.base import BaseCommand, CommandError

from renda.ballots.models import Poll, PollStatus
from renda.ballots.services import recount


class Command(BaseCommand):
    help = (
        "Recompute a closed poll's result from its ballots and compare it with the frozen result."
    )

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("poll", type=int)

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        poll = Poll.objects.filter(pk=options["poll"]).first()
        if poll is None:
            raise CommandError("No such poll.")
        if poll.status not in (PollStatus.CLOSED, PollStatus.PUBLISHED):
            raise CommandError("The poll is not closed.")
        same, fresh = recount(poll)
        self.stdout.write(
            f"poll {poll.pk}: {fresh['ballots']} ballots, export sha256 {poll.export_sha256}"
        )
        if not same:
            raise CommandError("MISMATCH: the recount differs from the frozen result.")
        self.stdout.write("recount matches the frozen result")
