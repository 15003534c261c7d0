"""Model and employer profiles, work experience and reviews (docs/API.md §5).

Ranges and choices are enforced twice: by the input serializers (400 with per-field details)
and by database check constraints, so nothing outside the contract can be stored by any path
(admin, demo loader, a bug in a service).

PostgreSQL-only parts (the `pg_trgm` extension, GIN indexes on the JSON lists, the
full-text search vector and the trigram index on names, the trigger that keeps the search vector
current) are created by migrations that are no-ops on SQLite; see `profiles/db.py`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_COUNTRY = "Kazakhstan"


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class ClothingSize(models.TextChoices):
    XS = "XS", "XS"
    S = "S", "S"
    M = "M", "M"
    L = "L", "L"
    XL = "XL", "XL"
    XXL = "XXL", "XXL"


class Experience(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    EXPERIENCED = "experienced", _("Experienced")


class Category(models.TextChoices):
    FASHION = "fashion", _("Fashion")
    COMMERCIAL = "commercial", _("Commercial")
    EDITORIAL = "editorial", _("Editorial")
    RUNWAY = "runway", _("Runway")


# (field, min, max) — docs/API.md §5. Shared by the serializers, the constraints and tests.
MODEL_RANGES: dict[str, tuple[int, int]] = {
    "age": (18, 99),
    "height": (100, 250),
    "weight": (30, 200),
    "bust": (40, 200),
    "waist": (40, 200),
    "hips": (40, 200),
    "shoe_size": (30, 50),
}
NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 100
BIO_MAX_LENGTH = 2000
LANGUAGES_MAX_ITEMS = 10
REVIEW_COMMENT_MAX_LENGTH = 2000


def _range_constraint(field: str, low: int, high: int) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=f"profiles_model_{field}_range",
    )


def _choice_constraint(
    field: str, choices: type[models.TextChoices], *, blank: bool
) -> models.CheckConstraint:
    condition = Q(**{f"{field}__in": choices.values})
    if blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=f"profiles_model_{field}_valid")


class ModelProfile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="model_profile"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    bio = models.TextField(max_length=BIO_MAX_LENGTH, blank=True, default="")
    age = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=8, choices=Gender.choices)
    height = models.PositiveSmallIntegerField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(null=True, blank=True)
    bust = models.PositiveSmallIntegerField(null=True, blank=True)
    waist = models.PositiveSmallIntegerField(null=True, blank=True)
    hips = models.PositiveSmallIntegerField(null=True, blank=True)
    shoe_size = models.PositiveSmallIntegerField(null=True, blank=True)
    clothing_size = models.CharField(
        max_length=3, choices=ClothingSize.choices, blank=True, default=""
    )
    hair_color = models.CharField(max_length=30, blank=True, default="")
    eye_color = models.CharField(max_length=30, blank=True, default="")
    skin_tone = models.CharField(max_length=30, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, default=DEFAULT_COUNTRY)
    # JSON lists: portable (SQLite for the embedded default) and GIN-indexed (jsonb_path_ops)
    # on PostgreSQL, where `categories @> '["fashion"]'` uses the index.
    languages = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    experience = models.CharField(max_length=16, choices=Experience.choices, blank=True, default="")
    can_travel = models.BooleanField(default=False)

    is_hidden = models.BooleanField(default=False, help_text="Hidden profiles are in no list.")
    promoted_until = models.DateTimeField(
        null=True, blank=True, help_text="Promotion granted by staff, until this moment."
    )
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    reviews_count = models.PositiveIntegerField(default=0)
    completeness = models.PositiveSmallIntegerField(default=0)
    # Storage names (not URLs) of the main photo and its thumbnail, maintained by `media`.
    main_photo = models.CharField(max_length=255, blank=True, default="")
    main_thumbnail = models.CharField(max_length=255, blank=True, default="")
    # Full-text vector over name (weight A) and bio (weight B), `simple` configuration. Kept
    # current by a database trigger on PostgreSQL (every write path, bulk ones included);
    # unused on SQLite, where search is a substring match.
    search_vector = SearchVectorField(null=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("model profile")
        verbose_name_plural = _("model profiles")
        ordering = ["-created_at"]
        indexes = [
            # The catalogue's capped counts (docs/PERFORMANCE.md, "Catalogue counts as index-only
            # scans"): every catalogue query holds `NOT is_hidden` and `user_id NOT IN (inactive
            # users)`, so the filter indexes carry both columns (INCLUDE, PostgreSQL only) and a
            # count reads its index alone, never the table (the bench VACUUMs, as autovacuum does).
            # The newest-first index ends with `id`, the list's tie-breaker: the page reads it in
            # order without a sort.
            models.Index(
                fields=["-created_at", "-id"],
                include=["user_id", "is_hidden"],
                name="profiles_mp_created_idx",
            ),
            models.Index(fields=["-rating", "-created_at"], name="profiles_mp_rating_idx"),
            models.Index(
                fields=["gender", "age"],
                include=["user_id", "is_hidden"],
                name="profiles_mp_gender_age_idx",
            ),
            models.Index(
                fields=["age"], include=["user_id", "is_hidden"], name="profiles_mp_age_idx"
            ),
            models.Index(
                fields=["height"], include=["user_id", "is_hidden"], name="profiles_mp_height_idx"
            ),
            models.Index(
                fields=["experience"],
                include=["user_id", "is_hidden"],
                name="profiles_mp_experience_idx",
            ),
            # The city filter and the catalogue's usual city + gender (+ age range + category):
            # its page reads that city and gender newest first and stops at the page's end, its
            # capped count reads the same entries alone (age and categories are in the index).
            # It replaced (UPPER(city), gender, age), whose page walked the whole newest-first
            # index for sparse combinations (docs/PERFORMANCE.md, "Catalogue counts as
            # index-only scans").
            models.Index(
                Upper("city"),
                "gender",
                F("created_at").desc(),
                F("id").desc(),
                include=["city", "age", "categories", "user_id", "is_hidden"],
                name="profiles_mp_city_gen_time_idx",
            ),
            models.Index(
                fields=["promoted_until"],
                name="profiles_mp_promoted_idx",
                condition=Q(promoted_until__isnull=False),
            ),
            # PostgreSQL only, created by raw SQL in the migrations (profiles/db.py) so that
            # SQLite, which rebuilds tables from the model state, never sees them:
            # GIN on search_vector, GIN gin_trgm_ops on name, GIN jsonb_path_ops on
            # categories and languages; and profiles_mp_height_desc_idx (height DESC NULLS
            # LAST INCLUDE (user_id, is_hidden), for `ordering=-height` and height ranges;
            # SQLite has no NULLS LAST in index definitions).
        ]
        constraints = [
            *(_range_constraint(field, low, high) for field, (low, high) in MODEL_RANGES.items()),
            _choice_constraint("gender", Gender, blank=False),
            _choice_constraint("clothing_size", ClothingSize, blank=True),
            _choice_constraint("experience", Experience, blank=True),
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=5), name="profiles_model_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(completeness__lte=100), name="profiles_model_completeness_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EmployerProfile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_profile"
    )
    company_name = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True, default="")
    website = models.URLField(max_length=200, blank=True, default="")
    contact_person = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, default=DEFAULT_COUNTRY)
    avatar = models.CharField(max_length=255, blank=True, default="", help_text="Storage name.")
    is_verified = models.BooleanField(default=False, help_text="Verified company.")
    # Trust figures written down by `castings` (docs/TRUST.md): the review average and count
    # at every review, the rest by the nightly rollup. Never computed per request here.
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    reviews_count = models.PositiveIntegerField(default=0)
    castings_posted = models.PositiveIntegerField(default=0)
    # Share (0 to 1) of the last 90 days' responses answered within 7 days; NULL = none to judge.
    response_rate = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    stats_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employer profile")
        verbose_name_plural = _("employer profiles")
        ordering = ["-created_at"]
        indexes = [models.Index(Upper("city"), name="profiles_ep_city_upper_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=5), name="profiles_employer_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(response_rate__isnull=True)
                | Q(response_rate__gte=0, response_rate__lte=1),
                name="profiles_employer_response_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return self.company_name


class WorkExperience(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        ModelProfile, on_delete=models.CASCADE, related_name="work_experience"
    )
    company = models.CharField(max_length=200)
    position = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("work experience")
        verbose_name_plural = _("work experiences")
        ordering = ["-start_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="profiles_work_experience_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.company}"


class Review(models.Model):
    """A casting owner's review of a model whose response to that casting was accepted.

    `casting_id` is a plain UUID, not a foreign key: `castings` depends on `profiles`
    (Response → ModelProfile), and a key back would make the two apps' migrations circular.
    The service asks castings through `profiles.signals.review_allowed` (castings sits above).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        ModelProfile,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("model profile"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_written",
        verbose_name=_("author"),
    )
    casting_id = models.UUIDField(_("casting"))
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(
        _("comment"), max_length=REVIEW_COMMENT_MAX_LENGTH, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["profile", "-created_at"], name="profiles_rv_list_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "casting_id"], name="profiles_review_once_per_casting"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="profiles_review_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ · {self.profile}"  # the model's name
