import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

ANNOUNCE_URL = reverse("admin:notifications_notification_send_announcement")
CHANGELIST_URL = reverse("admin:notifications_notification_changelist")


@pytest.fixture
def staff_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True, role="admin")
    client.force_login(admin)
    return client


def test_changelist_search_by_user_email_and_type(staff_client):
    target = NotificationFactory(user=UserFactory(email="aisha@example.kz"), type="new_message")
    NotificationFactory(type="new_casting")

    by_email = staff_client.get(CHANGELIST_URL, {"q": "aisha@"})
    by_type = staff_client.get(CHANGELIST_URL, {"q": "new_message"})

    assert list(by_email.context["cl"].result_list) == [target]
    assert list(by_type.context["cl"].result_list) == [target]
    assert ANNOUNCE_URL in by_email.content.decode()


def test_send_announcement_to_a_filtered_set_of_users(
    staff_client, django_capture_on_commit_callbacks
):
    models = [UserFactory(role="model", language="kk") for _ in range(2)]
    UserFactory(role="employer", language="kk")
    UserFactory(role="model", language="ru")
    UserFactory(role="model", language="kk", is_active=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            ANNOUNCE_URL,
            {
                "title": "Жаңалық",
                "message": "Жаңа мүмкіндіктер",
                "roles": ["model"],
                "languages": ["kk"],
            },
        )

    assert response.status_code == 302
    stored = Notification.objects.filter(type="announcement")
    assert {n.user_id for n in stored} == {u.id for u in models}
    assert {(n.title, n.message) for n in stored} == {("Жаңалық", "Жаңа мүмкіндіктер")}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in models)


def test_announcement_form_validation_sends_nothing(staff_client):
    response = staff_client.post(ANNOUNCE_URL, {"title": "", "message": "x"})

    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert not Notification.objects.exists()


def test_announcement_form_needs_staff(client):
    client.force_login(UserFactory())

    response = client.get(ANNOUNCE_URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
