# ruff: noqa: RUF001 — the catalogue is Cyrillic text on purpose
"""Per-type message catalogues: the title and message of every notification, in ru, kk and en.

Each entry is keyed by notification type and holds, per language, a `title` and a `message`
written with `str.format` placeholders named after the `data` keys callers pass (see
`services.notify`). Missing keys never fail: they fall back to a neutral word in the user's
language (`FALLBACKS`), so a caller that forgets `applicant_name` still produces a sentence
without an e-mail address or a raw placeholder in it.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

DEFAULT_LANGUAGE = "ru"
LANGUAGES = ("ru", "kk", "en")

CATALOGUE: dict[str, dict[str, dict[str, str]]] = {
    "new_response": {
        "ru": {
            "title": "Новый отклик на ваш кастинг",
            "message": "{applicant_name} откликнулся(-ась) на кастинг «{casting_title}»",
        },
        "kk": {
            "title": "Кастингіңізге жаңа өтінім",
            "message": "{applicant_name} «{casting_title}» кастингіне өтінім берді",
        },
        "en": {
            "title": "New Response to Your Casting",
            "message": "{applicant_name} applied to {casting_title}",
        },
    },
    "response_status_change": {
        "ru": {
            "title": "Статус отклика изменён",
            "message": "Ваш отклик на кастинг «{casting_title}»: {status}",
        },
        "kk": {
            "title": "Өтінім мәртебесі өзгерді",
            "message": "«{casting_title}» кастингіне өтініміңіз: {status}",
        },
        "en": {
            "title": "Response Status Updated",
            "message": "Your response to {casting_title} was {status}",
        },
    },
    "new_message": {
        "ru": {"title": "Новое сообщение от {sender_name}", "message": "{preview}"},
        "kk": {"title": "{sender_name} жаңа хабарлама жіберді", "message": "{preview}"},
        "en": {"title": "New message from {sender_name}", "message": "{preview}"},
    },
    "new_casting": {
        "ru": {
            "title": "Новый кастинг для вас",
            "message": "«{casting_title}» — {city}",
        },
        "kk": {
            "title": "Сізге жаңа кастинг",
            "message": "«{casting_title}» — {city}",
        },
        "en": {
            "title": "New Casting for You",
            "message": "{casting_title} — {city}",
        },
    },
    "casting_reminder": {
        "ru": {
            "title": "Напоминание о съёмке",
            "message": "Съёмка по кастингу «{casting_title}» — {shoot_date}",
        },
        "kk": {
            "title": "Түсірілім туралы еске салу",
            "message": "«{casting_title}» кастингі бойынша түсірілім — {shoot_date}",
        },
        "en": {
            "title": "Shoot Reminder",
            "message": "The shoot for {casting_title} is on {shoot_date}",
        },
    },
    "data_export_ready": {
        "ru": {
            "title": "Ваши данные готовы",
            "message": "Архив с вашими данными MWork готов. Ссылка действует до {expires_at}.",
        },
        "kk": {
            "title": "Деректеріңіз дайын",
            "message": "MWork деректеріңіз бар мұрағат дайын. Сілтеме {expires_at} дейін жарамды.",
        },
        "en": {
            "title": "Your Data Is Ready",
            "message": "The archive of your MWork data is ready. The link works until "
            "{expires_at}.",
        },
    },
    "subscription_expiring": {
        "ru": {
            "title": "Подписка скоро закончится",
            "message": "Ваша подписка {plan} действует до {expires_at}. Продлите её, чтобы "
            "сохранить доступ.",
        },
        "kk": {
            "title": "Жазылым жақында аяқталады",
            "message": "{plan} жазылымыңыз {expires_at} дейін жарамды. Қолжетімділікті сақтау "
            "үшін оны ұзартыңыз.",
        },
        "en": {
            "title": "Your Subscription Is Expiring",
            "message": "Your {plan} subscription is valid until {expires_at}. Renew it to keep "
            "your access.",
        },
    },
    "payment_succeeded": {
        "ru": {"title": "Оплата прошла успешно", "message": "Оплачено {amount}: {item}"},
        "kk": {"title": "Төлем сәтті өтті", "message": "Төленді {amount}: {item}"},
        "en": {"title": "Payment Successful", "message": "Paid {amount}: {item}"},
    },
    # Agencies and organizations (issue 11).
    "agency_invitation": {
        "ru": {
            "title": "Приглашение от агентства",
            "message": "{agency_name} приглашает вас в своё агентство",
        },
        "kk": {
            "title": "Агенттіктен шақыру",
            "message": "{agency_name} сізді агенттігіне шақырады",
        },
        "en": {
            "title": "Agency Invitation",
            "message": "{agency_name} invites you to join their agency",
        },
    },
    "agency_invitation_answered": {
        "ru": {
            "title": "Ответ на приглашение",
            "message": "{model_name}: приглашение {status}",
        },
        "kk": {
            "title": "Шақыруға жауап",
            "message": "{model_name}: шақыру {status}",
        },
        "en": {
            "title": "Invitation Answered",
            "message": "{model_name} {status} your invitation",
        },
    },
    "agency_link_ended": {
        "ru": {
            "title": "Сотрудничество с агентством завершено",
            "message": "{model_name} больше не представлен(а) агентством {agency_name}",
        },
        "kk": {
            "title": "Агенттікпен ынтымақтастық аяқталды",
            "message": "{model_name} енді {agency_name} агенттігінің өкілі емес",
        },
        "en": {
            "title": "Agency Link Ended",
            "message": "{model_name} is no longer represented by {agency_name}",
        },
    },
    "agency_submission": {
        "ru": {
            "title": "Агентство подало вашу заявку",
            "message": "{agency_name} предложило вас на кастинг «{casting_title}»",
        },
        "kk": {
            "title": "Агенттік сізді ұсынды",
            "message": "{agency_name} сізді «{casting_title}» кастингіне ұсынды",
        },
        "en": {
            "title": "Your Agency Submitted You",
            "message": "{agency_name} submitted you to {casting_title}",
        },
    },
    "organization_invitation": {
        "ru": {
            "title": "Приглашение в команду",
            "message": "{organization_name} приглашает вас в свою команду",
        },
        "kk": {
            "title": "Командаға шақыру",
            "message": "{organization_name} сізді өз командасына шақырады",
        },
        "en": {
            "title": "Team Invitation",
            "message": "{organization_name} invites you to join their team",
        },
    },
    "organization_invitation_answered": {
        "ru": {
            "title": "Ответ на приглашение в команду",
            "message": "{member_name}: приглашение {status}",
        },
        "kk": {
            "title": "Командаға шақыруға жауап",
            "message": "{member_name}: шақыру {status}",
        },
        "en": {
            "title": "Team Invitation Answered",
            "message": "{member_name} {status} your invitation",
        },
    },
    # Staff announcements carry their own text (`data["title"]`, `data["message"]`).
    "announcement": {lang: {"title": "{title}", "message": "{message}"} for lang in LANGUAGES},
}

# Neutral words for keys a caller did not pass (never an e-mail address).
FALLBACKS: dict[str, dict[str, str]] = {
    "ru": {
        "applicant_name": "Пользователь MWork",
        "sender_name": "пользователя MWork",
        "casting_title": "без названия",
        "city": "город не указан",
        "status": "обновлён",
        "shoot_date": "скоро",
        "plan": "",
        "expires_at": "скорого срока",
        "amount": "",
        "item": "заказ",
        "preview": "",
        "title": "MWork",
        "message": "",
    },
    "kk": {
        "applicant_name": "MWork пайдаланушысы",
        "sender_name": "MWork пайдаланушысы",
        "casting_title": "атаусыз",
        "city": "қала көрсетілмеген",
        "status": "жаңартылды",
        "shoot_date": "жақында",
        "plan": "",
        "expires_at": "жақын күнге",
        "amount": "",
        "item": "тапсырыс",
        "preview": "",
        "title": "MWork",
        "message": "",
    },
    "en": {
        "applicant_name": "An MWork user",
        "sender_name": "an MWork user",
        "casting_title": "a casting",
        "city": "city not specified",
        "status": "updated",
        "shoot_date": "soon",
        "plan": "",
        "expires_at": "soon",
        "amount": "",
        "item": "order",
        "preview": "",
        "title": "MWork",
        "message": "",
    },
}

STATUS_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "accepted": "принят",
        "rejected": "отклонён",
        "pending": "на рассмотрении",
        "withdrawn": "отозван",
        "declined": "отклонено",
    },
    "kk": {
        "accepted": "қабылданды",
        "rejected": "қабылданбады",
        "pending": "қаралуда",
        "withdrawn": "кері қайтарылды",
        "declined": "қабылданбады",
    },
    "en": {
        "accepted": "accepted",
        "rejected": "rejected",
        "pending": "pending",
        "withdrawn": "withdrawn",
        "declined": "declined",
    },
}

PURPOSE_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "subscription": "подписка {plan}",
        "response_package": "пакет откликов {package}",
        "package": "пакет {package}",
    },
    "kk": {
        "subscription": "{plan} жазылымы",
        "response_package": "{package} өтінім пакеті",
        "package": "{package} пакеті",
    },
    "en": {
        "subscription": "{plan} subscription",
        "response_package": "{package} response package",
        "package": "{package} package",
    },
}

GENERIC = {
    "ru": {"title": "Уведомление MWork", "message": ""},
    "kk": {"title": "MWork хабарламасы", "message": ""},
    "en": {"title": "MWork notification", "message": ""},
}

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


def _values(type: str, data: dict[str, Any], language: str) -> dict[str, str]:
    values = {key: _text(value) for key, value in data.items() if _text(value)}
    if "status" in values:
        values["status"] = STATUS_WORDS[language].get(values["status"], values["status"])
    if "shoot_date" in values:
        values["shoot_date"] = _format_date(values["shoot_date"], with_time=True)
    if "expires_at" in values:
        values["expires_at"] = _format_date(values["expires_at"])
    if "amount" in values:
        values["amount"] = _format_amount(values["amount"])
    if "preview" in values and len(values["preview"]) > PREVIEW_MAX:
        values["preview"] = values["preview"][: PREVIEW_MAX - 1].rstrip() + "…"
    if type == "payment_succeeded":
        purpose = values.get("purpose", "")
        if purpose not in PURPOSE_WORDS[language]:
            purpose = "package" if values.get("package") else "subscription"
        template = PURPOSE_WORDS[language][purpose]
        item = values.get("plan") or values.get("package")
        if template and item:
            values["item"] = template.format(plan=item, package=item)
        elif item:
            values["item"] = item
    return values


def render(*, type: str, data: dict[str, Any], language: str | None) -> tuple[str, str]:
    """(title, message) of a notification of `type` in `language` (ru when unknown)."""
    language = normalize_language(language)
    entry = CATALOGUE.get(type, GENERIC)
    texts = entry.get(language) or entry[DEFAULT_LANGUAGE]
    values = _Values(_values(type, data or {}, language), FALLBACKS[language])
    title = _formatter.vformat(texts["title"], (), values).strip() or GENERIC[language]["title"]
    message = _formatter.vformat(texts["message"], (), values).strip()
    return title[:TITLE_MAX], message
