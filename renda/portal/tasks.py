"""Periodic jobs of the portal. Celery beat runs them in production; in the embedded mode
`manage.py run_periodic` calls the same functions."""

from __future__ import annotations

from celery import shared_task

from renda.portal import services, sources, viewcount


@shared_task(name="renda.portal.publish_scheduled", ignore_result=True)
def publish_scheduled() -> int:
    """Idempotent: an article is published once, under its row lock."""
    return services.publish_due()


@shared_task(name="renda.portal.flush_view_counts", ignore_result=True)
def flush_view_counts() -> int:
    """Move pending view counts from the cache into the database."""
    return viewcount.flush()


@shared_task(name="renda.portal.sync_search_index", ignore_result=True)
def sync_search_index() -> dict[str, int]:
    """Index newly published items of other apps (suggestion replies...) and forget
    those that are no longer public."""
    return sources.sync_sources()
