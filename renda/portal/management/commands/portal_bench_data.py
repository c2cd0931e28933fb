"""Fill a scratch database with N published portal articles for the search benchmark
(bench/benchmarks.py). Refuses to run outside demo or benchmark mode."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from renda.portal import search
from renda.portal.demo import ARTICLES
from renda.portal.models import Article, ArticleStatus, Channel, Site
from renda.portal.sources import article_entry


class Command(BaseCommand):
    help = "Create N published articles (benchmark data; demo or benchmark mode only)."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--articles", type=int, default=10_000)

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        if not (settings.DEMO_MODE or settings.RENDA_BENCH):
            raise CommandError("portal_bench_data only runs in demo or benchmark mode.")
        site = Site.objects.filter(parent__isnull=True).first()
        if site is None:
            raise CommandError("run seed_demo first: no portal site")
        channels = list(Channel.objects.filter(site=site))
        author = get_user_model().objects.filter(is_superuser=True).first()
        rng = random.Random(7)  # noqa: S311 (deterministic benchmark data)
        paragraphs = [p for *_, body in ARTICLES for p in body]
        titles = [title for _, _, title, _ in ARTICLES]
        now = timezone.now()
        total = options["articles"]
        for start in range(0, total, 500):
            with transaction.atomic():
                batch = []
                for n in range(start, min(start + 500, total)):
                    body = "".join(f"<p>{p}</p>" for p in rng.sample(paragraphs, 3))
                    batch.append(
                        Article(
                            site=site,
                            channel=rng.choice(channels),
                            title=f"{rng.choice(titles)}（之{n}）",
                            body=body,
                            summary=body[3:80],
                            status=ArticleStatus.PUBLISHED,
                            published_at=now - dt.timedelta(minutes=n),
                            created_by=author,
                            editor="基准",
                            author="基准",
                            source="基准",
                        )
                    )
                created = Article.objects.bulk_create(batch)
                for article in created:
                    article.channels.add(article.channel)
                    search.index_object(article, article_entry(article))
        self.stdout.write(f"{total} articles")
