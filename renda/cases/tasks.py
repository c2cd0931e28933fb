"""Background jobs of the case engine. Celery beat runs them in production; in the embedded
mode `manage.py run_periodic` (started by `make run`) calls the same functions."""

from __future__ import annotations

from celery import shared_task

from renda.cases import services


@shared_task(name="renda.cases.send_case_reminders", ignore_result=True)
def send_case_reminders() -> dict[str, int]:
    """Idempotent: every reminder is recorded and sent once, so running it often is safe."""
    return services.send_reminders()
