# ruff: noqa: RUF001 - Russian and Kazakh text
"""The built-in rules are stored in English (migration 0002_default_rules) and shown in the
staff member's language; a rule staff wrote shows as written (safety.models.BUILTIN_RULE_TEXTS)."""

from __future__ import annotations

import importlib

import pytest
from django.urls import reverse
from django.utils import translation

from moderation.tests.admin_world import staff_user
from safety.models import BUILTIN_RULE_TEXTS, Rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]

PREPAYMENT = "Prepayment or fee asked of the model"
SHOWN = {
    "ru": ("С модели требуют предоплату или взнос", "13–19 цифр, проходит проверку Луна"),
    "kk": (
        "Модельден алдын ала төлем немесе жарна талап етіледі",
        "13–19 цифр, Луна тексерісінен өтеді",
    ),
}


def test_every_shipped_rule_text_is_a_message_id():
    migration = importlib.import_module("safety.migrations.0002_default_rules")
    shipped = {
        spec.get(key, "") for spec in migration.DEFAULT_RULES for key in ("name", "description")
    }

    assert shipped - {""} <= BUILTIN_RULE_TEXTS


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_rules_show_in_the_admin_language(language, client):
    own = Rule.objects.create(
        name="Оплата на карту до съёмки",
        description="staff wrote this one",
        pattern=r"оплат\w*\sна\sкарту",
        target_kinds=["casting"],
    )
    client.force_login(staff_user("Moderators"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    name, description = SHOWN[language]

    rules = client.get(reverse("admin:safety_rule_changelist")).content.decode()
    prepayment = Rule.objects.get(name=PREPAYMENT)
    card = Rule.objects.get(name="Payment card number")
    page = client.get(reverse("admin:safety_rule_change", args=[card.pk])).content.decode()
    own_page = client.get(reverse("admin:safety_rule_change", args=[own.pk])).content.decode()

    assert name in rules and PREPAYMENT not in rules
    assert "Оплата на карту до съёмки" in rules  # a staff rule as written
    with translation.override(language):
        assert f"<title>{card.label} |" in page  # the title reads the translated name
    assert description in page  # the stored English text's translation, beside its field
    assert "Luhn-valid" in page  # the stored text itself stays editable as it is
    assert "staff wrote this one" in own_page and "Built-in" not in own_page
    # the stored values never change (the scanner and the flags' hits keep naming them so)
    assert prepayment.name == PREPAYMENT and card.description == "13-19 digits, Luhn-valid"


def test_english_admin_reads_the_stored_text(client):
    client.force_login(staff_user("Moderators"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    rules = client.get(reverse("admin:safety_rule_changelist")).content.decode()

    assert PREPAYMENT in rules
