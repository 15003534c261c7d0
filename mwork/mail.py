"""The development e-mail backend: each message saved whole under EMAIL_FILE_PATH (var/mail/)
and announced with one log line, instead of the console backend printing every message."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.text import slugify

logger = logging.getLogger("mwork.mail")


class LocalFolderEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{slugify(message.subject)[:40] or 'message'}.eml"
            path = folder / name
            path.write_bytes(message.message().as_bytes())
            logger.info("e-mail to %s: %s (%s)", ", ".join(message.to), message.subject, path)
            sent += 1
        return sent
