"""Background job of the station network: announce the coming reception days to the deputies
on duty. Celery beat in production; `manage.py run_periodic` in the embedded mode."""

from __future__ import annotations

from celery import shared_task

from renda.stations import services


@shared_task(name="renda.stations.announce_shifts", ignore_result=True)
def announce_shifts() -> dict[str, int]:
    """Idempotent: a shift is announced once (`announced_at`)."""
    return services.announce_shifts()
