"""Views are recorded once per viewer, object and Almaty day; owners' views are ignored; a
database error while recording never breaks the detail page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from agencies.models import Organization, OrganizationMember
from analytics.models import CastingView, ProfileView
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory

pytestmark = pytest.mark.django_db


def profile_url(profile) -> str:
    return reverse("profiles:model-detail", args=[profile.id])


def casting_url(casting) -> str:
    return reverse("castings:casting-detail", args=[casting.id])


def test_anonymous_views_are_deduplicated_per_address_and_day(api_client):
    profile = ModelProfileFactory()

    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            assert api_client.get(profile_url(profile), REMOTE_ADDR="10.0.0.1").status_code == 200
        api_client.get(profile_url(profile), REMOTE_ADDR="10.0.0.2")
    # 20:00 UTC is already the next day in Almaty (UTC+5).
    with time_machine.travel(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), tick=False):
        api_client.get(profile_url(profile), REMOTE_ADDR="10.0.0.1")

    rows = list(ProfileView.objects.order_by("day", "viewer_key").values_list("day", "viewer_id"))
    assert [day for day, _ in rows] == [dt.date(2026, 3, 1)] * 2 + [dt.date(2026, 3, 2)]
    assert all(viewer is None for _, viewer in rows)
    keys = set(ProfileView.objects.values_list("viewer_key", flat=True))
    assert len(keys) == 3 and all(key.startswith("a:") for key in keys)
    assert not any("10.0.0" in key for key in keys)  # only a salted hash is stored


def test_signed_in_views_are_deduplicated_per_user(auth_client, make_user):
    profile = ModelProfileFactory()
    viewer = EmployerProfileFactory().user
    client = auth_client(viewer)

    for address in ("10.0.0.1", "10.0.0.2"):
        client.get(profile_url(profile), REMOTE_ADDR=address)

    view = ProfileView.objects.get()
    assert view.viewer_id == viewer.id and view.viewer_key == f"u:{viewer.id}"


def test_owners_do_not_count(auth_client):
    profile = ModelProfileFactory()
    casting = CastingFactory()

    auth_client(profile.user).get(profile_url(profile))
    auth_client(casting.owner).get(casting_url(casting))

    assert not ProfileView.objects.exists()
    assert not CastingView.objects.exists()


def test_casting_views_are_counted_but_not_the_organization_managers(auth_client, api_client):
    casting = CastingFactory()
    manager = EmployerProfileFactory().user
    OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=casting.owner), user=manager
    )
    model = ModelProfileFactory().user

    auth_client(manager).get(casting_url(casting))
    auth_client(model).get(casting_url(casting))
    auth_client(model).get(casting_url(casting))
    api_client.get(casting_url(casting))

    assert CastingView.objects.count() == 2
    assert set(CastingView.objects.values_list("viewer_id", flat=True)) == {model.id, None}


def test_invisible_objects_record_nothing(api_client):
    hidden = ModelProfileFactory(is_hidden=True)
    draft = CastingFactory(status="draft")

    assert api_client.get(profile_url(hidden)).status_code == 404
    assert api_client.get(casting_url(draft)).status_code == 404

    assert not ProfileView.objects.exists() and not CastingView.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="uses a PostgreSQL trigger")
def test_a_database_error_while_recording_does_not_break_the_page(api_client):
    """A real failure (a trigger refusing the insert), not a patched function."""
    profile = ModelProfileFactory()
    casting = CastingFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION analytics_refuse() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'views are down'; END $$ LANGUAGE plpgsql"
        )
        for table in ("analytics_profileview", "analytics_castingview"):
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION analytics_refuse()"
            )

    profile_page = api_client.get(profile_url(profile))
    casting_page = api_client.get(casting_url(casting))

    assert profile_page.status_code == 200
    assert profile_page.json()["data"]["model"]["id"] == str(profile.id)
    assert casting_page.status_code == 200
    assert not ProfileView.objects.exists()
