"""Rebuild the portal's search index: every published article and every item a source
calls public (published suggestion replies...). Safe to run at any time."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renda.portal import sources


class Command(BaseCommand):
    help = "Re-index every published article and public item of the portal's search."

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        counts = sources.sync_sources(include_articles=True)
        for kind, n in sorted(counts.items()):
            self.stdout.write(f"{kind}: {n}")
