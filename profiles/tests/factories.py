from __future__ import annotations

import datetime as dt

import factory

from accounts.models import Role
from accounts.tests.factories import UserFactory
from profiles.models import EmployerProfile, ModelProfile, Review, WorkExperience


class ModelProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelProfile

    user = factory.SubFactory(UserFactory, role=Role.MODEL)
    name = factory.Sequence(lambda n: f"Model Number {n}")
    bio = "Fashion model."
    age = 24
    gender = "female"
    height = 175
    city = "Almaty"
    experience = "intermediate"
    categories = factory.LazyFunction(lambda: ["fashion"])
    languages = factory.LazyFunction(lambda: ["Kazakh", "Russian"])


class EmployerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerProfile

    user = factory.SubFactory(UserFactory, role=Role.EMPLOYER)
    company_name = factory.Sequence(lambda n: f"Studio {n}")
    description = "A photo studio."
    website = "https://studio.example.kz"
    contact_person = "Yerlan Akhmetov"
    phone = "+77771234567"
    city = "Almaty"


class WorkExperienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkExperience

    profile = factory.SubFactory(ModelProfileFactory)
    company = "Fashion House Almaty"
    position = "Fashion Model"
    start_date = dt.date(2020, 1, 1)
    end_date = dt.date(2023, 12, 31)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    profile = factory.SubFactory(ModelProfileFactory)
    author = factory.SubFactory(UserFactory, role=Role.EMPLOYER)
    casting_id = factory.Faker("uuid4", cast_to=None)
    rating = 5
    comment = "Great work."
