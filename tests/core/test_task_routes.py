"""Periodic jobs go to the `periodic` queue, everything else (SMS) to `default`: the
worker command in docs/operations.md listens on both."""

import importlib

from django.conf import settings

from renda.celery import app


def _queue(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_every_periodic_job_runs_on_the_periodic_queue():
    for path in settings.RENDA_PERIODIC_JOBS:  # register the tasks (autodiscovery is lazy)
        importlib.import_module(path.rsplit(".", 1)[0])
    tasks = [
        job["task"]
        for job in settings.CELERY_BEAT_SCHEDULE.values()
        if job["task"] != "renda.core.heartbeat"
    ]
    assert len(tasks) >= 6
    for name in tasks:
        assert name in app.tasks, name  # the schedule names a registered task
        assert _queue(name) == "periodic", name


def test_sms_runs_on_the_default_queue():
    assert _queue("renda.core.send_sms") == "default"


def test_the_heartbeat_is_sent_on_every_queue_the_workers_consume():
    """/readyz checks one heartbeat per queue: beat sends the heartbeat task on each queue
    itself (the task's route is the entry's explicit queue)."""
    beats = [
        job
        for job in settings.CELERY_BEAT_SCHEDULE.values()
        if job["task"] == "renda.core.heartbeat"
    ]
    assert sorted(job["options"]["queue"] for job in beats) == ["default", "periodic"]
    assert all(job["args"] == (job["options"]["queue"],) for job in beats)
    assert "renda.core.heartbeat" not in settings.CELERY_TASK_ROUTES
