"""Legal documents and consent records (docs/PRIVACY.md "Consent").

Reads and writes live together here because they are few and only accounts and the privacy app
use them. The current version of a document is the newest published one; a user "has
consented" to a document when it accepted its current version and has not withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    REQUIRED_LEGAL_DOCUMENTS,
    Consent,
    LegalDocument,
    LegalDocumentKind,
    User,
)
from mwork.api.exceptions import NotFound, ValidationFailed

USER_AGENT_MAX_LENGTH = 512


@dataclass(frozen=True)
class ConsentEvidence:
    """Where an acceptance came from: the request's address and user agent."""

    ip_address: str | None = None
    user_agent: str = ""


def legal_documents_current() -> list[LegalDocument]:
    """The current (newest published) version of each kind of legal document."""
    current: dict[str, LegalDocument] = {}
    published = LegalDocument.objects.filter(published_at__lte=timezone.now()).order_by(
        "document", "-published_at", "-id"
    )
    for document in published:
        current.setdefault(document.document, document)
    return _with_url([current[kind] for kind in LegalDocumentKind.values if kind in current])


def legal_document_url(document: LegalDocument) -> str:
    return document.url or f"{settings.FRONTEND_URL}/legal/{document.document}/{document.version}"


def _with_url(documents: list[LegalDocument]) -> list[LegalDocument]:
    for document in documents:
        document.public_url = legal_document_url(document)
    return documents


def consents_of(*, user: User) -> list[Consent]:
    """The user's acceptances still in force (not withdrawn), newest first."""
    return list(Consent.objects.filter(user=user, withdrawn_at__isnull=True))


def consents_summary(*, user: User) -> dict[str, Any]:
    """`consents` (accepted, not withdrawn) and `consents_required` (current versions of the
    required documents — and of marketing when it was accepted once — not accepted yet)."""
    accepted = consents_of(user=user)
    accepted_versions = {(c.document, c.version) for c in accepted}
    accepted_kinds = {c.document for c in accepted}
    required = []
    for document in legal_documents_current():
        wanted = document.document in REQUIRED_LEGAL_DOCUMENTS or (
            document.document in accepted_kinds
        )
        if wanted and (document.document, document.version) not in accepted_versions:
            required.append(document)
    return {"consents": accepted, "consents_required": required}


def marketing_consented_user_ids() -> Any:
    """Ids of users whose marketing consent is in force, as a subquery."""
    return Consent.objects.filter(
        document=LegalDocumentKind.MARKETING, withdrawn_at__isnull=True
    ).values("user_id")


def consents_record(
    *, user: User, documents: Iterable[LegalDocument], evidence: ConsentEvidence
) -> list[Consent]:
    """Record acceptance of these document versions (idempotent per version: accepting again
    re-activates a withdrawn acceptance with fresh evidence)."""
    now = timezone.now()
    records = []
    for document in documents:
        consent, _created = Consent.objects.update_or_create(
            user=user,
            document=document.document,
            version=document.version,
            defaults={
                "accepted_at": now,
                "ip_address": evidence.ip_address,
                "user_agent": evidence.user_agent[:USER_AGENT_MAX_LENGTH],
                "withdrawn_at": None,
            },
        )
        records.append(consent)
    return records


def consent_accept(
    *, user: User, document: str, version: str, evidence: ConsentEvidence
) -> Consent:
    """Accept `version` of `document`. Only the current version can be accepted.

    Raises `ValidationFailed` (details `version`) for an older or unknown version and
    `NotFound` when no such document is published.
    """
    current = {d.document: d for d in legal_documents_current()}
    if document not in current:
        raise NotFound(_("No such legal document."))
    if current[document].version != version:
        raise ValidationFailed.for_field(
            "version",
            _("Only the current version (%(version)s) can be accepted.")
            % {"version": current[document].version},
        )
    with transaction.atomic():
        return consents_record(user=user, documents=[current[document]], evidence=evidence)[0]


def consent_withdraw(*, user: User, document: str) -> int:
    """Mark every acceptance of `document` withdrawn; returns how many were in force.

    Withdrawing the privacy consent means the account must go: the caller (privacy app)
    schedules the deletion in the same transaction.
    """
    if document not in LegalDocumentKind.values:
        raise NotFound(_("No such legal document."))
    return Consent.objects.filter(user=user, document=document, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
