# ruff: noqa: RUF001 - Cyrillic patterns
"""The reviewed default rule set (docs/SAFETY.md, "Default rules"). Staff edit it in the admin;
this migration only adds rules that are missing, so edits survive a re-run."""

from django.db import migrations

ALL = ["casting", "message", "model_profile", "employer_profile"]

DEFAULT_RULES = [
    {
        "name": "Prepayment or fee asked of the model",
        "description": "предоплата, оплата за фотосессию/портфолио/регистрацию; алдын ала төлем, "
        "тіркеу ақысы; registration fee, pay for your portfolio, deposit",
        "detector": "prepayment",
        "action": "hold",
        "weight": 5,
        "target_kinds": ALL,
    },
    {
        "name": "Payment card number",
        "description": "13-19 digits, Luhn-valid",
        "detector": "payment_card",
        "action": "hold",
        "weight": 5,
        "target_kinds": ALL,
    },
    {
        "name": "Kazakh IIN",
        "description": "12 digits with a birth date and a valid control digit",
        "detector": "kz_iin",
        "action": "hold",
        "weight": 4,
        "target_kinds": ALL,
    },
    {
        "name": "Passport or ID photo requested",
        "description": "фото/скан паспорта, жеке куәліктің суреті, photo of your passport, "
        "send your IIN",
        "detector": "id_document",
        "action": "hold",
        "weight": 4,
        "target_kinds": ALL,
    },
    {
        "name": "Link or move to a messenger",
        "description": "t.me, wa.me, WhatsApp, Telegram, Viber (ordinary castings say it too)",
        "detector": "messenger",
        "action": "flag",
        "weight": 1,
        "target_kinds": ALL,
    },
    {
        "name": "Adult content terms",
        "description": "escort, intimate services, OnlyFans, nude shoot, ню съёмка, жалаңаш",
        "detector": "adult",
        "action": "flag",
        "weight": 3,
        "target_kinds": ALL,
    },
    {
        "name": "Guaranteed contract or work abroad (ru)",
        "language": "ru",
        "pattern": r"гарантир\w*\s(?:контракт\w*|работ\w*|трудоустройств\w*)"
        r"|работа\sза\sрубежом",
        "action": "flag",
        "weight": 2,
        "target_kinds": ["casting", "message"],
    },
    {
        "name": "Guaranteed contract or work abroad (kk)",
        "language": "kk",
        "pattern": r"кепілдендірілген\s(?:келісімшарт\w*|жұмыс\w*)|шетелде\sжұмыс",
        "action": "flag",
        "weight": 2,
        "target_kinds": ["casting", "message"],
    },
    {
        "name": "Guaranteed contract or work abroad (en)",
        "language": "en",
        "pattern": r"guaranteed\s(?:contract|job|work|booking)s?|work\sabroad",
        "action": "flag",
        "weight": 2,
        "target_kinds": ["casting", "message"],
    },
]


def add_default_rules(apps, schema_editor):
    Rule = apps.get_model("safety", "Rule")
    for spec in DEFAULT_RULES:
        values = {"language": "any", "detector": "", "pattern": "", **spec}
        Rule.objects.get_or_create(name=values.pop("name"), defaults=values)


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
