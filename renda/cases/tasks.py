"""Background jobs of the case engine. Celery beat runs them in production; in the embedded
mode `manage.py run_periodic` (started by `make run`) calls the same functions."""

from __future__ import annotations

from celery import shared_task

from renda.cases import services


@shared_task(name="renda.cases.send_case_reminders", ignore_result=True)
def send_case_reminders() -> dict[str, int]:
    """Idempotent: every reminder is recorded and sent once, so running it often is safe."""
    return services.send_reminders()


@shared_task(name="renda.cases.run_ledger_import", ignore_result=True)
def run_ledger_import(pk: int, actor_pk: int | None = None) -> str:
    """Check a queued ledger import, or import a confirmed one (idempotent: the import's
    status says what is left; a finished step is not run again)."""
    from renda.cases import ledger_import

    return ledger_import.run(pk, actor_pk)


@shared_task(name="renda.cases.resume_ledger_imports", ignore_result=True)
def resume_ledger_imports() -> int:
    """The sweep: ledgers still waiting for their check minutes after the upload."""
    from renda.cases import ledger_import

    return ledger_import.resume_stalled()
