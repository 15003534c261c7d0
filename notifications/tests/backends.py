"""A stand-in for the Resend backend that fails the way anymail/SMTP do, then delivers."""

from __future__ import annotations

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    # Errors raised by the next sends, in order; empty → deliver to mail.outbox.
    errors: list[BaseException] = []
    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).errors:
            raise type(self).errors.pop(0)
        return super().send_messages(messages)
