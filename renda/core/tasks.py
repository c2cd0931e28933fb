"""Outgoing messages as tasks: taken by a worker in production, retried on failure."""

from __future__ import annotations

from celery import shared_task

from renda.core.notify import send_sms


@shared_task(
    name="renda.core.send_sms",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_sms_task(phone: str, text: str) -> None:
    send_sms(phone, text)
