from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from billing.models import ResponsePackage, ResponseUsage
from billing.services import payment_create_for_package, simulator_pay
from castings.models import Response, ResponseStatus
from castings.tests.factories import CastingFactory, ModelProfileFactory, ResponseFactory
from castings.tests.test_api_castings import assert_error
from notifications.models import Notification

pytestmark = pytest.mark.django_db

MY_RESPONSES = reverse("castings:response-my")


def responses_url(casting) -> str:
    return reverse("castings:casting-responses", args=[casting.id])


def response_status_url(response) -> str:
    return reverse("castings:response-status", args=[response.id])


def response_url(response) -> str:
    return reverse("castings:response-detail", args=[response.id])


def apply(client, casting, **body):
    return client.post(responses_url(casting), body, format="json")


# ------------------------------------------------------------------------------------------
# POST /castings/:id/responses
# ------------------------------------------------------------------------------------------
def test_model_applies(auth_client, model_user, django_capture_on_commit_callbacks):
    casting = CastingFactory()
    links = ["https://instagram.com/model", "http://portfolio.example.com/me"]

    with django_capture_on_commit_callbacks(execute=True):
        response = apply(auth_client(model_user), casting, message="Hello!", portfolio_links=links)

    assert response.status_code == 201, response.content
    data = response.json()["data"]["response"]
    stored = Response.objects.get(id=data["id"])
    assert data == {
        "id": str(stored.id),
        "casting_id": str(casting.id),
        "message": "Hello!",
        "portfolio_links": links,
        "status": "pending",
        "applied_at": stored.applied_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status_changed_at": None,
    }
    assert stored.model_profile == model_user.model_profile
    assert ResponseUsage.objects.get(user=model_user).used == 1
    notification = Notification.objects.get(user=casting.owner, type="new_response")
    assert notification.data == {
        "casting_id": str(casting.id),
        "casting_title": casting.title,
        "response_id": str(stored.id),
        "applicant_name": model_user.model_profile.name,
    }


def test_apply_with_empty_body(auth_client, model_user):
    response = apply(auth_client(model_user), CastingFactory())

    assert response.status_code == 201
    assert response.json()["data"]["response"]["message"] == ""
    assert response.json()["data"]["response"]["portfolio_links"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "x" * 2001}, "message"),
        ({"portfolio_links": [f"https://a.kz/{i}" for i in range(6)]}, "portfolio_links"),
        ({"portfolio_links": ["ftp://files.example.com/me"]}, "portfolio_links"),
        ({"portfolio_links": ["not a url"]}, "portfolio_links"),
        ({"portfolio_links": "https://a.kz"}, "portfolio_links"),
    ],
)
def test_apply_validation(auth_client, model_user, body, field):
    response = apply(auth_client(model_user), CastingFactory(), **body)

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]
    assert not Response.objects.exists()
    assert not ResponseUsage.objects.filter(used__gt=0).exists()


def test_apply_twice_is_a_conflict(auth_client, model_user):
    casting = CastingFactory()
    client = auth_client(model_user)
    apply(client, casting)

    response = apply(client, casting)

    assert_error(response, 409, "DUPLICATE_RESOURCE")
    assert Response.objects.count() == 1
    assert ResponseUsage.objects.get(user=model_user).used == 1


def test_reapplying_after_withdrawing_is_a_conflict(auth_client, model_user):
    casting = CastingFactory()
    ResponseFactory(casting=casting, model_profile=model_user.model_profile, status="withdrawn")

    assert_error(apply(auth_client(model_user), casting), 409, "DUPLICATE_RESOURCE")


@pytest.mark.parametrize("status", ["draft", "completed", "cancelled"])
def test_apply_only_to_active_castings(auth_client, model_user, status):
    casting = CastingFactory(status=status)

    response = apply(auth_client(model_user), casting)

    if status == "draft":
        assert_error(response, 404, "NOT_FOUND")  # drafts are invisible to the model
    else:
        assert_error(response, 422, "INVALID_STATE")
    assert not Response.objects.exists()


def test_apply_needs_a_model_with_profile(auth_client, api_client, employer):
    casting = CastingFactory()

    assert_error(apply(api_client, casting), 401, "AUTH_REQUIRED")
    assert_error(apply(auth_client(employer), casting), 403, "PERMISSION_DENIED")
    assert_error(apply(auth_client(UserFactory(role="model")), casting), 403, "PROFILE_REQUIRED")
    assert not Response.objects.exists()


def test_free_plan_allows_three_responses_a_month(auth_client, model_user):
    client = auth_client(model_user)
    castings = CastingFactory.create_batch(4)

    codes = [apply(client, casting).status_code for casting in castings[:3]]
    refused = apply(client, castings[3])

    assert codes == [201, 201, 201]
    error = assert_error(refused, 403, "SUBSCRIPTION_LIMIT")
    assert error["details"] == {"limit": 3, "used": 3, "plan": "FREE"}
    assert Response.objects.count() == 3


def test_withdrawn_response_still_counts(auth_client, model_user):
    client = auth_client(model_user)
    castings = CastingFactory.create_batch(4)
    first = apply(client, castings[0]).json()["data"]["response"]
    assert client.delete(reverse("castings:response-detail", args=[first["id"]])).status_code == 204
    apply(client, castings[1])
    apply(client, castings[2])

    assert_error(apply(client, castings[3]), 403, "SUBSCRIPTION_LIMIT")


def test_package_credits_are_spent_after_the_allowance(auth_client, model_user):
    package = ResponsePackage.objects.create(name="Five", responses=5, price=2000)
    payment = payment_create_for_package(user=model_user, package=package)
    simulator_pay(payment_id=payment.pk)
    client = auth_client(model_user)
    castings = CastingFactory.create_batch(9)

    codes = [apply(client, casting).status_code for casting in castings]

    assert codes == [201] * 8 + [403]
    usage = ResponseUsage.objects.get(user=model_user)
    assert (usage.used, usage.credits_used) == (3, 5)
    assert model_user.response_credit.balance == 0


def test_pro_plan_has_thirty(auth_client, make_user):
    user = make_user(role="model", plan="PRO")
    ModelProfileFactory(user=user)
    client = auth_client(user)

    codes = [apply(client, casting).status_code for casting in CastingFactory.create_batch(4)]

    assert codes == [201] * 4


# ------------------------------------------------------------------------------------------
# GET /castings/:id/responses
# ------------------------------------------------------------------------------------------
def test_owner_lists_responses_with_applicant(auth_client, employer):
    casting = CastingFactory(owner=employer, required_gender="female", min_height=170)
    fits = ResponseFactory(
        casting=casting, model_profile=ModelProfileFactory(height=180, rating="4.50")
    )
    short = ResponseFactory(casting=casting, model_profile=ModelProfileFactory(height=160))
    ResponseFactory(casting=casting, status="withdrawn")
    ResponseFactory()  # another casting

    response = auth_client(employer).get(responses_url(casting))

    assert response.status_code == 200, response.content
    body = response.json()["data"]
    assert body["pagination"]["total"] == 2
    by_id = {item["id"]: item for item in body["responses"]}
    profile = fits.model_profile
    assert by_id[str(fits.id)] == {
        "id": str(fits.id),
        "casting_id": str(casting.id),
        "applicant": {
            "id": str(profile.id),
            "user_id": str(profile.user_id),
            "name": profile.name,
            "photo": None,
            "age": 24,
            "height": 180,
            "city": "Almaty",
            "rating": 4.5,
        },
        "message": fits.message,
        "portfolio_links": [],
        "status": "pending",
        "applied_at": fits.applied_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status_changed_at": None,
        "matches_requirements": True,
        "submitted_by": None,
        "invited": False,
        "shortlist_shared": False,
        "note": None,
    }
    assert by_id[str(short.id)]["matches_requirements"] is False


def test_owner_filters_responses_by_status(auth_client, employer):
    casting = CastingFactory(owner=employer)
    accepted = ResponseFactory(casting=casting, status="accepted")
    withdrawn = ResponseFactory(casting=casting, status="withdrawn")
    ResponseFactory(casting=casting)
    client = auth_client(employer)

    only_accepted = client.get(responses_url(casting), {"status": "accepted"}).json()["data"]
    only_withdrawn = client.get(responses_url(casting), {"status": "withdrawn"}).json()["data"]

    assert [r["id"] for r in only_accepted["responses"]] == [str(accepted.id)]
    assert [r["id"] for r in only_withdrawn["responses"]] == [str(withdrawn.id)]
    assert_error(client.get(responses_url(casting), {"status": "x"}), 400, "VALIDATION_ERROR")


def test_responses_list_is_for_the_owner_only(auth_client, api_client, employer, other_employer):
    casting = CastingFactory(owner=employer)
    draft = CastingFactory(owner=employer, status="draft")
    applicant = ResponseFactory(casting=casting).model_profile.user

    assert_error(auth_client(other_employer).get(responses_url(casting)), 403, "PERMISSION_DENIED")
    assert_error(auth_client(applicant).get(responses_url(casting)), 403, "PERMISSION_DENIED")
    assert_error(auth_client(other_employer).get(responses_url(draft)), 404, "NOT_FOUND")
    assert_error(api_client.get(responses_url(casting)), 401, "AUTH_REQUIRED")
    assert auth_client(employer).get(responses_url(draft)).status_code == 200


# ------------------------------------------------------------------------------------------
# GET /responses/my
# ------------------------------------------------------------------------------------------
def test_model_lists_own_responses(auth_client, model_user):
    mine = ResponseFactory(model_profile=model_user.model_profile)
    ResponseFactory()

    response = auth_client(model_user).get(MY_RESPONSES)

    assert response.status_code == 200
    body = response.json()["data"]
    assert body["pagination"]["total"] == 1
    item = body["responses"][0]
    casting = mine.casting
    assert item["id"] == str(mine.id)
    assert item["casting"] == {
        "id": str(casting.id),
        "title": casting.title,
        "city": "Almaty",
        "category": "fashion",
        "shoot_date": casting.shoot_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "active",
        "creator": {
            "id": str(casting.owner_id),
            "company_name": casting.owner.employer_profile.company_name,
            "avatar": None,
        },
    }
    assert item["status"] == "pending"


def test_my_responses_filter_and_permissions(auth_client, api_client, employer):
    profile = ModelProfileFactory()
    ResponseFactory(model_profile=profile)
    accepted = ResponseFactory(model_profile=profile, status="accepted")
    client = auth_client(profile.user)

    filtered = client.get(MY_RESPONSES, {"status": "accepted"}).json()["data"]["responses"]

    assert [r["id"] for r in filtered] == [str(accepted.id)]
    assert_error(auth_client(employer).get(MY_RESPONSES), 403, "PERMISSION_DENIED")
    assert_error(api_client.get(MY_RESPONSES), 401, "AUTH_REQUIRED")
    no_profile = auth_client(UserFactory(role="model")).get(MY_RESPONSES)
    assert no_profile.json()["data"]["responses"] == []


# ------------------------------------------------------------------------------------------
# PATCH /responses/:id/status
# ------------------------------------------------------------------------------------------
def test_owner_accepts_then_rejects(auth_client, employer, django_capture_on_commit_callbacks):
    casting = CastingFactory(owner=employer)
    response = ResponseFactory(casting=casting)
    client = auth_client(employer)
    model = response.model_profile.user

    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.patch(response_status_url(response), {"status": "accepted"})
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client.patch(response_status_url(response), {"status": "rejected"})

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["data"]["response"]["status"] == "accepted"
    assert rejected.json()["data"]["response"]["status"] == "rejected"
    response.refresh_from_db()
    assert response.status == "rejected" and response.status_changed_at is not None
    sent = Notification.objects.filter(user=model, type="response_status_change")
    assert sorted(n.data["status"] for n in sent) == ["accepted", "rejected"]
    assert sent.first().data["casting_title"] == casting.title


RESPONSE_ALLOWED = [("pending", "accepted"), ("pending", "rejected"), ("accepted", "rejected")]
RESPONSE_REFUSED = [
    (old, new)
    for old in ["pending", "accepted", "rejected", "withdrawn"]
    for new in ["pending", "accepted", "rejected"]
    if (old, new) not in RESPONSE_ALLOWED
]


@pytest.mark.parametrize(("old", "new"), RESPONSE_ALLOWED)
def test_response_transitions_allowed(auth_client, employer, old, new):
    response = ResponseFactory(casting=CastingFactory(owner=employer), status=old)

    result = auth_client(employer).patch(response_status_url(response), {"status": new})

    assert result.status_code == 200
    response.refresh_from_db()
    assert response.status == new


@pytest.mark.parametrize(("old", "new"), RESPONSE_REFUSED)
def test_response_transitions_refused(auth_client, employer, old, new):
    response = ResponseFactory(casting=CastingFactory(owner=employer), status=old)

    result = auth_client(employer).patch(response_status_url(response), {"status": new})

    assert_error(result, 422, "INVALID_STATE")
    response.refresh_from_db()
    assert response.status == old


def test_response_status_validation_and_permissions(
    auth_client, api_client, employer, other_employer
):
    response = ResponseFactory(casting=CastingFactory(owner=employer))
    applicant = response.model_profile.user

    error = assert_error(
        auth_client(employer).patch(response_status_url(response), {"status": "withdrawn"}),
        400,
        "VALIDATION_ERROR",
    )
    assert "status" in error["details"]
    assert_error(
        auth_client(applicant).patch(response_status_url(response), {"status": "accepted"}),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        auth_client(other_employer).patch(response_status_url(response), {"status": "accepted"}),
        404,
        "NOT_FOUND",
    )
    assert_error(
        api_client.patch(response_status_url(response), {"status": "accepted"}),
        401,
        "AUTH_REQUIRED",
    )
    response.refresh_from_db()
    assert response.status == "pending"


def test_responses_of_cancelled_castings_cannot_be_decided(auth_client, employer):
    response = ResponseFactory(casting=CastingFactory(owner=employer, status="cancelled"))

    result = auth_client(employer).patch(response_status_url(response), {"status": "accepted"})

    assert_error(result, 422, "INVALID_STATE")


# ------------------------------------------------------------------------------------------
# DELETE /responses/:id (withdraw)
# ------------------------------------------------------------------------------------------
def test_model_withdraws_a_pending_response(auth_client, model_user):
    response = ResponseFactory(model_profile=model_user.model_profile)

    result = auth_client(model_user).delete(response_url(response))

    assert result.status_code == 204
    response.refresh_from_db()
    assert response.status == ResponseStatus.WITHDRAWN


@pytest.mark.parametrize("status", ["accepted", "rejected", "withdrawn"])
def test_only_pending_responses_can_be_withdrawn(auth_client, model_user, status):
    response = ResponseFactory(model_profile=model_user.model_profile, status=status)

    assert_error(auth_client(model_user).delete(response_url(response)), 422, "INVALID_STATE")
    response.refresh_from_db()
    assert response.status == status


def test_withdraw_permissions(auth_client, api_client, other_employer):
    response = ResponseFactory()
    owner = response.casting.owner

    assert_error(auth_client(owner).delete(response_url(response)), 403, "PERMISSION_DENIED")
    assert_error(
        auth_client(ModelProfileFactory().user).delete(response_url(response)), 404, "NOT_FOUND"
    )
    assert_error(auth_client(other_employer).delete(response_url(response)), 404, "NOT_FOUND")
    assert_error(api_client.delete(response_url(response)), 401, "AUTH_REQUIRED")
    response.refresh_from_db()
    assert response.status == "pending"
