"""Back office: lists with filters, photo thumbnails inline, actions through services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from media.models import Photo
from profiles.models import EmployerProfile, ModelProfile, Review
from profiles.tests.factories import EmployerProfileFactory, ModelProfileFactory, ReviewFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:profiles_modelprofile_changelist")


@pytest.fixture
def staff(make_user) -> Client:
    user = make_user(role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {str(profile.name) for profile in response.context["cl"].result_list}


@pytest.fixture
def profiles():
    return [
        ModelProfileFactory(name="Anna", city="Almaty", gender="female", categories=["fashion"]),
        ModelProfileFactory(name="Bota", city="Astana", gender="female", categories=["runway"]),
        ModelProfileFactory(
            name="Chingiz", city="Almaty", gender="male", categories=["commercial"], is_hidden=True
        ),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Anna", "Bota", "Chingiz"}),
        ("?city=Almaty", {"Anna", "Chingiz"}),
        ("?gender__exact=female", {"Anna", "Bota"}),
        ("?category=runway", {"Bota"}),
        ("?is_hidden__exact=1", {"Chingiz"}),
        ("?q=bota", {"Bota"}),
    ],
)
def test_model_profile_list_filters(staff, profiles, query, expected):
    assert listed(staff.get(CHANGELIST + query)) == expected


def test_change_page_shows_photo_thumbnails(staff, media_root):
    profile = ModelProfileFactory(main_thumbnail="thumbnails/p/0.jpg")
    Photo.objects.create(
        profile=profile,
        image="photos/p/0.jpg",
        thumbnail="thumbnails/p/0.jpg",
        is_main=True,
        order=0,
        width=800,
        height=1066,
    )

    response = staff.get(reverse("admin:profiles_modelprofile_change", args=[profile.pk]))

    assert response.status_code == 200
    assert b"/media/thumbnails/p/0.jpg" in response.content
    assert b"<img" in response.content
    assert listed(staff.get(CHANGELIST)) == {profile.name}


def _act(staff, action: str, objects, url: str = CHANGELIST, **extra):
    return staff.post(
        url,
        {"action": action, "_selected_action": [str(obj.pk) for obj in objects], **extra},
    )


def test_hide_and_unhide_actions(staff, profiles, api_client):
    anna = profiles[0]

    _act(staff, "hide_profiles", [anna])
    assert ModelProfile.objects.get(pk=anna.pk).is_hidden is True
    assert api_client.get(reverse("profiles:model-detail", args=[anna.pk])).status_code == 404

    _act(staff, "unhide_profiles", [anna])
    assert ModelProfile.objects.get(pk=anna.pk).is_hidden is False


def test_grant_promotion_until_a_date(staff, profiles, api_client):
    day = (timezone.now() + dt.timedelta(days=10)).date()

    response = _act(staff, "grant_promotion", profiles[:2], promoted_until=day.isoformat())

    assert response.status_code == 302
    expected = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZoneInfo("Asia/Almaty"))
    for profile in profiles[:2]:
        assert ModelProfile.objects.get(pk=profile.pk).promoted_until == expected
    promoted = api_client.get(reverse("profiles:model-promoted")).json()["data"]["models"]
    assert {m["name"] for m in promoted} == {"Anna", "Bota"}

    _act(staff, "end_promotion", profiles[:1])
    assert ModelProfile.objects.get(pk=profiles[0].pk).promoted_until is None


@pytest.mark.parametrize("value", ["", "2001-01-01"])
def test_grant_promotion_needs_a_future_date(staff, profiles, value):
    _act(staff, "grant_promotion", profiles[:1], promoted_until=value)

    assert ModelProfile.objects.get(pk=profiles[0].pk).promoted_until is None


def test_employer_list_and_verified_flag(staff):
    verified = EmployerProfileFactory(company_name="Verified Co", is_verified=True)
    other = EmployerProfileFactory(company_name="Plain Co")
    url = reverse("admin:profiles_employerprofile_changelist")

    response = staff.get(url + "?is_verified__exact=1")
    assert [p.company_name for p in response.context["cl"].result_list] == ["Verified Co"]

    _act(staff, "mark_verified", [other], url=url)
    assert EmployerProfile.objects.get(pk=other.pk).is_verified is True
    _act(staff, "mark_unverified", [verified], url=url)
    assert EmployerProfile.objects.get(pk=verified.pk).is_verified is False


def test_deleting_a_review_in_admin_updates_the_rating(staff):
    profile = ModelProfileFactory()
    ReviewFactory(profile=profile, rating=5)
    bad = ReviewFactory(profile=profile, rating=1)
    ModelProfile.objects.filter(pk=profile.pk).update(rating=3, reviews_count=2)

    staff.post(reverse("admin:profiles_review_delete", args=[bad.pk]), {"post": "yes"})

    assert not Review.objects.filter(pk=bad.pk).exists()
    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (float(stored.rating), stored.reviews_count) == (5.0, 1)


def test_saving_in_admin_recomputes_completeness(staff):
    profile = ModelProfileFactory(completeness=0)
    url = reverse("admin:profiles_modelprofile_change", args=[profile.pk])
    form = staff.get(url).context["adminform"].form
    data = {
        key: ("" if value is None else value)
        for key, value in form.initial.items()
        if key in form.fields
    }
    data.update(
        {
            "languages": ["Kazakh"],  # ticks, not JSON text
            "other_languages": "Tatar",
            "categories": ["fashion", "runway"],
            "weight": 55,
            "work_experience-TOTAL_FORMS": 0,
            "work_experience-INITIAL_FORMS": 0,
            "photos-TOTAL_FORMS": 0,
            "photos-INITIAL_FORMS": 0,
        }
    )

    response = staff.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = ModelProfile.objects.get(pk=profile.pk)
    assert saved.completeness > 0
    assert saved.languages == ["Kazakh", "Tatar"]
    assert saved.categories == ["fashion", "runway"]


def test_profile_page_edits_languages_and_categories_as_ticks(staff):
    profile = ModelProfileFactory(languages=["Russian", "Tatar"], categories=["editorial"])

    page = staff.get(reverse("admin:profiles_modelprofile_change", args=[profile.pk]))

    html = page.content.decode()
    assert 'type="checkbox" name="categories" value="editorial"' in html
    assert 'name="languages" value="Tatar"' in html  # the profile's own language is offered
    checked = [
        chunk.split('value="')[1].split('"')[0]
        for chunk in html.split("<input")
        if 'name="languages"' in chunk and "checked" in chunk
    ]
    assert checked == ["Russian", "Tatar"]
    assert "[&quot;" not in html and '["' not in html  # no JSON text anywhere on the page


@pytest.mark.parametrize(
    "language,labels",
    [
        ("ru", ("Профиль модели", "Автор", "Кастинг", "Оценка", "Комментарий")),
        ("kk", ("Модель профилі", "Автор", "Баға")),
    ],
)
def test_reviews_read_as_the_model_and_in_the_admin_language(staff, language, labels):
    review = ReviewFactory(profile=ModelProfileFactory(name="Aruzhan"), rating=4)
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    page = staff.get(reverse("admin:profiles_review_change", args=[review.pk])).content.decode()
    listing = staff.get(reverse("admin:profiles_review_changelist")).content.decode()

    assert str(review) == "4★ · Aruzhan"
    title = page.split("<title>")[1].split("</title>")[0]
    assert "4★ · Aruzhan" in title and str(review.profile_id) not in title
    for label in labels:
        assert f"{label}:</label>" in page or f">{label}</label>" in page, label
        assert label in listing or label == "Комментарий", label  # not a list column
