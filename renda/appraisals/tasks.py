"""Background job of the appraisals: rectification reports overdue and due soon. Celery beat
runs it in production; `manage.py run_periodic` in the embedded mode."""

from __future__ import annotations

from celery import shared_task

from renda.appraisals import services


@shared_task(name="renda.appraisals.send_rectification_reminders", ignore_result=True)
def send_rectification_reminders() -> dict[str, int]:
    """Idempotent: overdue marking is a state change once, each reminder is sent once."""
    return services.send_reminders()
