"""The first versions of the legal documents, so registration has something to accept.

Staff replace them in the admin by adding a newer version (docs/PRIVACY.md)."""

from django.db import migrations

PROCESSORS = (
    "Processors and cross-border transfers: Cloudflare R2 (photos, outside Kazakhstan unless a "
    "storage in Kazakhstan is configured), Resend (e-mail address and e-mail content, USA), "
    "Firebase Cloud Messaging (device tokens and notification text, USA), Robokassa (payment "
    "amount and order number, Kazakhstan)."
)

DOCUMENTS = [
    (
        "terms",
        "1.0",
        "Terms of service",
        "The rules of using MWork: who may register, what may be posted, paid plans.",
    ),
    (
        "privacy",
        "1.0",
        "Privacy policy and consent to the processing of personal data",
        "What MWork processes (account, profile, photos, messages, payments), why, for how "
        "long (until the account is deleted; payments as long as the tax law requires) and "
        "how to withdraw consent (DELETE /api/v1/auth/consents/privacy deletes the account). "
        + PROCESSORS,
    ),
    (
        "marketing",
        "1.0",
        "Marketing e-mails",
        "News and offers from MWork by e-mail; optional, withdraw at any time.",
    ),
]


def seed(apps, schema_editor):
    LegalDocument = apps.get_model("accounts", "LegalDocument")
    for document, version, title, body in DOCUMENTS:
        LegalDocument.objects.get_or_create(
            document=document, version=version, defaults={"title": title, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_account_deletion_and_consents")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
