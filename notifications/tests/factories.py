import factory

from accounts.tests.factories import UserFactory
from notifications.models import Device, DevicePlatform, Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    type = "new_response"
    title = "New Response to Your Casting"
    message = factory.Faker("sentence")
    data = factory.LazyFunction(lambda: {"casting_id": "c1", "response_id": "r1"})
    is_read = False


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"fcm-token-{n}")
    platform = DevicePlatform.ANDROID
