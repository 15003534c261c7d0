"""OWASP API5:2023 Broken Function Level Authorization.

1. Every /admin/ URL (walked from the resolver, custom admin views included) refuses
   anonymous callers, signed-in non-staff users of every role (even a `role=admin` account
   without `is_staff`) and banned staff — GET and POST.
2. A staff account without model permissions is refused the model pages (403).
3. Role-restricted API functions refuse the other roles with 403 and change nothing.
"""

from __future__ import annotations

import io
import re

import pytest

from accounts.tests.factories import UserFactory
from castings.models import Casting, Response
from media.models import Photo
from mwork.api.routes import url_routes
from mwork.tests.security.world import jpeg_bytes
from profiles.models import EmployerProfile, ModelProfile

pytestmark = pytest.mark.django_db

# The admin's own public pages: the login form and the logout action.
PUBLIC_ADMIN = {"admin/login/", "admin/logout/"}


def admin_paths() -> list[str]:
    found = [route for route, _entry in url_routes() if route.startswith("admin/")]
    paths = []
    for route in found:
        route = route.replace("^", "").replace("$", "").replace("\\Z", "")
        route = re.sub(r"<(?:\w+:)?(\w+)>", "1", route)
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", route)
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "anything", route)
        if route not in PUBLIC_ADMIN:
            paths.append("/" + route)
    return sorted(set(paths))


def _refused(response) -> bool:
    """The admin answers a non-staff caller with its login page (a redirect) or a 403/404."""
    if response.status_code in (302, 301):
        return "/admin/login/" in response["Location"]
    return response.status_code in (403, 404)


@pytest.fixture
def non_staff_callers(world, client):
    role_admin = UserFactory(role="admin", is_staff=False, email="not-really-staff@example.kz")
    banned_staff = UserFactory(
        role="admin", is_staff=True, is_active=False, email="banned-staff@example.kz"
    )
    return {
        "anonymous": None,
        "model": world.a.model,
        "employer": world.a.employer,
        "agency": world.a.agency,
        "role-admin-without-is_staff": role_admin,
        "banned-staff": banned_staff,
    }


def test_the_admin_walk_finds_every_model_and_custom_view():
    paths = admin_paths()

    assert len(paths) > 100
    assert "/admin/moderation/report/1/enforce/" in paths
    assert "/admin/notifications/notification/send-announcement/" in paths
    assert "/admin/" in paths


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_admin_path_refuses_non_staff(non_staff_callers, client, method):
    paths = admin_paths()
    problems = []

    callers = non_staff_callers
    if method == "post":  # the refusal does not depend on the method: two callers suffice
        callers = {k: callers[k] for k in ("anonymous", "role-admin-without-is_staff")}
    for label, user in callers.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = getattr(client, method)(path)
            if not _refused(response):
                problems.append(f"{label} {method.upper()} {path} → {response.status_code}")

    assert not problems, "\n".join(problems[:50])


@pytest.mark.parametrize(
    "path",
    [
        "/admin/billing/payment/",
        "/admin/accounts/user/",
        "/admin/moderation/auditlogentry/",
        "/admin/notifications/notification/send-announcement/",
    ],
)
def test_staff_without_permissions_is_refused_model_pages(client, db, path):
    bare_staff = UserFactory(role="admin", is_staff=True, email="bare-staff@example.kz")
    client.force_login(bare_staff)

    response = client.get(path)

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/admin/" in response["Location"]


def _count(model):
    return lambda w: model.objects.count()


ROLE_FUNCTIONS = [
    # (who must be refused, method, path, body, what must not change)
    ("model", "post", "/api/v1/castings", {"title": "Model posting"}, _count(Casting)),
    ("model", "get", "/api/v1/castings/my", None, None),
    ("employer", "post", "castings/{casting}/responses", {"message": "hi"}, _count(Response)),
    ("agency", "get", "/api/v1/responses/my", None, None),
    ("employer", "post", "/api/v1/profiles/models", {"name": "Nope"}, _count(ModelProfile)),
    ("model", "post", "/api/v1/profiles/employers", {"company_name": "Nope"}, None),
    ("employer", "post", "/api/v1/photos", {}, _count(Photo)),
    ("model", "post", "/api/v1/agency/invitations", {"model_id": "{profile}"}, None),
    ("employer", "post", "/api/v1/agency/invitations", {"model_id": "{profile}"}, None),
    ("model", "get", "/api/v1/agency/models", None, None),
    ("model", "post", "/api/v1/organizations/members", {"email": "x@example.kz"}, None),
    ("model", "patch", "responses/{response}/status", {"status": "rejected"}, None),
    ("model", "post", "profiles/models/{profile}/reviews", {"rating": 5}, None),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "unchanged"), ROLE_FUNCTIONS)
def test_role_restricted_functions_refuse_other_roles(
    world, client_for, role, method, path, body, unchanged
):
    values = {
        "casting": world.b.casting.id,
        "response": world.a.response.id,
        "profile": world.a.model_profile.id,
    }
    if not path.startswith("/"):
        path = "/api/v1/" + path
    path = path.format(**values)
    if body:
        body = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in body.items()}
    before = unchanged(world) if unchanged else None
    before_employers = EmployerProfile.objects.count()

    client = client_for(world.users()[role])
    if path.endswith("/photos"):
        upload = {"file": io.BytesIO(jpeg_bytes())}
        response = client.post(path, upload, format="multipart")
    else:
        response = getattr(client, method)(path, body, format="json")

    assert response.status_code in (403, 404), (role, method, path, response.content[:200])
    assert response.json()["error"]["code"] in (
        "PERMISSION_DENIED",
        "PROFILE_REQUIRED",
        "NOT_FOUND",
    )
    if unchanged:
        assert unchanged(world) == before
    assert EmployerProfile.objects.count() == before_employers
