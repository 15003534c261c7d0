"""The saved-search digest e-mail (docs/SEARCHES.md): plain text, in the user's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from notifications.catalogue import normalize_language
from notifications.services import notification_preference_get
from searches.services import DigestSection


def _body(sections: list[DigestSection]) -> str:
    lines = [_("New matches for your saved searches on MWork:"), ""]
    for section in sections:
        count = len(section["items"]) + section["more"]
        lines.append(
            ngettext("{name}: {count} new match", "{name}: {count} new matches", count).format(
                name=section["name"], count=count
            )
        )
        lines += [f"- {it['title']} ({it['detail']}): {it['url']}" for it in section["items"]]
        if section["more"]:
            url = f"{settings.FRONTEND_URL}/saved-searches/{section['search_id']}"
            lines.append(_("…and {more} more: {url}").format(more=section["more"], url=url))
        lines.append("")
    lines.append(
        _("You get this digest because you saved these searches; change how often in the app.")
    )
    return "\n".join(lines)


def saved_search_digest_send(*, user_id: str, sections: list[DigestSection]) -> bool:
    """E-mail one digest of `sections` (from `services.saved_search_digests_claim`) to the
    user; False when not sent (inactive user, no address, e-mail switched off)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not sections:
        return False
    if not notification_preference_get(user=user).email_enabled:
        return False
    with translation.override(normalize_language(user.language)):
        subject = _("MWork: new matches for your saved searches")
        body = _body(sections)
    EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    ).send()
    return True
