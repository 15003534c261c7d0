import factory

from accounts.tests.factories import UserFactory
from moderation.models import Block, Report, ReportReason, TargetType


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    target_user = factory.SubFactory(UserFactory)
    target_type = TargetType.USER
    target_id = factory.SelfAttribute("target_user.id")
    reason = ReportReason.SPAM
    comment = "Sends spam to everyone."
