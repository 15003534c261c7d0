"""E-mails of the privacy app, in the user's language (gettext catalogues)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from mwork.api.formats import format_datetime


def deletion_scheduled_email_send(*, user: User) -> None:
    """Tell the user the account will be erased at `purge_at` and how to undo it."""
    link = f"{settings.FRONTEND_URL}/restore-account"
    with translation.override(user.language):
        subject = _("Your MWork account will be deleted")
        body = _(
            "We received a request to delete your MWork account. Your profile is hidden "
            "already, and your data will be erased on %(purge_at)s (UTC).\n\n"
            "Changed your mind? Restore the account before then: %(link)s\n"
            "(log in there with your e-mail and password).\n\n"
            "If you did not ask for this, restore the account and change your password."
        ) % {"purge_at": format_datetime(user.purge_at), "link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
