from __future__ import annotations

import pytest
from django.urls import reverse

from castings.tests.factories import CastingFactory, ResponseFactory
from chat.models import Message, Room
from chat.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    staff = make_user(role="admin", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_rooms_changelist_searches_by_participant_email(staff_client, room, employer, outsider):
    url = reverse("admin:chat_room_changelist")

    found = staff_client.get(url, {"q": employer.email})
    missing = staff_client.get(url, {"q": outsider.email})

    assert found.status_code == 200
    assert str(room.id) in found.content.decode()
    assert str(room.id) not in missing.content.decode()


def test_rooms_changelist_filters_by_casting(staff_client, make_room, employer, model_user):
    casting = CastingFactory(owner=employer)
    ResponseFactory(casting=casting, model_profile=model_user.model_profile)
    about_casting = make_room(employer, model_user, casting=casting)
    direct = make_room(employer, model_user)
    url = reverse("admin:chat_room_changelist")

    by_casting = staff_client.get(url, {"casting__id__exact": str(casting.id)}).content.decode()
    with_casting = staff_client.get(url, {"has_casting": "yes"}).content.decode()
    without_casting = staff_client.get(url, {"has_casting": "no"}).content.decode()

    assert str(about_casting.id) in by_casting and str(direct.id) not in by_casting
    assert str(about_casting.id) in with_casting and str(direct.id) not in with_casting
    assert str(direct.id) in without_casting and str(about_casting.id) not in without_casting


def test_room_and_message_pages_are_read_only(staff_client, room, employer):
    message = MessageFactory(room=room, sender=employer, content="Moderate me")

    room_page = staff_client.get(reverse("admin:chat_room_change", args=[room.id]))
    message_page = staff_client.get(reverse("admin:chat_message_change", args=[message.id]))
    messages = staff_client.get(reverse("admin:chat_message_changelist"), {"q": employer.email})
    add = staff_client.get(reverse("admin:chat_message_add"))
    delete = staff_client.post(
        reverse("admin:chat_message_delete", args=[message.id]), {"post": "yes"}
    )

    assert room_page.status_code == 200
    assert message_page.status_code == 200
    assert "Moderate me" in messages.content.decode()
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()
    assert Room.objects.filter(pk=room.pk).exists()


def test_non_staff_cannot_open_the_chat_admin(client, employer):
    client.force_login(employer)

    response = client.get(reverse("admin:chat_room_changelist"))

    assert response.status_code == 302
