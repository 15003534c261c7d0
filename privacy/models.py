"""Data export requests (docs/PRIVACY.md "Export")."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserManager


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DataExport(models.Model):
    """One archive of everything MWork holds about a user; the file lives in private storage
    and is reachable only through a signed link until `expires_at`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    file = models.CharField(max_length=255, blank=True, default="", help_text="Storage name.")
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="privacy_export_user_idx")]

    def __str__(self) -> str:
        return f"export {self.id} of {self.user_id} ({self.status})"


class ScheduledDeletionManager(UserManager):
    def get_queryset(self) -> models.QuerySet[User]:
        return super().get_queryset().filter(purge_at__isnull=False)


class ScheduledDeletion(User):
    """Accounts whose deletion is scheduled, as staff see them in the admin (a proxy of the
    user table: no rows of its own)."""

    objects: ClassVar[ScheduledDeletionManager] = ScheduledDeletionManager()

    class Meta:
        proxy = True
        verbose_name = _("scheduled deletion")
        verbose_name_plural = _("scheduled deletions")
