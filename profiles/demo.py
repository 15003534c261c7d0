# ruff: noqa: RUF001 - Kazakh and Russian demo text is Cyrillic on purpose
"""Demo catalogue for `make run`: model and employer users with realistic profiles.

`load_demo(rng=random.Random(seed))` is idempotent: a demo user that already exists is
skipped, so running it again changes nothing. Every demo user signs in with `demo12345`
(`model1@demo.mwork.kz`, `employer1@demo.mwork.kz`, ...). Photos are added afterwards by
`media.demo.load_demo`, which picks up demo profiles without photos.
"""

from __future__ import annotations

import datetime as dt
import functools
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from profiles import services

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo credential, demo data only
DEMO_DOMAIN = "demo.mwork.kz"

# (name, gender): Kazakh and Russian names, in Cyrillic and in Latin, as people write them.
MODEL_NAMES: list[tuple[str, str]] = [
    ("Аружан Сейткали", "female"),
    ("Aisha Nurzhanova", "female"),
    ("Әлия Нұрланқызы", "female"),
    ("Dana Omarova", "female"),
    ("Анастасия Ким", "female"),
    ("Madina Bekova", "female"),
    ("Жансая Тлеубаева", "female"),
    ("Ekaterina Volkova", "female"),
    ("Камила Ахметова", "female"),
    ("Aigerim Zhaksylykova", "female"),
    ("Дарья Смирнова", "female"),
    ("Tomiris Abenova", "female"),
    ("Айым Касымова", "female"),
    ("Polina Sokolova", "female"),
    ("Асель Мухамедиярова", "female"),
    ("Saule Iskakova", "female"),
    ("Виктория Павлова", "female"),
    ("Inkar Serikbayeva", "female"),
    ("Меруерт Жумабекова", "female"),
    ("Alina Petrenko", "female"),
    ("Нұрсұлтан Әбенов", "male"),
    ("Arman Kenzhebekov", "male"),
    ("Дмитрий Кузнецов", "male"),
    ("Daniyar Sultanov", "male"),
    ("Ерлан Ахметов", "male"),
    ("Alikhan Tokayev", "male"),
    ("Максим Орлов", "male"),
    ("Timur Yesenov", "male"),
    ("Бауыржан Сапаров", "male"),
    ("Nikita Lebedev", "male"),
    ("Айдос Жанибеков", "male"),
    ("Sanzhar Mukanov", "male"),
    ("Алекс Ли", "other"),
    ("Kai Nurpeisov", "other"),
]

CITIES = [
    "Almaty",
    "Almaty",
    "Almaty",
    "Astana",
    "Astana",
    "Shymkent",
    "Karaganda",
    "Aktobe",
    "Atyrau",
    "Pavlodar",
]

BIOS = [
    "Профессиональная модель, работаю с брендами одежды и рекламными агентствами.",
    "Fashion and commercial model based in {city}. Comfortable in front of the camera.",
    "Кәсіби модельмін, фотосессия мен жарнамаға қатысамын.",
    "Runway experience at Kazakhstan Fashion Week; editorial shoots for local magazines.",
    "Начинающая модель, открыта для тестовых съёмок и новых проектов.",
    "Commercial model: TV spots, catalogues, e-commerce. Fluent in Kazakh, Russian and English.",
    "Сниматься люблю на природе и в студии. Готов(а) к поездкам по Казахстану.",
    "",
]

HAIR = ["black", "brown", "dark brown", "blonde", "red", "chestnut"]
EYES = ["brown", "dark brown", "green", "blue", "hazel", "grey"]
SKIN = ["fair", "light", "medium", "olive", "tan"]
LANGUAGE_SETS = [
    ["Kazakh", "Russian"],
    ["Kazakh", "Russian", "English"],
    ["Russian", "English"],
    ["Russian"],
    ["Kazakh", "Russian", "English", "Turkish"],
]
CATEGORY_SETS = [
    ["fashion"],
    ["fashion", "editorial"],
    ["commercial"],
    ["commercial", "fashion"],
    ["runway", "fashion"],
    ["editorial"],
    ["fashion", "commercial", "editorial", "runway"],
]
COMPANIES = ["Fashion House Almaty", "Steppe Studio", "Qazaq Style", "Astana Media Group"]

EMPLOYERS: list[dict[str, str]] = [
    {
        "role": Role.AGENCY,
        "company_name": "Fashion House Almaty",
        "description": "Leading fashion agency in Kazakhstan: runway, editorial and campaigns.",
        "website": "https://fashionhouse.example.kz",
        "contact_person": "Yerlan Akhmetov",
        "phone": "+77771234567",
        "city": "Almaty",
    },
    {
        "role": Role.EMPLOYER,
        "company_name": "Steppe Studio",
        "description": "Фотостудия и продакшн: каталоги, e-commerce, реклама.",
        "website": "https://steppe-studio.example.kz",
        "contact_person": "Айгуль Серикова",
        "phone": "+77017654321",
        "city": "Astana",
    },
    {
        "role": Role.AGENCY,
        "company_name": "Qazaq Models",
        "description": "Модельное агентство: подбор моделей для показов и съёмок.",
        "website": "https://qazaqmodels.example.kz",
        "contact_person": "Dinara Suleimenova",
        "phone": "+77052223344",
        "city": "Almaty",
    },
    {
        "role": Role.EMPLOYER,
        "company_name": "Shymkent Media",
        "description": "Video production for TV and social media in the south of Kazakhstan.",
        "website": "",
        "contact_person": "Бекзат Оразов",
        "phone": "+77259998877",
        "city": "Shymkent",
    },
    {
        "role": Role.EMPLOYER,
        "company_name": "Karaganda Retail Group",
        "description": "Сеть магазинов одежды: сезонные рекламные кампании.",
        "website": "https://krg.example.kz",
        "contact_person": "Olga Ivanova",
        "phone": "+77212445566",
        "city": "Karaganda",
    },
    {
        "role": Role.AGENCY,
        "company_name": "Caspian Talent",
        "description": "Talent agency for models and actors in western Kazakhstan.",
        "website": "https://caspiantalent.example.kz",
        "contact_person": "Асхат Нуров",
        "phone": "+77122334455",
        "city": "Aktobe",
    },
]


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # once: 41 PBKDF2 runs were half of make run's start-up


def demo_user_create(email: str, role: str) -> User:
    """A verified demo user with the demo password."""
    user = User.objects.create_user(email=email, password=None, role=role, email_verified=True)
    user.password = _demo_password_hash()
    user.save(update_fields=["password"])
    return user


def _demo_user(email: str, role: str) -> User | None:
    """A new demo user, or None when it already exists (the loader is idempotent)."""
    if User.objects.filter(email=email).exists():
        return None
    return demo_user_create(email, role)


def _maybe(rng: random.Random, value, probability: float = 0.85):
    return value if rng.random() < probability else None


def _model_fields(rng: random.Random, name: str, gender: str) -> dict:
    city = rng.choice(CITIES)
    tall = gender == "female" and rng.random() < 0.6
    height = rng.randint(172, 184) if tall else rng.randint(160, 192)
    bust = rng.randint(80, 96) if gender != "male" else rng.randint(90, 106)
    waist = rng.randint(58, 68) if gender != "male" else rng.randint(70, 84)
    hips = rng.randint(86, 96) if gender != "male" else rng.randint(88, 100)
    return {
        "name": name,
        "bio": rng.choice(BIOS).format(city=city),
        "age": rng.randint(18, 34),
        "gender": gender,
        "height": height,
        "weight": _maybe(rng, rng.randint(48, 62) if gender != "male" else rng.randint(65, 85)),
        "bust": _maybe(rng, bust),
        "waist": _maybe(rng, waist),
        "hips": _maybe(rng, hips),
        "shoe_size": _maybe(rng, rng.randint(36, 40) if gender != "male" else rng.randint(41, 45)),
        "clothing_size": rng.choice(["XS", "S", "S", "M", "M", "L"]),
        "hair_color": rng.choice(HAIR),
        "eye_color": rng.choice(EYES),
        "skin_tone": _maybe(rng, rng.choice(SKIN), 0.7) or "",
        "city": city,
        "country": "Kazakhstan",
        "languages": rng.choice(LANGUAGE_SETS),
        "categories": rng.choice(CATEGORY_SETS),
        "experience": rng.choice(["beginner", "intermediate", "intermediate", "experienced"]),
        "can_travel": rng.random() < 0.6,
    }


def load_demo(*, rng: random.Random) -> None:
    """Create the demo catalogue: ~34 model profiles and 6 employer/agency profiles.

    Goes through the profile services (so completeness and the search vector are right);
    a few profiles get a staff promotion so `/profiles/models/promoted` is not empty.
    Idempotent: existing demo users are left alone.
    """
    now = timezone.now()
    with transaction.atomic():
        for number, employer in enumerate(EMPLOYERS, 1):
            user = _demo_user(f"employer{number}@{DEMO_DOMAIN}", employer["role"])
            if user is None:
                continue
            fields = {key: value for key, value in employer.items() if key != "role"}
            profile = services.employer_profile_create(user=user, **fields)
            if number <= 3:
                services.employer_profile_set_verified(profile=profile, is_verified=True)

        for number, (name, gender) in enumerate(MODEL_NAMES, 1):
            user = _demo_user(f"model{number}@{DEMO_DOMAIN}", Role.MODEL)
            if user is None:
                continue
            model_profile = services.model_profile_create(
                user=user, **_model_fields(rng, name, gender)
            )
            for _ in range(rng.randint(0, 2)):
                start = dt.date(rng.randint(2018, 2024), rng.randint(1, 12), 1)
                end = start + dt.timedelta(days=rng.randint(30, 700))
                services.work_experience_add(
                    profile=model_profile,
                    company=rng.choice(COMPANIES),
                    position=rng.choice(["Fashion Model", "Commercial Model", "Runway Model"]),
                    start_date=start,
                    end_date=end if end < now.date() else None,
                )
            if number % 8 == 1:
                services.model_profile_grant_promotion(
                    profile=model_profile, until=now + dt.timedelta(days=rng.randint(7, 30))
                )
