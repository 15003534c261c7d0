# ruff: noqa: RUF001 - Cyrillic text is the subject matter here
"""The rule set as shipped and as staff edit it, and trust levels from facts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from moderation.models import AuditLogEntry
from moderation.tests.admin_world import staff_user
from safety.models import SCANNED_KINDS, Rule, TargetKind, TrustFacts
from safety.services import (
    TrustLevel,
    content_scan,
    is_trusted,
    ordinary_corpus,
    reporter_weight,
    rule_problems,
    trust_facts_count,
    trust_facts_set,
    trust_level,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]

ALL_KINDS = [k.value for k in SCANNED_KINDS]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Для участия нужна предоплата 5000 тг", "Prepayment or fee asked of the model"),
        ("Кастингке қатысу үшін тіркеу ақысы 3000 теңге", "Prepayment or fee asked of the model"),
        ("A small registration fee of $20 is required", "Prepayment or fee asked of the model"),
        ("переведите на карту 4400 4301 2345 6789", "Payment card number"),
        ("мой ИИН 900515300127 для договора", "Kazakh IIN"),
        ("Пришлите фото паспорта для договора", "Passport or ID photo requested"),
        ("Please send a photo of your passport", "Passport or ID photo requested"),
    ],
)
def test_default_hold_rules_hold_scams_in_three_languages(text, rule):
    result = content_scan(kind=TargetKind.MESSAGE, text=text)

    assert result.action == "hold"
    assert rule in {hit["rule"] for hit in result.hits}
    hit = next(h for h in result.hits if h["rule"] == rule)
    assert 0 <= hit["start"] < hit["end"] <= len(text)


@pytest.mark.parametrize(
    "text",
    [
        "Пишите в WhatsApp, обсудим детали",
        "Жазыңыз: t . me/agency_kz",
        "Гарантированный контракт в Милане!",
        "Guaranteed contract after the casting",
    ],
)
def test_flag_rules_only_flag(text):
    result = content_scan(kind=TargetKind.CASTING, text=text)

    assert result.action == "flag"
    assert result.hits


def test_default_rule_set_holds_none_of_the_ordinary_corpus():
    lines = ordinary_corpus()
    assert len(lines) >= 200

    held = [
        (kind, line)
        for line in lines
        for kind in ALL_KINDS
        if content_scan(kind=kind, text=line).action == "hold"
    ]

    assert held == []


def test_default_rules_are_valid_by_the_admin_checks():
    for rule in Rule.objects.all():
        assert (
            rule_problems(
                detector=rule.detector,
                pattern=rule.pattern,
                action=rule.action,
                target_kinds=rule.target_kinds,
            )
            == {}
        ), rule.name


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"detector": "messenger", "pattern": "", "action": "hold"}, "action"),
        ({"detector": "", "pattern": r"кастинг\w*", "action": "hold"}, "action"),
        ({"detector": "", "pattern": "(unclosed", "action": "flag"}, "pattern"),
        ({"detector": "adult", "pattern": "x", "action": "flag"}, "pattern"),
        ({"detector": "", "pattern": "", "action": "flag"}, "pattern"),
    ],
)
def test_rule_problems_refuse_noisy_holds_and_broken_patterns(fields, field):
    assert field in rule_problems(target_kinds=["casting"], **fields)


def test_a_quiet_pattern_may_hold():
    problems = rule_problems(
        detector="", pattern=r"залог\s+за\s+костюм", action="hold", target_kinds=["casting"]
    )

    assert problems == {}


def test_staff_add_a_rule_in_the_admin_and_it_runs_at_once(client):
    moderator = staff_user("Moderators")
    client.force_login(moderator)
    text = "Купите у нас костюм для кастинга"
    assert content_scan(kind=TargetKind.CASTING, text=text).action is None

    response = client.post(
        reverse("admin:safety_rule_add"),
        {
            "name": "Costume sale",
            "description": "selling costumes to models",
            "detector": "",
            "pattern": r"купите\s+у\s+нас",
            "language": "ru",
            "target_kinds": ["casting", "message"],
            "weight": 2,
            "action": "flag",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get(name="Costume sale")
    assert AuditLogEntry.objects.filter(target_type="safety.rule", target_id=str(rule.pk)).count()
    result = content_scan(kind=TargetKind.CASTING, text=text)
    assert result.action == "flag"
    assert [h["excerpt"] for h in result.hits] == ["Купите у нас"]
    assert content_scan(kind=TargetKind.MODEL_PROFILE, text=text).action is None


def test_the_admin_refuses_a_hold_rule_that_matches_ordinary_text(client):
    client.force_login(staff_user("Moderators"))

    response = client.post(
        reverse("admin:safety_rule_add"),
        {
            "name": "Too broad",
            "pattern": r"кастинг",
            "language": "ru",
            "target_kinds": ["casting"],
            "weight": 1,
            "action": "hold",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert not Rule.objects.filter(name="Too broad").exists()


def test_rule_admin_shows_precision(client):
    client.force_login(staff_user("Moderators"))

    response = client.get(reverse("admin:safety_rule_changelist"))

    assert response.status_code == 200
    with translation.override("ru"):  # the admin's language
        assert Rule.objects.get(name="Payment card number").label in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Trust levels
# ---------------------------------------------------------------------------------------------
def _user(days_old: int, verified: bool):
    return UserFactory(
        email_verified=verified, created_at=timezone.now() - dt.timedelta(days=days_old)
    )


def test_trust_levels_from_facts():
    new = _user(30, verified=False)
    young = _user(2, verified=True)
    old = _user(8, verified=True)
    company = _user(0, verified=False)
    trust_facts_set(user_id=company.pk, verified_company=True)
    paid = _user(0, verified=False)
    trust_facts_set(user_id=paid.pk, paid_until=timezone.now() + dt.timedelta(days=30))
    established = _user(40, verified=True)
    trust_facts_count(user_id=established.pk, accepted_responses=2, completed_castings=1)
    reported = _user(40, verified=True)
    trust_facts_count(user_id=reported.pk, upheld_reports=1)

    levels = {
        name: trust_level(user=type(user).objects.get(pk=user.pk))
        for name, user in {
            "new": new,
            "young": young,
            "old": old,
            "company": company,
            "paid": paid,
            "established": established,
            "reported": reported,
        }.items()
    }

    assert levels == {
        "new": TrustLevel.NEW,
        "young": TrustLevel.VERIFIED,
        "old": TrustLevel.TRUSTED,
        "company": TrustLevel.TRUSTED,
        "paid": TrustLevel.NEW,  # a paid plan raises limits, never trust
        "established": TrustLevel.ESTABLISHED,
        "reported": TrustLevel.VERIFIED,  # an upheld report lowers it
    }
    assert is_trusted(old) and not is_trusted(young)


def test_reporter_weight_falls_with_dismissed_reports():
    untrusted = _user(1, verified=True)
    trusted = _user(10, verified=True)
    noisy = _user(10, verified=True)
    trust_facts_count(user_id=noisy.pk, dismissed_reports=4)

    assert reporter_weight(user=untrusted) == 0
    assert reporter_weight(user=trusted) == 1
    assert reporter_weight(user=noisy) == 0.25
    assert TrustFacts.objects.get(user=noisy).dismissed_reports == 4
