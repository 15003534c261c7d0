import pytest
from django.core import mail

from accounts import tasks
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import LINK, token_from_mail

pytestmark = pytest.mark.django_db

SUBJECTS = {
    "ru": ("Подтвердите адрес электронной почты — MWork", "Сброс пароля — MWork"),  # noqa: RUF001
    "kk": ("Электрондық пошта мекенжайын растаңыз — MWork", "Құпиясөзді қалпына келтіру — MWork"),
    "en": ("Confirm your e-mail address — MWork", "Reset your password — MWork"),
}


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_emails_are_in_the_users_language_with_text_and_html(settings, language):
    settings.FRONTEND_URL = "https://app.mwork.kz"
    user = UserFactory(language=language, email_verified=False, email="a+b&c@example.kz")

    tasks.send_verification_email.delay(str(user.pk))
    tasks.send_password_reset_email.delay(str(user.pk))

    verify, reset = mail.outbox
    assert (verify.subject, reset.subject) == SUBJECTS[language]
    for message, path in ((verify, "verify-email"), (reset, "reset-password")):
        assert message.to == ["a+b&c@example.kz"]
        assert "a+b&c@example.kz" in message.body  # plain text is not HTML-escaped
        assert f"https://app.mwork.kz/{path}?token=" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'lang="{language}"' in html
        assert token_from_mail(message, path)
        (link,) = LINK.findall(message.body)
        assert f'href="{link}"' in html


def test_verification_email_is_not_sent_to_verified_or_banned_users():
    verified = UserFactory(email_verified=True)
    banned = UserFactory(email_verified=False, is_active=False)

    tasks.send_verification_email.delay(str(verified.pk))
    tasks.send_verification_email.delay(str(banned.pk))
    tasks.send_password_reset_email.delay(str(banned.pk))

    assert mail.outbox == []


def test_unknown_language_falls_back_to_russian():
    user = UserFactory(email_verified=False)
    user.language = "xx"  # not saved: only the renderer sees it

    from accounts.emails import verification_email_send

    verification_email_send(user=user)

    assert mail.outbox[0].subject == SUBJECTS["ru"][0]


def test_flush_expired_tokens_task_runs():
    from accounts.tasks import flush_expired_tokens

    assert flush_expired_tokens.delay().get() == 0
