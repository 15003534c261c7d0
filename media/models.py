"""Portfolio photos of model profiles (docs/API.md §9)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Photo(models.Model):
    """One portfolio photo. `image`/`thumbnail` are names in the default storage.

    Exactly one main photo per profile is held by a partial unique constraint; the services keep
    "at least one" (the first photo becomes main, deleting the main promotes the next).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        "profiles.ModelProfile",
        on_delete=models.CASCADE,
        related_name="photos",
        db_index=False,  # the (profile, order, created_at) index below serves profile lookups
    )
    image = models.CharField(max_length=255)
    thumbnail = models.CharField(max_length=255)
    is_main = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ("order", "created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(is_main=True),
                name="media_photo_one_main_per_profile",
            ),
        ]
        indexes = [
            models.Index(
                fields=["profile", "order", "created_at"], name="media_photo_profile_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.id} of profile {self.profile_id}"
