from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The same vocabularies as model profiles, so requirements compare with profile fields.
from profiles.models import Category, Experience, Gender

__all__ = ["Category", "Experience", "Gender"]  # re-exported for the castings app


class CastingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    # Held by the safety rules (docs/SAFETY.md): seen only by its owner until staff decide.
    PENDING_REVIEW = "pending_review", _("Pending review")


# docs/API.md §6: every other transition (including "to the same status") is INVALID_STATE.
CASTING_TRANSITIONS: dict[str, frozenset[str]] = {
    CastingStatus.DRAFT: frozenset({CastingStatus.ACTIVE, CastingStatus.CANCELLED}),
    CastingStatus.ACTIVE: frozenset({CastingStatus.COMPLETED, CastingStatus.CANCELLED}),
    CastingStatus.COMPLETED: frozenset(),
    CastingStatus.CANCELLED: frozenset(),
    # Staff approve (active) or reject through the moderation queue; the owner may withdraw it.
    CastingStatus.PENDING_REVIEW: frozenset({CastingStatus.CANCELLED}),
}


# A requirement of "intermediate" is met by intermediate and experienced models.
EXPERIENCE_RANK: dict[str, int] = {
    Experience.BEGINNER: 0,
    Experience.INTERMEDIATE: 1,
    Experience.EXPERIENCED: 2,
}


# The rows the public list may show, whatever their status (`casting_list_public_base` adds the
# status and the banned owners): the condition of its partial indexes.
PUBLIC_LIST_ROWS = Q(deleted_at__isnull=True, is_hidden=False)


class CastingQuerySet(models.QuerySet["Casting"]):
    def alive(self) -> Self:
        """Castings their owner has not deleted (DELETE is a soft delete, see services)."""
        return self.filter(deleted_at__isnull=True)


class Casting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="castings"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    category = models.CharField(max_length=16, choices=Category.choices)
    city = models.CharField(max_length=100)
    address = models.CharField(max_length=255, blank=True)
    shoot_date = models.DateTimeField()
    duration_days = models.PositiveSmallIntegerField(default=1)
    # When the shoot is over: shoot_date + duration_days, kept in step by save() so the
    # "mark completed" beat job is one indexed range query on every database.
    ends_at = models.DateTimeField(editable=False)
    pay_min = models.PositiveIntegerField(null=True, blank=True)
    pay_max = models.PositiveIntegerField(null=True, blank=True)

    # Requirements as typed columns (filterable, indexable); NULL means "no requirement".
    required_gender = models.CharField(max_length=8, choices=Gender.choices, null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    min_height = models.PositiveSmallIntegerField(null=True, blank=True)
    max_height = models.PositiveSmallIntegerField(null=True, blank=True)
    required_experience = models.CharField(
        max_length=16, choices=Experience.choices, null=True, blank=True
    )

    status = models.CharField(
        max_length=16, choices=CastingStatus.choices, default=CastingStatus.ACTIVE
    )
    # Staff moderation: a hidden casting is seen only by its owner (and staff in the admin).
    is_hidden = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # new_casting fan-out claimed (sent once) and casting_reminder sent (once, 24 h before).
    matching_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # On PostgreSQL the table also has `search_vector`, a stored generated tsvector over title
    # and description with a GIN index (migration 0002). It is not a model field because it
    # does not exist on SQLite; selectors query it with raw SQL on PostgreSQL only.

    objects = CastingQuerySet.as_manager()

    class Meta:
        verbose_name = _("casting")
        verbose_name_plural = _("castings")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The public list (`castings.selectors.casting_list_public_base`): castings neither
            # deleted nor hidden, by status, newest first (created_at, id), one index per filter
            # that narrows the rows the most: none, city, category, city and category. What a
            # capped count reads besides the keys is INCLUDEd (the owner, for the banned-owner
            # condition; the requirement columns on the first; the city itself beside its
            # Upper() key, which an index-only scan needs), so the count is an index-only scan.
            # docs/PERFORMANCE.md, "The public castings list's indexes". On PostgreSQL only
            # (migration 0011): statistics on Upper(city), which the planner does not take from
            # a partial index's expression, and casting_public_pay_max_idx (status, pay_max DESC
            # NULLS LAST, id DESC; SQLite has no NULLS LAST in an index) for `ordering=-pay_max`
            # and `pay_min`.
            models.Index(
                fields=["status", "-created_at", "-id"],
                include=[
                    "owner",
                    "required_gender",
                    "min_age",
                    "max_age",
                    "min_height",
                    "max_height",
                    "required_experience",
                    "pay_max",
                ],
                condition=PUBLIC_LIST_ROWS,
                name="casting_public_created_idx",
            ),
            models.Index(
                F("status"),
                Upper("city"),
                F("created_at").desc(),
                F("id").desc(),
                include=["city", "owner"],
                condition=PUBLIC_LIST_ROWS,
                name="casting_public_city_idx",
            ),
            models.Index(
                fields=["status", "category", "-created_at", "-id"],
                include=["owner"],
                condition=PUBLIC_LIST_ROWS,
                name="casting_public_category_idx",
            ),
            models.Index(
                F("status"),
                Upper("city"),
                F("category"),
                F("created_at").desc(),
                F("id").desc(),
                include=["city", "owner"],
                condition=PUBLIC_LIST_ROWS,
                name="casting_public_city_cat_idx",
            ),
            models.Index(fields=["status", "shoot_date"], name="casting_status_shoot_idx"),
            models.Index(fields=["status", "ends_at"], name="casting_status_ends_idx"),
            models.Index(fields=["owner", "-created_at"], name="casting_owner_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pay_min__isnull=True)
                | Q(pay_max__isnull=True)
                | Q(pay_max__gte=F("pay_min")),
                name="casting_pay_range",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=F("min_age")),
                name="casting_age_range",
            ),
            models.CheckConstraint(
                condition=Q(min_height__isnull=True)
                | Q(max_height__isnull=True)
                | Q(max_height__gte=F("min_height")),
                name="casting_height_range",
            ),
            models.CheckConstraint(
                condition=Q(duration_days__gte=1) & Q(duration_days__lte=365),
                name="casting_duration_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.ends_at = casting_ends_at(self.shoot_date, self.duration_days)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "ends_at"}
        super().save(*args, **kwargs)


def casting_ends_at(shoot_date: datetime, duration_days: int | None) -> datetime:
    """shoot_date + duration_days, capped at the last representable moment: the API keeps shoot
    dates within 5 years, but a date set elsewhere (admin, data import) must not overflow."""
    try:
        return shoot_date + timedelta(days=duration_days or 1)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


class SavedCasting(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_castings"
    )
    casting = models.ForeignKey(Casting, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved casting")
        verbose_name_plural = _("saved castings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "casting"], name="saved_casting_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="saved_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.casting_id}"


class ResponseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# docs/API.md §7: what the casting owner may do; withdrawing is the model's own action.
# A shortlist sits between pending and a decision (docs/PIPELINE.md).
RESPONSE_OWNER_TRANSITIONS: dict[str, frozenset[str]] = {
    ResponseStatus.PENDING: frozenset(
        {ResponseStatus.SHORTLISTED, ResponseStatus.ACCEPTED, ResponseStatus.REJECTED}
    ),
    ResponseStatus.SHORTLISTED: frozenset({ResponseStatus.ACCEPTED, ResponseStatus.REJECTED}),
    ResponseStatus.ACCEPTED: frozenset({ResponseStatus.REJECTED}),
    ResponseStatus.REJECTED: frozenset(),
    ResponseStatus.WITHDRAWN: frozenset(),
}


class Response(models.Model):
    """A model's application to a casting; one per casting and model profile."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    casting = models.ForeignKey(Casting, on_delete=models.CASCADE, related_name="responses")
    model_profile = models.ForeignKey(
        "profiles.ModelProfile", on_delete=models.CASCADE, related_name="casting_responses"
    )
    message = models.TextField(max_length=2000, blank=True)
    portfolio_links = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.PENDING
    )
    applied_at = models.DateTimeField(default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The owner's first answer (shortlist, accept or reject): the employer's response rate.
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The agency that submitted its roster model; NULL when the model applied.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_responses",
    )
    # Whether the model was told it is shortlisted (`notify: true`); until then it sees pending.
    shortlist_shared = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-applied_at", "-id"]
        constraints = [
            # Holds "once per casting" under concurrent requests (docs/API.md §7).
            models.UniqueConstraint(
                fields=["casting", "model_profile"], name="response_casting_model_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["casting", "status", "-applied_at"], name="response_casting_status_idx"
            ),
            models.Index(
                fields=["model_profile", "-applied_at"], name="response_model_applied_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_profile_id} → {self.casting_id} ({self.status})"

    @property
    def shortlist_hidden(self) -> bool:
        return self.status == ResponseStatus.SHORTLISTED and not self.shortlist_shared

    @property
    def status_for_model(self) -> str:
        """The status its author sees: an untold shortlist still reads pending."""
        return ResponseStatus.PENDING if self.shortlist_hidden else self.status

    @property
    def status_changed_at_for_model(self) -> Any:
        return None if self.shortlist_hidden else self.status_changed_at


class ResponseNote(models.Model):
    """The casting team's private note on a response; never shown to the model."""

    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, primary_key=True, related_name="owner_note"
    )
    text = models.TextField(max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("response note")
        verbose_name_plural = _("response notes")

    def __str__(self) -> str:
        return f"note on {self.response_id}"


class AuditionKind(models.TextChoices):
    AUDITION = "audition", "Audition"
    CALLBACK = "callback", "Callback"


class AuditionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class Audition(models.Model):
    """An invitation to audition (or a callback) sent to an applicant by the casting's team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="auditions")
    kind = models.CharField(max_length=16, choices=AuditionKind.choices)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=255)
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=16, choices=AuditionStatus.choices, default=AuditionStatus.PENDING
    )
    decline_reason = models.TextField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The 24 h reminder (sent once per starts_at: moving it clears this).
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["response", "starts_at"], name="audition_response_idx"),
            models.Index(
                fields=["starts_at"],
                condition=Q(reminder_sent_at__isnull=True, status__in=["pending", "confirmed"]),
                name="audition_reminder_due_idx",
            ),
        ]
        verbose_name = _("audition")
        verbose_name_plural = _("auditions")

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"


class CastingInvite(models.Model):
    """The casting's team asks a model to apply; the model's later response shows `invited`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    casting = models.ForeignKey(Casting, on_delete=models.CASCADE, related_name="invites")
    model_profile = models.ForeignKey(
        "profiles.ModelProfile", on_delete=models.CASCADE, related_name="casting_invites"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["casting", "model_profile"], name="casting_invite_once"
            ),
        ]
        verbose_name = _("invitation to apply")
        verbose_name_plural = _("invitations to apply")

    def __str__(self) -> str:
        return f"{self.model_profile_id} invited to {self.casting_id}"


EMPLOYER_REVIEW_COMMENT_MAX_LENGTH = 2000


class EmployerReview(models.Model):
    """A model's review of the employer whose casting accepted them, once the shoot began.

    One per casting and author (a model has one response per casting). The employer
    profile's `rating` and `reviews_count` are written down in the same transaction
    (castings/employer_trust.py); docs/TRUST.md.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employer = models.ForeignKey(
        "profiles.EmployerProfile",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("employer"),
    )
    casting = models.ForeignKey(
        Casting, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("casting")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="employer_reviews_written",
        verbose_name=_("author"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(
        _("comment"), max_length=EMPLOYER_REVIEW_COMMENT_MAX_LENGTH, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("employer review")
        verbose_name_plural = _("employer reviews")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["employer", "-created_at"], name="employer_review_list_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["casting", "author"], name="employer_review_once_per_casting"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="employer_review_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ · {self.employer}"  # the company's name
