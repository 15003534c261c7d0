"""Saved searches and what they matched (docs/SEARCHES.md).

A search stores the query parameters of a list endpoint (`GET /castings` or the models
catalogue) as that list's own query serializer validated them; the matching job evaluates them
with the list's own filter condition, so a search matches exactly what its list would show.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchKind(models.TextChoices):
    CASTINGS = "castings", _("Castings")
    MODELS = "models", _("Models")


class Frequency(models.TextChoices):
    INSTANT = "instant", _("Instant")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


class SavedSearch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    kind = models.CharField(max_length=16, choices=SearchKind.choices)
    name = models.CharField(max_length=100)
    # The list's query parameters as its query serializer validated them (ints stay ints).
    filters = models.JSONField(default=dict, blank=True)
    frequency = models.CharField(
        max_length=16, choices=Frequency.choices, default=Frequency.INSTANT
    )
    # GET /saved-searches/:id/matches lists matches newer than this, then moves it to now.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # daily/weekly: the next digest goes out once this has passed and there are new matches.
    digest_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="savedsearch_user_created_idx"),
            models.Index(fields=["kind", "id"], name="savedsearch_kind_id_idx"),
            models.Index(
                fields=["digest_due_at"],
                condition=Q(frequency__in=DIGEST_FREQUENCIES),
                name="savedsearch_digest_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class SavedSearchMatch(models.Model):
    """A casting or a model profile a search matched, once per search and target."""

    id = models.BigAutoField(primary_key=True)
    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    casting = models.ForeignKey(
        "castings.Casting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_search_matches",
    )
    model_profile = models.ForeignKey(
        "profiles.ModelProfile",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_search_matches",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Told: the instant notification was sent, or the match went out in a digest.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("saved search match")
        verbose_name_plural = _("saved search matches")
        indexes = [
            models.Index(fields=["search", "-created_at"], name="ssmatch_search_created_idx"),
            models.Index(
                fields=["search"],
                condition=Q(delivered_at__isnull=True),
                name="ssmatch_undelivered_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["search", "casting"],
                condition=Q(casting__isnull=False),
                name="ssmatch_search_casting_uniq",
            ),
            models.UniqueConstraint(
                fields=["search", "model_profile"],
                condition=Q(model_profile__isnull=False),
                name="ssmatch_search_profile_uniq",
            ),
            models.CheckConstraint(
                condition=Q(casting__isnull=False, model_profile__isnull=True)
                | Q(casting__isnull=True, model_profile__isnull=False),
                name="ssmatch_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.search_id} → {self.casting_id or self.model_profile_id}"


class MatchWatermark(models.Model):
    """How far the matching job has scanned one kind of target: (time, id) keyset."""

    kind = models.CharField(max_length=16, choices=SearchKind.choices, primary_key=True)
    scanned_until = models.DateTimeField()
    # Targets at exactly `scanned_until` up to this id are done; None: all of them are.
    last_id = models.UUIDField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved search watermark")
        verbose_name_plural = _("saved search watermarks")

    def __str__(self) -> str:
        return f"{self.kind} until {self.scanned_until:%Y-%m-%d %H:%M:%S}"
