from __future__ import annotations

import factory
from django.utils import timezone

from chat.models import Message


class MessageFactory(factory.django.DjangoModelFactory):
    """A stored message (no broadcast): for history and unread fixtures."""

    class Meta:
        model = Message

    content = factory.Sequence(lambda n: f"Message number {n}")
    created_at = factory.LazyFunction(timezone.now)
