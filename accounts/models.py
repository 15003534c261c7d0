from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MODEL = "model", _("Model")
    EMPLOYER = "employer", _("Employer")
    AGENCY = "agency", _("Agency")
    ADMIN = "admin", _("Admin")


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

    def get_by_natural_key(self, username: str | None) -> User:
        if username is None:
            raise self.model.DoesNotExist
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
    # Account deletion (docs/PRIVACY.md): while `purge_at` is set the account is inactive and
    # hidden everywhere, restorable until then; `deleted_at` marks the anonymised tombstone kept
    # for the records the law requires (payments) and for the other party of a chat.
    purge_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
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
            models.Index(
                fields=["purge_at"],
                condition=models.Q(purge_at__isnull=False),
                name="accounts_user_purge_due",
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

    class Meta:
        verbose_name = _("refresh token rotation")
        verbose_name_plural = _("refresh token rotations")

    def __str__(self) -> str:
        return f"rotation of {self.token_id}"


class LegalDocumentKind(models.TextChoices):
    TERMS = "terms", _("Terms of service")
    PRIVACY = "privacy", _("Privacy policy")
    MARKETING = "marketing", _("Marketing e-mails")


# Accepting these is a condition of having an account; marketing is an opt-in.
REQUIRED_LEGAL_DOCUMENTS = (LegalDocumentKind.TERMS, LegalDocumentKind.PRIVACY)


class LegalDocument(models.Model):
    """One published version of a legal text. The current version of a kind is the newest one
    whose `published_at` has passed; staff publish a new version by adding a row."""

    document = models.CharField(max_length=16, choices=LegalDocumentKind.choices)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=300, blank=True, default="")
    body = models.TextField(blank=True, default="")
    published_at = models.DateTimeField(default=timezone.now)

    public_url: str  # not a column: set for output by accounts.consents

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["document", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"], name="accounts_legal_document_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.version}"


class Consent(models.Model):
    """A user's acceptance of one version of a legal document, with the evidence the Law on
    Personal Data asks for (when, from which address and user agent); withdrawal is recorded,
    never deleted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(max_length=16, choices=LegalDocumentKind.choices)
    version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "document", "version"], name="accounts_consent_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.document} {self.version}"


class Block(models.Model):
    """One user blocking another: neither sees the other in lists, chat or invitations. A fact
    about two users that every app above reads (`accounts.selectors.blocked_user_ids_subquery`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "moderation_block"  # created by the moderation app, where it started
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="moderation_block_pair"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="moderation_block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"])]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
