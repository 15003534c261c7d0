from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from castings.models import Casting, CastingStatus, Response, SavedCasting
from profiles.models import EmployerProfile, ModelProfile


class EmployerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerProfile

    user = factory.SubFactory(UserFactory, role=Role.EMPLOYER)
    company_name = factory.Sequence(lambda n: f"Studio {n}")
    city = "Almaty"


class ModelProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelProfile

    user = factory.SubFactory(UserFactory, role=Role.MODEL)
    name = factory.Sequence(lambda n: f"Model Number {n}")
    age = 24
    gender = "female"
    height = 175
    city = "Almaty"
    experience = "intermediate"
    categories = factory.LazyFunction(lambda: ["fashion"])


class CastingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Casting

    owner = factory.LazyFunction(lambda: EmployerProfileFactory().user)
    title = factory.Sequence(lambda n: f"Casting call {n}")
    description = "Looking for models for a photo shoot."
    category = "fashion"
    city = "Almaty"
    address = "Dostyk Avenue 123"
    shoot_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    duration_days = 1
    pay_min = 50000
    pay_max = 100000
    status = CastingStatus.ACTIVE


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    casting = factory.SubFactory(CastingFactory)
    model_profile = factory.SubFactory(ModelProfileFactory)
    message = "I'd love to take part."


class SavedCastingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedCasting

    user = factory.SubFactory(UserFactory)
    casting = factory.SubFactory(CastingFactory)
