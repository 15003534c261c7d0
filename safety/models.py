"""Trust and safety data: the staff-edited rule set, the automatic flags it raises, the facts a
trust level is computed from, and the daily usage the trust limits count.

`safety` sits just above `accounts` and `notifications` and below everything that calls it
(billing, profiles, castings, chat, moderation): it refers to other apps' objects by
`target_kind` + `target_id` only, and the facts that live in upper apps (a verified company, a
paid plan, accepted work, upheld reports) are pushed down into `TrustFacts` by those apps.
docs/SAFETY.md describes the whole layer.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from safety.detectors import DETECTORS


class TargetKind(models.TextChoices):
    """What an automatic flag, a user report or an audit entry points at (kind + id): the one
    list of target kinds; moderation's reports and audit log use it too."""

    USER = "user", _("User")
    MODEL_PROFILE = "model_profile", _("Model profile")
    EMPLOYER_PROFILE = "employer_profile", _("Employer profile")
    CASTING = "casting", _("Casting")
    MESSAGE = "message", _("Chat message")
    PHOTO = "photo", _("Photo")


# The kinds whose text the rules scan (a rule's `target_kinds`, a flag's `target_kind`).
SCANNED_KINDS: tuple[TargetKind, ...] = (
    TargetKind.CASTING,
    TargetKind.MESSAGE,
    TargetKind.MODEL_PROFILE,
    TargetKind.EMPLOYER_PROFILE,
)
SCANNED_KIND_CHOICES: list[tuple[str, str | Promise]] = [
    (kind.value, kind.label) for kind in SCANNED_KINDS
]


class RuleAction(models.TextChoices):
    FLAG = "flag", _("Flag for review")
    HOLD = "hold", _("Hold until reviewed")


class RuleLanguage(models.TextChoices):
    ANY = "any", _("Any language")
    RU = "ru", _("Russian")
    KK = "kk", _("Kazakh")
    EN = "en", _("English")


def _detector_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in DETECTORS]


# The names and descriptions of the built-in rules (migration 0002_default_rules stores them in
# English): message ids, so the admin shows them in the staff member's language (`Rule.label`,
# `Rule.explanation`). A rule staff wrote, or a built-in one they renamed, shows as written.
BUILTIN_RULE_TEXTS = frozenset(
    {
        gettext_noop("Prepayment or fee asked of the model"),
        gettext_noop(
            "предоплата, оплата за фотосессию/портфолио/регистрацию; алдын ала төлем, "
            "тіркеу ақысы; registration fee, pay for your portfolio, deposit"
        ),
        gettext_noop("Payment card number"),
        gettext_noop("13-19 digits, Luhn-valid"),
        gettext_noop("Kazakh IIN"),
        gettext_noop("12 digits with a birth date and a valid control digit"),
        gettext_noop("Passport or ID photo requested"),
        gettext_noop(
            "фото/скан паспорта, жеке куәліктің суреті, photo of your passport, send your IIN"
        ),
        gettext_noop("Link or move to a messenger"),
        gettext_noop("t.me, wa.me, WhatsApp, Telegram, Viber (ordinary castings say it too)"),
        gettext_noop("Adult content terms"),
        gettext_noop("escort, intimate services, OnlyFans, nude shoot, ню съёмка, жалаңаш"),
        gettext_noop("Guaranteed contract or work abroad (ru)"),
        gettext_noop("Guaranteed contract or work abroad (kk)"),
        gettext_noop("Guaranteed contract or work abroad (en)"),
    }
)


def builtin_text(text: str) -> str:
    """`text` in the active language when it is a built-in rule's name or description."""
    return gettext(text) if text in BUILTIN_RULE_TEXTS else text


class Rule(models.Model):
    """One signal: a built-in detector or a regular expression, where it runs and what it does.

    Every active rule runs on every text of its target kinds (people mix languages; `language`
    says what the pattern was written for). A pattern is matched on the normalised text
    (docs/SAFETY.md, "Normalisation") and may be written in Cyrillic or Latin letters.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    detector = models.CharField(
        _("detector"), max_length=32, blank=True, choices=_detector_choices()
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=300,
        blank=True,
        help_text=_("A regular expression, used when no detector is chosen."),
    )
    language = models.CharField(
        _("language"), max_length=3, choices=RuleLanguage.choices, default=RuleLanguage.ANY
    )
    target_kinds = models.JSONField(
        _("target kinds"),
        default=list,
        help_text=_("Where the rule runs: casting, message, model_profile, employer_profile."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("Flags with a higher total weight come first.")
    )
    action = models.CharField(
        _("action"), max_length=8, choices=RuleAction.choices, default=RuleAction.FLAG
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("safety rule")
        verbose_name_plural = _("safety rules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(detector="") & ~Q(pattern="")) | (~Q(detector="") & Q(pattern="")),
                name="safety_rule_detector_xor_pattern",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name as staff read it (a built-in rule's in their language)."""
        return builtin_text(self.name)

    @property
    def explanation(self) -> str:
        """The description as staff read it (a built-in rule's in their language)."""
        return builtin_text(self.description)


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    APPROVED = "approved", _("Approved (content is fine)")
    REJECTED = "rejected", _("Rejected (the rule was right)")


class Flag(models.Model):
    """An automatic item of the moderation queue: a text on which rules fired.

    `hits` are `{"rule", "detector", "start", "end", "excerpt"}` with offsets into `text` (the
    scanned text as it was), so the queue highlights exactly what fired. One open flag per
    target: scanning an edited text again updates it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    target_kind = models.CharField(_("target kind"), max_length=32, choices=SCANNED_KIND_CHOICES)
    target_id = models.UUIDField(_("target id"))
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="safety_flags",
    )
    # The other party (a message's recipients' room partner), for "trust of both parties".
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("other party"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=8, choices=RuleAction.choices)
    # the target waits for this flag's decision
    held = models.BooleanField(_("held"), default=False)
    rules = models.ManyToManyField(Rule, related_name="flags", blank=True, verbose_name=_("rules"))
    weight = models.PositiveIntegerField(_("weight"), default=0)
    text = models.TextField(_("text"), max_length=20000)
    hits = models.JSONField(_("matches"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="safety_flags_decided",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("automatic flag")
        verbose_name_plural = _("automatic flags")
        ordering = ["-held", "-weight", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_kind", "target_id"],
                condition=Q(status="open"),
                name="safety_flag_one_open_per_target",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.get_target_kind_display()} {self.target_id}"


class TrustFacts(models.Model):
    """Facts about an account that live in apps above `safety`, pushed down by them.

    (E-mail verification and account age are read from the user itself.)
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="trust_facts",
        verbose_name=_("user"),
    )
    verified_company = models.BooleanField(_("verified company"), default=False)
    paid_until = models.DateTimeField(_("paid until"), null=True, blank=True)
    accepted_responses = models.PositiveIntegerField(_("accepted responses"), default=0)
    completed_castings = models.PositiveIntegerField(_("completed castings"), default=0)
    # reports against it, upheld
    upheld_reports = models.PositiveIntegerField(_("upheld reports against it"), default=0)
    # its own reports, dismissed
    dismissed_reports = models.PositiveIntegerField(_("its reports dismissed"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("trust facts")
        verbose_name_plural = _("trust facts")

    def __str__(self) -> str:
        return f"trust facts of {self.user_id}"


class LimitKind(models.TextChoices):
    CHAT_ROOMS = "chat_rooms", _("new chat rooms")
    CASTINGS = "castings", _("castings created")
    INVITES = "invites", _("invitations to apply")


class DailyUsage(models.Model):
    """How much of a trust limit an account spent on one day (counted by a constraint)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_usage"
    )
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=LimitKind.choices)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "kind"], name="safety_usage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.kind}={self.used}"
