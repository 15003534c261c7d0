import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def admin_client(client):
    staff = User.objects.create_superuser(email="root@mwork.kz", password="Adm1n-Secret!")
    client.force_login(staff)
    client.staff = staff
    return client


def test_changelist_searches_by_email_and_filters(admin_client):
    UserFactory(email="aisha@example.kz", role="model")
    UserFactory(email="brand@example.kz", role="employer", email_verified=False)

    found = admin_client.get(reverse(CHANGELIST), {"q": "aisha"})
    filtered = admin_client.get(
        reverse(CHANGELIST), {"role__exact": "employer", "email_verified__exact": "0"}
    )
    inactive = admin_client.get(reverse(CHANGELIST), {"is_active__exact": "0"})

    assert found.status_code == filtered.status_code == inactive.status_code == 200
    assert b"aisha@example.kz" in found.content
    assert b"brand@example.kz" not in found.content
    assert b"brand@example.kz" in filtered.content
    assert b"aisha@example.kz" not in filtered.content
    assert b"aisha@example.kz" not in inactive.content


def test_ban_action_deactivates_and_revokes_tokens(admin_client):
    user = UserFactory()
    refresh = tokens_for_user(user)

    response = admin_client.post(
        reverse(CHANGELIST), {"action": "ban_users", "_selected_action": [str(user.pk)]}
    )

    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert not user.is_active
    assert user.token_version == 1
    assert refresh["ver"] == 0


def test_ban_action_refuses_to_ban_yourself(admin_client):
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "ban_users", "_selected_action": [str(admin_client.staff.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert User.objects.get(pk=admin_client.staff.pk).is_active


def test_mark_email_verified_action(admin_client):
    user = UserFactory(email_verified=False)

    admin_client.post(
        reverse(CHANGELIST), {"action": "mark_email_verified", "_selected_action": [str(user.pk)]}
    )

    assert User.objects.get(pk=user.pk).email_verified


def test_admin_add_and_change_pages_render(admin_client):
    user = UserFactory()

    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert (
        admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200
    )


def test_admin_creates_a_user_with_lowercase_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Staff@MWork.kz",
            "role": "employer",
            "language": "ru",
            "usable_password": "true",
            "password1": "Very-Secret-99",
            "password2": "Very-Secret-99",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert User.objects.get(email="new.staff@mwork.kz").check_password("Very-Secret-99")
