"""The outbox at a glance, for the operator: counts by channel and status, the latest
failed messages (recipients masked, no message text), and a way to send failed ones again."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Count

from renda.core import notify
from renda.core.models import OutboxMessage, OutboxStatus


class Command(BaseCommand):
    help = "Show the notification outbox (masked); --requeue ID… sends failed messages again."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--failed", type=int, default=20, help="How many failed rows to list.")
        parser.add_argument("--requeue", type=int, nargs="+", default=[], metavar="ID")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        if options["requeue"]:
            count = notify.requeue(options["requeue"])
            self.stdout.write(f"requeued {count} failed message(s)")
        counts = (
            OutboxMessage.objects.values_list("channel", "status")
            .annotate(n=Count("id"))
            .order_by("channel", "status")
        )
        for channel, status, n in counts:
            self.stdout.write(f"{channel:6} {status:8} {n}")
        failed = OutboxMessage.objects.filter(status=OutboxStatus.FAILED).order_by("-id")
        for row in failed[: options["failed"]]:
            self.stdout.write(
                f"#{row.pk} {row.channel} {row.kind or '-'} {row.masked_recipient or '-'} "
                f"attempts={row.attempts} created={row.created_at:%Y-%m-%d %H:%M} "
                f"error={row.last_error}"
            )
