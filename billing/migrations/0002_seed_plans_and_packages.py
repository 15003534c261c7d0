"""Seed the contract's plans (docs/API.md §10) and the response packages."""

from django.db import migrations

PLANS = [
    {
        "name": "FREE",
        "price_monthly": 0,
        "price_yearly": 0,
        "max_photos": 5,
        "max_responses_per_month": 3,
        "chat_access": False,
        "profile_promotion": False,
        "priority_support": False,
        "analytics": "none",
        "sort_order": 0,
    },
    {
        "name": "PRO",
        "price_monthly": 5000,
        "price_yearly": 50000,
        "max_photos": 20,
        "max_responses_per_month": 30,
        "chat_access": True,
        "profile_promotion": False,
        "priority_support": False,
        "analytics": "basic",
        "sort_order": 1,
    },
    {
        "name": "BUSINESS",
        "price_monthly": 15000,
        "price_yearly": 150000,
        "max_photos": -1,
        "max_responses_per_month": -1,
        "chat_access": True,
        "profile_promotion": True,
        "priority_support": True,
        "analytics": "advanced",
        "sort_order": 2,
    },
]

PACKAGES = [
    {"name": "5 responses", "responses": 5, "price": 1000, "sort_order": 0},
    {"name": "15 responses", "responses": 15, "price": 2500, "sort_order": 1},
    {"name": "50 responses", "responses": 50, "price": 7000, "sort_order": 2},
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    ResponsePackage = apps.get_model("billing", "ResponsePackage")
    for values in PLANS:
        Plan.objects.update_or_create(name=values["name"], defaults=values)
    for values in PACKAGES:
        if not ResponsePackage.objects.filter(responses=values["responses"]).exists():
            ResponsePackage.objects.create(**values)


def unseed(apps, schema_editor):
    apps.get_model("billing", "ResponsePackage").objects.all().delete()
    apps.get_model("billing", "Plan").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
