# ruff: noqa: RUF001 - Russian and Kazakh demo text is Cyrillic on purpose
"""Demo castings for `make run`: castings of the demo employers, some with responses.

`load_demo(rng=random.Random(seed))` is idempotent: a demo employer that already owns castings
is skipped, and a demo response that exists is left alone. Demo responses are seeded rows, not
applications through `response_submit`, so they do not use up the demo models' monthly plan
allowance: `model1@demo.mwork.kz` can still apply three times in the walkthrough.

The walkthrough in docs/PIPELINE.md needs `employer2@demo.mwork.kz`
(Steppe Studio) on BUSINESS and its active casting "Pipeline demo: autumn campaign" with eight
applicants (models 2 to 9): `load_pipeline_demo` makes both, once.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from billing.entitlements import current_subscription
from billing.services import subscription_grant
from castings.models import Casting, CastingStatus, Response, ResponseStatus
from profiles.models import ModelProfile

DEMO_DOMAIN = "demo.mwork.kz"

TEMPLATES: list[dict] = [
    {
        "title": "Fashion Editorial Shoot",
        "description": "Looking for female models for an editorial fashion shoot for a local "
        "magazine. Studio and outdoor looks, professional make-up team on set.",
        "category": "fashion",
        "required_gender": "female",
        "min_age": 18,
        "max_age": 30,
        "min_height": 170,
        "required_experience": "intermediate",
        "pay": (50000, 100000),
    },
    {
        "title": "Съёмка рекламы кофейни",
        "description": "Ищем моделей для рекламной съёмки новой сети кофеен: лайфстайл, "
        "улыбки, живые эмоции. Опыт не обязателен.",
        "category": "commercial",
        "min_age": 20,
        "max_age": 40,
        "pay": (30000, 60000),
    },
    {
        "title": "Kazakhstan Fashion Week: runway models",
        "description": "Casting for the autumn show of a young Almaty designer. Runway "
        "experience preferred, fittings two days before the show.",
        "category": "runway",
        "min_height": 175,
        "max_height": 190,
        "required_experience": "experienced",
        "pay": (80000, 150000),
        "duration_days": 3,
    },
    {
        "title": "Каталог мужской одежды",
        "description": "Съёмка каталога мужской верхней одежды, студия в центре города. "
        "Нужны модели ростом от 180 см.",
        "category": "commercial",
        "required_gender": "male",
        "min_age": 20,
        "max_age": 35,
        "min_height": 180,
        "pay": (40000, 70000),
    },
    {
        "title": "Editorial: national dress reimagined",
        "description": "Art editorial mixing Kazakh national dress with streetwear. Looking "
        "for expressive faces of every gender; travel to Turkestan included.",
        "category": "editorial",
        "pay": (60000, 120000),
        "duration_days": 2,
    },
    {
        "title": "Жарнамалық түсірілім: спорт киімі",
        "description": "Спорт киімі брендінің жарнамасына белсенді модельдер іздейміз. "
        "Сыртта түсірілім, жаттығу киімі беріледі.",
        "category": "commercial",
        "min_age": 18,
        "max_age": 35,
        "pay": (35000, 65000),
    },
]

CITIES = ["Almaty", "Almaty", "Astana", "Shymkent"]
ADDRESSES = ["Dostyk Avenue 123", "Abay Avenue 45", "Mangilik El 20", "Tauke Khan 7", ""]
MESSAGES = [
    "Здравствуйте! Очень интересный проект, буду рада принять участие.",
    "Hello! I have experience with similar shoots, portfolio attached.",
    "Сәлеметсіз бе! Осы кастингке қатысқым келеді.",
    "Available on the shoot date, happy to come to a fitting.",
]


def _demo_users(prefix: str):
    return User.objects.filter(
        email__startswith=prefix, email__endswith=f"@{DEMO_DOMAIN}"
    ).order_by("email")


def load_demo(*, rng: random.Random) -> None:
    """Create castings for each demo employer without castings, demo responses, and the
    pipeline walkthrough's casting."""
    _load_castings(rng=rng)
    load_pipeline_demo(rng=rng)


def _load_castings(*, rng: random.Random) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    employers = _demo_users("employer").filter(employer_profile__isnull=False)
    created: list[Casting] = []
    for employer in employers:
        if Casting.objects.filter(owner=employer).exists():
            continue
        for index, template in enumerate(rng.sample(TEMPLATES, k=min(4, len(TEMPLATES)))):
            fields = dict(template)
            pay_min, pay_max = fields.pop("pay")
            if index == 3:
                status, shoot_date = CastingStatus.DRAFT, now + timedelta(days=45)
            elif index == 2 and rng.random() < 0.5:
                status, shoot_date = CastingStatus.COMPLETED, now - timedelta(days=20)
            else:
                status = CastingStatus.ACTIVE
                shoot_date = now + timedelta(days=rng.randint(5, 60), hours=rng.randint(9, 12))
            casting = Casting(
                owner=employer,
                city=rng.choice(CITIES),
                address=rng.choice(ADDRESSES),
                shoot_date=shoot_date,
                pay_min=pay_min,
                pay_max=pay_max,
                status=status,
                published_at=now if status != CastingStatus.DRAFT else None,
                **fields,
            )
            casting.save()
            created.append(casting)

    models = list(
        ModelProfile.objects.filter(user__in=_demo_users("model")).order_by("user__email")
    )
    if not models:
        return
    for casting in created:
        if casting.status == CastingStatus.DRAFT:
            continue
        for profile in rng.sample(models, k=min(len(models), rng.randint(1, 5))):
            response_status = ResponseStatus.PENDING
            if casting.status == CastingStatus.COMPLETED:
                response_status = ResponseStatus.ACCEPTED
            elif rng.random() < 0.25:
                response_status = rng.choice([ResponseStatus.ACCEPTED, ResponseStatus.REJECTED])
            Response.objects.get_or_create(
                casting=casting,
                model_profile=profile,
                defaults={
                    "message": rng.choice(MESSAGES),
                    "status": response_status,
                    "status_changed_at": now if response_status != ResponseStatus.PENDING else None,
                },
            )


PIPELINE_TITLE = "Pipeline demo: autumn campaign"


def load_pipeline_demo(*, rng: random.Random) -> None:
    """employer2 on BUSINESS with an active casting and eight seeded applicants (idempotent)."""
    owner = User.objects.filter(email=f"employer2@{DEMO_DOMAIN}").first()
    if owner is None or Casting.objects.filter(owner=owner, title=PIPELINE_TITLE).exists():
        return
    if current_subscription(owner) is None:
        subscription_grant(user=owner, plan_name="BUSINESS", days=365)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    casting = Casting(
        owner=owner,
        title=PIPELINE_TITLE,
        description="Outdoor autumn campaign for a clothing brand: two days in Almaty.",
        category="commercial",
        city="Almaty",
        address="Abay Avenue 10",
        shoot_date=now + timedelta(days=40, hours=10),
        duration_days=2,
        pay_min=60000,
        pay_max=120000,
        status=CastingStatus.ACTIVE,
        published_at=now,
    )
    casting.save()
    applicants = ModelProfile.objects.filter(
        user__email__in=[f"model{number}@{DEMO_DOMAIN}" for number in range(2, 10)]
    )
    for profile in applicants:
        Response.objects.get_or_create(
            casting=casting, model_profile=profile, defaults={"message": rng.choice(MESSAGES)}
        )
