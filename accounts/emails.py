"""The account e-mails (verification, password reset): plain text + HTML in the user's language.

Templates live in `accounts/templates/accounts/email/<name>{_subject.txt,.txt,.html}` and are
rendered in the user's `language` (ru is the fallback) from the gettext catalogues. The links
point at the front end: `FRONTEND_URL/verify-email?token=...` and
`FRONTEND_URL/reset-password?token=...`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from accounts.links import EMAIL_VERIFICATION, PASSWORD_RESET, link_max_age, link_token_make
from accounts.models import Language, User

_LANGUAGES = {choice.value for choice in Language}


def _language(user: User) -> str:
    return user.language if user.language in _LANGUAGES else Language.RU.value


def _frontend_link(path: str, token: str) -> str:
    return f"{settings.FRONTEND_URL}/{path}?{urlencode({'token': token})}"


def _send(*, user: User, name: str, context: dict) -> None:
    prefix = f"accounts/email/{name}"
    context = {"user": user, "frontend_url": settings.FRONTEND_URL, **context}
    with translation.override(_language(user)):  # the recipient's language, not the request's
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        body = render_to_string(f"{prefix}.txt", context)
        html = render_to_string(f"{prefix}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def verification_email_send(*, user: User) -> None:
    """Send a fresh e-mail verification link (valid 48 h) to `user`."""
    token = link_token_make(user=user, purpose=EMAIL_VERIFICATION)
    _send(
        user=user,
        name="verify_email",
        context={
            "link": _frontend_link("verify-email", token),
            "hours": int(link_max_age(EMAIL_VERIFICATION).total_seconds() // 3600),
        },
    )


def password_reset_email_send(*, user: User) -> None:
    """Send a fresh password reset link (valid `ACCOUNTS_PASSWORD_RESET_MAX_AGE`) to `user`."""
    token = link_token_make(user=user, purpose=PASSWORD_RESET)
    _send(
        user=user,
        name="password_reset",
        context={
            "link": _frontend_link("reset-password", token),
            "minutes": int(link_max_age(PASSWORD_RESET).total_seconds() // 60),
        },
    )
