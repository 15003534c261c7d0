"""The title and message of every notification type, rendered in the recipient's language.

Each entry is keyed by notification type and holds a gettext `title` and `message` (English
msgids; ru/kk/en in `locale/`) written with `str.format` placeholders named after the `data`
keys callers pass (see `services.notify`). Missing keys never fail: they fall back to a neutral
word (`FALLBACKS`), so a caller that forgets `applicant_name` still produces a sentence without
an e-mail address or a raw placeholder in it.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT_LANGUAGE = "ru"
LANGUAGES = ("ru", "kk", "en")

CATALOGUE: dict[str, tuple[Any, Any]] = {
    "new_response": (
        _("New Response to Your Casting"),
        _("{applicant_name} applied to {casting_title}"),
    ),
    "response_status_change": (
        _("Response Status Updated"),
        _("Your response to {casting_title} was {status}"),
    ),
    "new_message": (_("New message from {sender_name}"), "{preview}"),
    "new_casting": (_("New Casting for You"), _("{casting_title} — {city}")),
    "data_export_ready": (
        _("Your Data Is Ready"),
        _("The archive of your MWork data is ready. The link works until {expires_at}."),
    ),
    "casting_reminder": (
        _("Shoot Reminder"),
        _("The shoot for {casting_title} is on {shoot_date}"),
    ),
    "subscription_expiring": (
        _("Your Subscription Is Expiring"),
        _("Your {plan} subscription is valid until {expires_at}. Renew it to keep your access."),
    ),
    "payment_succeeded": (_("Payment Successful"), _("Paid {amount}: {item}")),
    "agency_invitation": (
        _("Agency Invitation"),
        _("{agency_name} invites you to join their agency"),
    ),
    "agency_invitation_answered": (
        _("Invitation Answered"),
        _("{model_name} {status} your invitation"),
    ),
    "agency_link_ended": (
        _("Agency Link Ended"),
        _("{model_name} is no longer represented by {agency_name}"),
    ),
    "agency_submission": (
        _("Your Agency Submitted You"),
        _("{agency_name} submitted you to {casting_title}"),
    ),
    "organization_invitation": (
        _("Team Invitation"),
        _("{organization_name} invites you to join their team"),
    ),
    "organization_invitation_answered": (
        _("Team Invitation Answered"),
        _("{member_name} {status} your invitation"),
    ),
    "casting_invite": (
        _("Invitation to Apply"),
        _("{company_name} invites you to apply to {casting_title}"),
    ),
    "audition_invitation": (
        _("Audition Invitation"),
        _("You are invited to a {kind} for {casting_title}: {starts_at}, {place}"),
    ),
    "audition_rescheduled": (
        _("Audition Changed"),
        _("Your {kind} for {casting_title} is now {starts_at}, {place}"),
    ),
    "audition_cancelled": (
        _("Audition Cancelled"),
        _("Your {kind} for {casting_title} on {starts_at} was cancelled"),
    ),
    "audition_answered": (
        _("Audition Answered"),
        _("{model_name} {status} the {kind} for {casting_title} on {starts_at}"),
    ),
    "audition_reminder": (
        _("Audition Reminder"),
        _("Your {kind} for {casting_title} is on {starts_at}, {place}"),
    ),
    "saved_search_match": (
        _("New Match for Your Saved Search"),
        _("{saved_search_name}: {match_title}, {city}"),
    ),
    # Staff announcements carry their own text (`data["title"]`, `data["message"]`).
    "announcement": ("{title}", "{message}"),
}

# Neutral words for keys a caller did not pass (never an e-mail address).
FALLBACKS: dict[str, Any] = {
    "applicant_name": pgettext_lazy("notification: who applied, unknown", "An MWork user"),
    "sender_name": pgettext_lazy("notification: who wrote, unknown", "an MWork user"),
    "casting_title": pgettext_lazy("notification: casting title, unknown", "a casting"),
    "city": pgettext_lazy("notification: city, unknown", "city not specified"),
    "status": pgettext_lazy("notification: status, unknown", "updated"),
    "shoot_date": pgettext_lazy("notification: shoot date, unknown", "soon"),
    "expires_at": pgettext_lazy("notification: expiry date, unknown", "soon"),
    "item": pgettext_lazy("notification: what was paid for, unknown", "order"),
    "title": "MWork",
}

# A response's new status, and a model's answer to an agency's invitation.
STATUS_WORDS: dict[str, dict[str, Any]] = {
    "response_status_change": {
        "accepted": pgettext_lazy("response status", "accepted"),
        "shortlisted": pgettext_lazy("response status", "shortlisted"),
        "rejected": pgettext_lazy("response status", "rejected"),
        "pending": pgettext_lazy("response status", "pending"),
        "withdrawn": pgettext_lazy("response status", "withdrawn"),
    },
    "agency_invitation_answered": {
        "accepted": pgettext_lazy("invitation answer", "accepted"),
        "declined": pgettext_lazy("invitation answer", "declined"),
    },
}
STATUS_WORDS["organization_invitation_answered"] = STATUS_WORDS["agency_invitation_answered"]
STATUS_WORDS["audition_answered"] = {
    "confirmed": pgettext_lazy("audition answer", "confirmed"),
    "declined": pgettext_lazy("audition answer", "declined"),
}
KIND_WORDS: dict[str, Any] = {
    "audition": pgettext_lazy("audition kind", "audition"),
    "callback": pgettext_lazy("audition kind", "callback"),
}

PURPOSE_WORDS: dict[str, Any] = {
    "subscription": _("{plan} subscription"),
    "response_package": _("{package} response package"),
    "package": _("{package} package"),
}

GENERIC_TITLE = _("MWork notification")

PREVIEW_MAX = 140
TITLE_MAX = 255


class _Values(dict):
    """`str.format_map` source: values of `data`, else the language's fallback, else ''."""

    def __init__(self, values: dict[str, str], fallbacks: dict[str, str]):
        super().__init__(values)
        self.fallbacks = fallbacks

    def __missing__(self, key: str) -> str:
        return self.fallbacks.get(key, "")


class _SafeFormatter(string.Formatter):
    """Only plain `{name}` fields; attribute/index lookups in a template would be a bug."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        return kwargs[field_name], field_name


_formatter = _SafeFormatter()


def normalize_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _platform_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "PLATFORM_TIME_ZONE", "Asia/Almaty"))


def _format_date(value: Any, *, with_time: bool = False) -> str:
    """ISO date or datetime → `DD.MM.YYYY` (plus `HH:MM` for a moment when `with_time`), in the
    platform's time zone (Asia/Almaty): users read local dates, callers send UTC."""
    raw = _text(value)
    if not raw:
        return ""
    if "T" not in raw and " " not in raw:
        try:
            return date.fromisoformat(raw).strftime("%d.%m.%Y")
        except ValueError:
            return raw
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if moment.tzinfo is not None:
        moment = moment.astimezone(_platform_zone())
    return moment.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def _format_amount(value: Any) -> str:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return _text(value)
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0₸"


def _values(type: str, data: dict[str, Any]) -> dict[str, str]:
    """Display values of `data` in the active language."""
    values = {key: _text(value) for key, value in data.items() if _text(value)}
    if "status" in values:
        word = STATUS_WORDS.get(type, {}).get(values["status"])
        values["status"] = str(word) if word is not None else values["status"]
    if "shoot_date" in values:
        values["shoot_date"] = _format_date(values["shoot_date"], with_time=True)
    if "starts_at" in values:
        values["starts_at"] = _format_date(values["starts_at"], with_time=True)
    if values.get("kind") in KIND_WORDS:
        values["kind"] = str(KIND_WORDS[values["kind"]])
    if "expires_at" in values:
        values["expires_at"] = _format_date(values["expires_at"])
    if "amount" in values:
        values["amount"] = _format_amount(values["amount"])
    if "preview" in values and len(values["preview"]) > PREVIEW_MAX:
        values["preview"] = values["preview"][: PREVIEW_MAX - 1].rstrip() + "…"
    if type == "payment_succeeded":
        purpose = values.get("purpose", "")
        if purpose not in PURPOSE_WORDS:
            purpose = "package" if values.get("package") else "subscription"
        item = values.get("plan") or values.get("package")
        if item:
            values["item"] = str(PURPOSE_WORDS[purpose]).format(plan=item, package=item)
    return values


def render(*, type: str, data: dict[str, Any], language: str | None) -> tuple[str, str]:
    """(title, message) of a notification of `type` in `language` (ru when unknown)."""
    with translation.override(normalize_language(language)):
        title_text, message_text = CATALOGUE.get(type, (GENERIC_TITLE, ""))
        fallbacks = {key: str(word) for key, word in FALLBACKS.items()}
        values = _Values(_values(type, data or {}), fallbacks)
        title = _formatter.vformat(str(title_text), (), values).strip() or str(GENERIC_TITLE)
        message = _formatter.vformat(str(message_text), (), values).strip()
    return title[:TITLE_MAX], message
