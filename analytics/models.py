"""Views of profiles and castings, and their daily rollup.

A view is recorded at most once per viewer, object and platform day (Asia/Almaty): a unique
constraint and `INSERT … ON CONFLICT DO NOTHING` hold it under concurrent requests. Signed-in
viewers are keyed by user id; anonymous ones by a salted hash of their address (the salt
changes every day, so an address cannot be followed from one day to the next). With Redis, a
detail page only buffers its view in Redis and `analytics.services.views_flush` inserts the
rows in batches (beat job every 30 s, and before the dashboard or the rollup counts).

`DailyViewStat` is filled by the beat job `analytics.tasks.rollup_views` for every finished
day: per object and day one `total` row plus one row per viewer city and per viewer role. The
dashboard reads the rollup up to `RollupState.rolled_through` and counts the raw views of the
days after it (normally just today) live.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProfileView(models.Model):
    profile = models.ForeignKey("profiles.ModelProfile", on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    viewer_key = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("profile view")
        verbose_name_plural = _("profile views")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "day", "viewer_key"], name="analytics_profile_view_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="analytics_pv_day_idx")]

    def __str__(self) -> str:
        return f"{self.viewer_key} viewed profile {self.profile_id} on {self.day}"


class CastingView(models.Model):
    casting = models.ForeignKey("castings.Casting", on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    viewer_key = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("casting view")
        verbose_name_plural = _("casting views")
        constraints = [
            models.UniqueConstraint(
                fields=["casting", "day", "viewer_key"], name="analytics_casting_view_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="analytics_cv_day_idx")]

    def __str__(self) -> str:
        return f"{self.viewer_key} viewed casting {self.casting_id} on {self.day}"


class ViewKind(models.TextChoices):
    PROFILE = "profile", _("Profile")
    CASTING = "casting", _("Casting")


class Dimension(models.TextChoices):
    TOTAL = "total", _("Total")
    CITY = "city", _("Viewer city")
    ROLE = "role", _("Viewer role")


class DailyViewStat(models.Model):
    """Views of one object on one finished day, in total and split by viewer city and role."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ViewKind.choices)
    object_id = models.UUIDField()
    day = models.DateField()
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    value = models.CharField(max_length=100, blank=True, default="")
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily view stat")
        verbose_name_plural = _("daily view stats")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "day", "dimension", "value"],
                name="analytics_daily_stat_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["owner", "kind", "dimension", "day"], name="analytics_ds_owner_idx"
            ),
            models.Index(fields=["day"], name="analytics_ds_day_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.object_id} {self.day} {self.dimension}={self.value}: {self.views}"
        )


class RollupState(models.Model):
    """One row: the last platform day whose views are in `DailyViewStat`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    rolled_through = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"rolled through {self.rolled_through}"
