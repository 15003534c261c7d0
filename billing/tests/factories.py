import factory

from accounts.tests.factories import UserFactory
from billing.models import Payment, PaymentPurpose, Plan, ResponsePackage


def plan(name: str) -> Plan:
    return Plan.objects.get(name=name)


class SubscriptionPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    purpose = PaymentPurpose.SUBSCRIPTION
    plan = factory.LazyFunction(lambda: plan("PRO"))
    billing_period = "monthly"
    amount = factory.LazyAttribute(lambda o: o.plan.price_for(o.billing_period))
    description = "MWork PRO subscription, monthly"


class PackagePaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    purpose = PaymentPurpose.RESPONSE_PACKAGE
    package = factory.LazyFunction(lambda: ResponsePackage.objects.get(responses=5))
    amount = factory.LazyAttribute(lambda o: o.package.price)
