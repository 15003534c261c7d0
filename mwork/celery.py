"""Celery app: settings under the CELERY_ namespace, tasks discovered in every app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwork.settings")

app = Celery("mwork")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
