import factory

from accounts.tests.factories import UserFactory
from moderation.models import Report, ReportReason
from safety.models import TargetKind


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    target_user = factory.SubFactory(UserFactory)
    target_type = TargetKind.USER
    target_id = factory.SelfAttribute("target_user.id")
    reason = ReportReason.SPAM
    comment = "Sends spam to everyone."
