"""`create_staff`, `sync_staff_groups`, `staff_policy` and its copy in docs/BACK_OFFICE.md."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from moderation.models import AuditLogEntry
from moderation.staff_policy import ROLES, policy_markdown

pytestmark = pytest.mark.django_db

BACK_OFFICE = Path(__file__).resolve().parents[2] / "docs" / "BACK_OFFICE.md"


@pytest.mark.parametrize("role", ROLES)
def test_create_staff_of_each_role(role, client):
    out = StringIO()

    call_command("create_staff", "--group", role, "--email", "Anna@MWork.kz", stdout=out)

    user = User.objects.get(email="anna@mwork.kz")
    password = out.getvalue().split("password: ")[1].strip()
    assert user.is_staff and user.is_active and user.check_password(password)
    assert user.is_superuser == (role == "superuser")
    assert set(user.groups.values_list("name", flat=True)) == (
        set() if role == "superuser" else {role}
    )
    assert AuditLogEntry.objects.get(action="staff_create").data == {"role": role}
    assert client.login(username="anna@mwork.kz", password=password)
    assert client.get("/admin/").status_code == 200


def test_create_staff_refuses_a_weak_password_and_creates_nothing():
    with pytest.raises(CommandError):
        call_command(
            "create_staff", "--group", "Finance", "--email", "x@mwork.kz", "--password", "1"
        )

    assert not User.objects.filter(email="x@mwork.kz").exists()


def test_staff_policy_command_prints_the_policy():
    out = StringIO()

    call_command("staff_policy", stdout=out)

    assert out.getvalue() == policy_markdown()


def test_back_office_doc_shows_the_policy_generated_from_code():
    text = BACK_OFFICE.read_text()
    start = text.index("<!-- staff-policy:start -->\n") + len("<!-- staff-policy:start -->\n")
    end = text.index("<!-- staff-policy:end -->")

    assert text[start:end] == policy_markdown(), (
        "docs/BACK_OFFICE.md is stale: paste `manage.py staff_policy` between its markers"
    )
