"""Celery application. Production: Redis broker (REDIS_URL). Embedded mode: tasks run
inline (CELERY_TASK_ALWAYS_EAGER), so no broker is needed."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")

app = Celery("renda")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
