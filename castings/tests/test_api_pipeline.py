"""The employer's pipeline on a casting's responses: shortlist (told or not), private notes,
filters and ordering, CSV export (BUSINESS)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from agencies.models import Organization, OrganizationMember
from billing.services import subscription_grant
from castings.models import RESPONSE_OWNER_TRANSITIONS, Response, ResponseNote, ResponseStatus
from castings.tests.factories import (
    CastingFactory,
    EmployerProfileFactory,
    ModelProfileFactory,
    ResponseFactory,
)
from castings.tests.test_api_castings import assert_error
from notifications.models import Notification

pytestmark = pytest.mark.django_db

MY_RESPONSES = reverse("castings:response-my")


def responses_url(casting) -> str:
    return reverse("castings:casting-responses", args=[casting.id])


def status_url(response) -> str:
    return reverse("castings:response-status", args=[response.id])


def note_url(response) -> str:
    return reverse("castings:response-note", args=[response.id])


@pytest.fixture
def manager(employer):
    colleague = EmployerProfileFactory().user
    OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=employer), user=colleague
    )
    return colleague


# --- statuses and transitions -----------------------------------------------------------------
STATUSES = [status for status, _label in ResponseStatus.choices]
TARGETS = ["pending", "shortlisted", "accepted", "rejected"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("start", STATUSES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    auth_client, employer, start, target
):
    response = ResponseFactory(casting=CastingFactory(owner=employer), status=start)

    answer = auth_client(employer).patch(status_url(response), {"status": target}, format="json")

    if target in RESPONSE_OWNER_TRANSITIONS[start]:
        assert answer.status_code == 200, answer.content
        assert answer.json()["data"]["response"]["status"] == target
        assert Response.objects.get(id=response.id).status == target
    else:
        assert_error(answer, 422, "INVALID_STATE")
        assert Response.objects.get(id=response.id).status == start


def test_a_silent_shortlist_still_reads_pending_to_the_model(
    auth_client, employer, model_user, django_capture_on_commit_callbacks
):
    response = ResponseFactory(
        casting=CastingFactory(owner=employer), model_profile=model_user.model_profile
    )
    model = auth_client(model_user)

    with django_capture_on_commit_callbacks(execute=True):
        answer = auth_client(employer).patch(
            status_url(response), {"status": "shortlisted"}, format="json"
        )

    assert answer.status_code == 200, answer.content
    stored = Response.objects.get(id=response.id)
    assert (stored.status, stored.shortlist_shared) == ("shortlisted", False)
    assert not Notification.objects.filter(user=model_user).exists()
    mine = model.get(MY_RESPONSES).json()["data"]["responses"]
    assert [(item["status"], item["status_changed_at"]) for item in mine] == [("pending", None)]
    assert len(model.get(MY_RESPONSES + "?status=pending").json()["data"]["responses"]) == 1
    assert model.get(MY_RESPONSES + "?status=shortlisted").json()["data"]["responses"] == []
    owner_view = auth_client(employer).get(responses_url(response.casting)).json()["data"]
    assert owner_view["responses"][0]["status"] == "shortlisted"
    assert owner_view["responses"][0]["shortlist_shared"] is False
    # The model can still withdraw what reads pending to it.
    withdrawn = model.delete(reverse("castings:response-detail", args=[response.id]))
    assert withdrawn.status_code == 204
    assert Response.objects.get(id=response.id).status == "withdrawn"


def test_a_told_shortlist_reaches_the_model(
    auth_client, employer, model_user, django_capture_on_commit_callbacks
):
    response = ResponseFactory(
        casting=CastingFactory(owner=employer), model_profile=model_user.model_profile
    )

    with django_capture_on_commit_callbacks(execute=True):
        auth_client(employer).patch(
            status_url(response), {"status": "shortlisted", "notify": True}, format="json"
        )

    note = Notification.objects.get(user=model_user, type="response_status_change")
    assert note.data["status"] == "shortlisted"
    mine = auth_client(model_user).get(MY_RESPONSES + "?status=shortlisted").json()["data"]
    assert [item["status"] for item in mine["responses"]] == ["shortlisted"]


def test_decisions_always_notify(auth_client, employer, django_capture_on_commit_callbacks):
    response = ResponseFactory(casting=CastingFactory(owner=employer), status="shortlisted")

    with django_capture_on_commit_callbacks(execute=True):
        auth_client(employer).patch(
            status_url(response), {"status": "accepted", "notify": False}, format="json"
        )

    assert Notification.objects.get(user=response.model_profile.user).data["status"] == "accepted"


# --- private notes ----------------------------------------------------------------------------
def test_owner_and_team_write_a_note_the_owner_list_shows(auth_client, employer, manager):
    response = ResponseFactory(casting=CastingFactory(owner=employer))

    written = auth_client(manager).put(
        note_url(response), {"note": "  Great walk; callback.  "}, format="json"
    )

    assert written.status_code == 200, written.content
    body = written.json()["data"]["note"]
    assert (body["response_id"], body["note"]) == (str(response.id), "Great walk; callback.")
    assert ResponseNote.objects.get(response=response).updated_by_id == manager.id
    listed = auth_client(employer).get(responses_url(response.casting)).json()["data"]
    assert listed["responses"][0]["note"] == "Great walk; callback."
    cleared = auth_client(employer).put(note_url(response), {"note": ""}, format="json")
    assert cleared.json()["data"]["note"]["note"] is None
    assert not ResponseNote.objects.exists()


def test_note_validation_and_access(auth_client, api_client, employer, other_employer):
    response = ResponseFactory(casting=CastingFactory(owner=employer))
    body = {"note": "Secret"}

    error = assert_error(
        auth_client(employer).put(note_url(response), {"note": "x" * 2001}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert set(error["details"]) == {"note"}
    assert_error(api_client.put(note_url(response), body, format="json"), 401, "AUTH_REQUIRED")
    assert_error(
        auth_client(response.model_profile.user).put(note_url(response), body, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        auth_client(other_employer).put(note_url(response), body, format="json"), 404, "NOT_FOUND"
    )
    assert not ResponseNote.objects.exists()


# --- filters, ordering, CSV -------------------------------------------------------------------
@pytest.fixture
def applicants(employer):
    casting = CastingFactory(owner=employer)
    rows = {
        "young_tall": ModelProfileFactory(age=19, height=182, city="Almaty", rating="4.90"),
        "older_short": ModelProfileFactory(age=31, height=165, city="Astana", rating="3.10"),
        "mid": ModelProfileFactory(age=24, height=175, city="almaty", rating="4.20"),
    }
    responses = {
        name: ResponseFactory(casting=casting, model_profile=p) for name, p in rows.items()
    }
    ResponseNote.objects.create(response=responses["mid"], text="=HYPERLINK(evil)")
    Response.objects.filter(id=responses["older_short"].id).update(status="shortlisted")
    return casting, responses


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["mid", "older_short", "young_tall"]),
        ("status=shortlisted", ["older_short"]),
        ("min_age=20", ["mid", "older_short"]),
        ("max_age=24", ["mid", "young_tall"]),
        ("min_height=170&max_height=180", ["mid"]),
        ("city=ALMATY", ["mid", "young_tall"]),
        ("has_note=true", ["mid"]),
        ("has_note=false", ["older_short", "young_tall"]),
        ("city=Almaty&min_age=20", ["mid"]),
    ],
)
def test_filters(auth_client, employer, applicants, query, expected):
    casting, responses = applicants
    names = {str(response.id): name for name, response in responses.items()}

    answer = auth_client(employer).get(responses_url(casting) + "?" + query)

    assert answer.status_code == 200, answer.content
    assert sorted(names[item["id"]] for item in answer.json()["data"]["responses"]) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-rating", ["young_tall", "mid", "older_short"]),
        ("rating", ["older_short", "mid", "young_tall"]),
        ("created_at", ["young_tall", "older_short", "mid"]),
        ("-created_at", ["mid", "older_short", "young_tall"]),
    ],
)
def test_ordering(auth_client, employer, applicants, ordering, expected):
    casting, responses = applicants
    names = {str(response.id): name for name, response in responses.items()}

    answer = auth_client(employer).get(responses_url(casting) + f"?ordering={ordering}")

    assert [names[item["id"]] for item in answer.json()["data"]["responses"]] == expected


def test_bad_filters_are_refused(auth_client, employer, applicants):
    casting, _responses = applicants

    error = assert_error(
        auth_client(employer).get(responses_url(casting) + "?min_age=old&ordering=name&format=x"),
        400,
        "VALIDATION_ERROR",
    )

    assert set(error["details"]) == {"min_age", "ordering", "format"}


def test_csv_exports_the_filtered_list_on_business(auth_client, employer, applicants):
    casting, responses = applicants
    subscription_grant(user=employer, plan_name="BUSINESS")

    answer = auth_client(employer).get(responses_url(casting) + "?format=csv&city=almaty")

    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        answer["Content-Disposition"] == f'attachment; filename="mwork-responses-{casting.id}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [row["response_id"] for row in rows] == [
        str(responses["mid"].id),
        str(responses["young_tall"].id),
    ]
    mid = rows[0]
    profile = responses["mid"].model_profile
    assert mid == {
        "response_id": str(responses["mid"].id),
        "status": "pending",
        "applied_at": responses["mid"].applied_at.isoformat(),
        "model_id": str(profile.id),
        "name": profile.name,
        "age": "24",
        "height": "175",
        "city": "almaty",
        "rating": "4.20",
        "matches_requirements": "True",
        "invited": "False",
        "submitted_by": "",
        "note": "'=HYPERLINK(evil)",  # a formula is quoted
        "message": responses["mid"].message,
        "portfolio_links": "",
    }


@pytest.mark.parametrize("plan", [None, "PRO"])
def test_csv_needs_business(auth_client, employer, applicants, plan):
    casting, _responses = applicants
    if plan:
        subscription_grant(user=employer, plan_name=plan)

    error = assert_error(
        auth_client(employer).get(responses_url(casting) + "?format=csv"),
        403,
        "SUBSCRIPTION_LIMIT",
    )

    assert error["details"]["feature"] == "responses_export"


def test_a_manager_exports_on_the_owners_plan(auth_client, employer, manager, applicants):
    casting, _responses = applicants
    subscription_grant(user=employer, plan_name="BUSINESS")

    answer = auth_client(manager).get(responses_url(casting) + "?format=csv")

    assert answer.status_code == 200
    assert len(answer.content.decode().strip().splitlines()) == 4


@pytest.mark.parametrize("rows", [2, 20])
def test_owner_list_has_a_fixed_query_count(
    auth_client, employer, rows, django_assert_max_num_queries
):
    casting = CastingFactory(owner=employer)
    for response in ResponseFactory.create_batch(rows, casting=casting):
        ResponseNote.objects.create(response=response, text="note")
    client = auth_client(employer)
    client.get(responses_url(casting))

    with django_assert_max_num_queries(8):
        answer = client.get(responses_url(casting) + "?has_note=true&ordering=-rating")

    assert len(answer.json()["data"]["responses"]) == rows


# --- bulk status ------------------------------------------------------------------------------
def bulk_url(casting) -> str:
    return reverse("castings:casting-responses-bulk-status", args=[casting.id])


def test_bulk_moves_all_and_notifies_each_model_once(
    auth_client, employer, django_capture_on_commit_callbacks
):
    casting = CastingFactory(owner=employer)
    responses = ResponseFactory.create_batch(3, casting=casting)
    ids = [str(response.id) for response in responses]

    with django_capture_on_commit_callbacks(execute=True):
        answer = auth_client(employer).post(
            bulk_url(casting),
            {"response_ids": [*ids, ids[0]], "status": "rejected", "message": "Thank you!"},
            format="json",
        )

    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert data["updated"] == 3
    assert sorted(item["id"] for item in data["responses"]) == sorted(ids)
    assert set(Response.objects.values_list("status", flat=True)) == {"rejected"}
    notes = Notification.objects.filter(type="response_status_change")
    assert sorted(note.user_id for note in notes) == sorted(
        response.model_profile.user_id for response in responses
    )
    assert {note.data["message"] for note in notes} == {"Thank you!"}


def test_bulk_shortlist_is_silent_unless_told(
    auth_client, employer, django_capture_on_commit_callbacks
):
    casting = CastingFactory(owner=employer)
    silent, told = ResponseFactory.create_batch(2, casting=casting)
    client = auth_client(employer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            bulk_url(casting), {"response_ids": [silent.id], "status": "shortlisted"}, "json"
        )
        client.post(
            bulk_url(casting),
            {"response_ids": [told.id], "status": "shortlisted", "notify": True},
            "json",
        )

    assert list(Notification.objects.values_list("user_id", flat=True)) == [
        told.model_profile.user_id
    ]
    assert Response.objects.get(id=silent.id).shortlist_shared is False
    assert Response.objects.get(id=told.id).shortlist_shared is True


def _snapshot(casting):
    return sorted(
        Response.objects.filter(casting=casting).values_list("id", "status", "status_changed_at")
    )


def test_a_bad_id_rolls_back_every_change(
    auth_client, employer, django_capture_on_commit_callbacks
):
    casting = CastingFactory(owner=employer)
    responses = ResponseFactory.create_batch(3, casting=casting)
    elsewhere = ResponseFactory()  # another owner's casting
    before = _snapshot(casting)
    ids = [str(response.id) for response in responses]

    with django_capture_on_commit_callbacks(execute=True):
        error = assert_error(
            auth_client(employer).post(
                bulk_url(casting),
                {"response_ids": [*ids, str(elsewhere.id)], "status": "accepted"},
                format="json",
            ),
            400,
            "VALIDATION_ERROR",
        )

    assert set(error["details"]) == {"response_ids"}
    assert str(elsewhere.id) in error["details"]["response_ids"][0]
    assert _snapshot(casting) == before
    assert Response.objects.get(id=elsewhere.id).status == "pending"
    assert not Notification.objects.exists()


def test_one_refused_transition_rolls_back_every_change(auth_client, employer):
    casting = CastingFactory(owner=employer)
    pending = ResponseFactory.create_batch(2, casting=casting)
    withdrawn = ResponseFactory(casting=casting, status="withdrawn")
    before = _snapshot(casting)

    error = assert_error(
        auth_client(employer).post(
            bulk_url(casting),
            {"response_ids": [pending[0].id, withdrawn.id, pending[1].id], "status": "accepted"},
            format="json",
        ),
        422,
        "INVALID_STATE",
    )

    assert error["details"]["response_ids"] == [f"{withdrawn.id} (withdrawn)"]
    assert _snapshot(casting) == before


def test_bulk_validation_and_access(auth_client, api_client, employer, other_employer, manager):
    casting = CastingFactory(owner=employer)
    response = ResponseFactory(casting=casting)
    client = auth_client(employer)
    body = {"response_ids": [str(response.id)], "status": "rejected"}

    for bad, fields in [
        ({"response_ids": [], "status": "rejected"}, {"response_ids"}),
        ({"response_ids": ["nope"], "status": "rejected"}, {"response_ids.0"}),
        ({"response_ids": [str(response.id)] * 201, "status": "rejected"}, {"response_ids"}),
        ({"response_ids": [str(response.id)], "status": "withdrawn"}, {"status"}),
        ({**body, "message": "x" * 2001}, {"message"}),
    ]:
        error = assert_error(
            client.post(bulk_url(casting), bad, format="json"), 400, "VALIDATION_ERROR"
        )
        assert set(error["details"]) == fields
    assert_error(api_client.post(bulk_url(casting), body, format="json"), 401, "AUTH_REQUIRED")
    assert_error(
        auth_client(response.model_profile.user).post(bulk_url(casting), body, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        auth_client(other_employer).post(bulk_url(casting), body, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    assert Response.objects.get(id=response.id).status == "pending"
    assert auth_client(manager).post(bulk_url(casting), body, format="json").status_code == 200


def test_bulk_of_200_is_one_update(auth_client, employer, django_assert_max_num_queries):
    casting = CastingFactory(owner=employer)
    profiles = ModelProfileFactory.create_batch(200)
    Response.objects.bulk_create(Response(casting=casting, model_profile=p) for p in profiles)
    ids = [str(pk) for pk in Response.objects.values_list("id", flat=True)]
    client = auth_client(employer)

    with django_assert_max_num_queries(12):
        answer = client.post(
            bulk_url(casting), {"response_ids": ids, "status": "shortlisted"}, format="json"
        )

    assert answer.json()["data"]["updated"] == 200
    assert Response.objects.filter(status="shortlisted").count() == 200
