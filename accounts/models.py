from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    MODEL = "model", "Model"
    EMPLOYER = "employer", "Employer"
    AGENCY = "agency", "Agency"
    ADMIN = "admin", "Admin"


SELF_REGISTERED_ROLES = (Role.MODEL, Role.EMPLOYER, Role.AGENCY)


class Language(models.TextChoices):
    RU = "ru", "Русский"
    KK = "kk", "Қазақша"
    EN = "en", "English"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.MODEL)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, email_verified=True, role=Role.ADMIN)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=normalize_email(username))


def normalize_email(email: str) -> str:
    """E-mail is case-insensitive on MWork: stored and compared lower-case."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MODEL)
    email_verified = models.BooleanField(default=False)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.RU)
    is_active = models.BooleanField(
        default=True, help_text="Unticked for banned accounts: they cannot log in or use tokens."
    )
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Tokens carry this number in their `ver` claim; bumping it revokes every token the user
    # holds (password reset, ban, reuse of a rotated refresh token).
    token_version = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["role", "created_at"]),
            # Banned and deactivated users are few: "owner not banned" is checked against this
            # small index (`accounts.selectors.inactive_user_ids`) instead of a join per row.
            models.Index(
                fields=["id"], condition=models.Q(is_active=False), name="accounts_user_inactive"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)


class RefreshTokenRotation(models.Model):
    """A refresh token that was exchanged for a new pair at `/auth/refresh`.

    Rotated tokens are blacklisted like logged-out ones; this row tells them apart, because
    presenting a *rotated* token again means it was copied (reuse detection), while a logged-out
    one is simply refused.
    """

    token = models.OneToOneField(
        "token_blacklist.OutstandingToken",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rotation",
    )
    rotated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"rotation of {self.token_id}"
