import factory

from accounts.models import Block, Role, User

DEFAULT_PASSWORD = "Str0ng-Passw0rd!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.kz")
    role = Role.MODEL
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    class Params:
        model_role = factory.Trait(role=Role.MODEL)
        employer = factory.Trait(role=Role.EMPLOYER)
        agency = factory.Trait(role=Role.AGENCY)
        staff = factory.Trait(role=Role.ADMIN, is_staff=True)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)
