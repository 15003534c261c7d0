"""GET /analytics/me: per plan level (FREE refused, PRO basic, BUSINESS advanced), rollup plus
live counts, CSV export, validation, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import CastingView, DailyViewStat, ProfileView, RollupState
from analytics.services import view_record_casting, view_record_profile, views_rollup
from castings.tests.factories import (
    CastingFactory,
    EmployerProfileFactory,
    ModelProfileFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.UTC)  # 11:00 in Almaty
TODAY = dt.date(2026, 3, 10)
URL = "/api/v1/analytics/me"
BASIC_MODEL_KEYS = {
    "level",
    "role",
    "days",
    "date_from",
    "date_to",
    "views_per_day",
    "total_views",
    "responses_sent",
    "responses_accepted",
    "accepted_rate",
}
ADVANCED_KEYS = {"viewers_by_city", "viewers_by_role", "funnel"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == code
    return body["error"]


def model_with_plan(make_user, plan):
    user = make_user(role="model", plan=plan)
    return ModelProfileFactory(user=user)


def employer_with_plan(make_user, plan):
    user = make_user(role="employer", plan=plan)
    EmployerProfileFactory(user=user, company_name="Almaty Studio")
    return user


def viewers():
    astana_model = ModelProfileFactory(city="Astana").user
    almaty_employer = EmployerProfileFactory(city="almaty ").user
    return astana_model, almaty_employer


def profile_view(profile, day, viewer=None):
    key = f"u:{viewer.id}" if viewer else f"a:{uuid.uuid4().hex}"
    return ProfileView.objects.create(profile=profile, viewer=viewer, viewer_key=key, day=day)


def casting_view(casting, day, viewer=None):
    key = f"u:{viewer.id}" if viewer else f"a:{uuid.uuid4().hex}"
    return CastingView.objects.create(casting=casting, viewer=viewer, viewer_key=key, day=day)


def views_of(body) -> dict[str, int]:
    return {row["date"]: row["views"] for row in body["views_per_day"]}


# --- access and validation --------------------------------------------------------------------
@pytest.mark.parametrize("role", ["model", "employer", "agency"])
def test_free_plans_get_subscription_limit(auth_client, make_user, role):
    error = assert_error(auth_client(make_user(role=role)).get(URL), 403, "SUBSCRIPTION_LIMIT")

    assert error["details"] == {"feature": "analytics"}


def test_needs_a_token(api_client):
    assert_error(api_client.get(URL), 401, "AUTH_REQUIRED")


@pytest.mark.parametrize(
    "params,field",
    [
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
        ({"days": "x"}, "days"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_400(auth_client, make_user, params, field):
    user = model_with_plan(make_user, "PRO").user

    error = assert_error(auth_client(user).get(URL, params), 400, "VALIDATION_ERROR")

    assert set(error["details"]) == {field}


# --- models -----------------------------------------------------------------------------------
def test_pro_model_gets_basic_analytics(auth_client, make_user):
    profile = model_with_plan(make_user, "PRO")
    astana_model, almaty_employer = viewers()
    profile_view(profile, TODAY - dt.timedelta(days=2), astana_model)
    profile_view(profile, TODAY - dt.timedelta(days=2))
    profile_view(profile, TODAY - dt.timedelta(days=40))  # outside the window
    views_rollup()  # the finished days go to the rollup table
    profile_view(profile, TODAY, almaty_employer)  # today: counted live
    accepted = ResponseFactory(model_profile=profile, status="accepted")
    ResponseFactory(model_profile=profile)
    ResponseFactory(model_profile=profile, status="withdrawn")
    accepted.applied_at = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)
    accepted.save()

    response = auth_client(profile.user).get(URL, {"days": 7})

    assert response.status_code == 200, response.content
    body = response.json()["data"]["analytics"]
    assert set(body) == BASIC_MODEL_KEYS
    assert body["level"] == "basic" and body["role"] == "model"
    assert body["date_from"] == "2026-03-04" and body["date_to"] == "2026-03-10"
    assert len(body["views_per_day"]) == 7
    assert views_of(body)["2026-03-08"] == 2
    assert views_of(body)["2026-03-10"] == 1
    assert body["total_views"] == 3
    assert body["responses_sent"] == 3
    assert body["responses_accepted"] == 1
    assert body["accepted_rate"] == pytest.approx(1 / 3, abs=1e-4)


def test_business_model_gets_advanced_analytics(auth_client, make_user):
    profile = model_with_plan(make_user, "BUSINESS")
    astana_model, almaty_employer = viewers()
    profile_view(profile, TODAY - dt.timedelta(days=1), astana_model)
    profile_view(profile, TODAY - dt.timedelta(days=1), almaty_employer)
    views_rollup()
    profile_view(profile, TODAY, almaty_employer)
    profile_view(profile, TODAY)
    decided = ResponseFactory(model_profile=profile, status="accepted")
    decided.applied_at = NOW - dt.timedelta(hours=10)
    decided.status_changed_at = NOW - dt.timedelta(hours=4)
    decided.save()

    body = auth_client(profile.user).get(URL, {"days": 30}).json()["data"]["analytics"]

    assert set(body) == BASIC_MODEL_KEYS | ADVANCED_KEYS | {"time_to_decision_hours"}
    assert body["level"] == "advanced"
    assert body["viewers_by_city"] == [
        {"city": "Almaty", "views": 2},
        {"city": "Astana", "views": 1},
        {"city": "unknown", "views": 1},
    ]
    assert body["viewers_by_role"] == [
        {"role": "employer", "views": 2},
        {"role": "anonymous", "views": 1},
        {"role": "model", "views": 1},
    ]
    assert body["funnel"] == {"views": 4, "responses": 1, "accepted": 1}
    assert body["time_to_decision_hours"] == 6.0


# --- employers --------------------------------------------------------------------------------
def test_pro_employer_gets_castings_and_responses_per_casting(auth_client, make_user):
    owner = employer_with_plan(make_user, "PRO")
    busy = CastingFactory(owner=owner, title="Busy casting")
    quiet = CastingFactory(owner=owner, title="Quiet casting")
    CastingFactory()  # someone else's
    ResponseFactory(casting=busy, status="accepted")
    ResponseFactory(casting=busy)
    ResponseFactory(casting=busy, status="withdrawn")
    casting_view(busy, TODAY - dt.timedelta(days=3))
    views_rollup()
    casting_view(busy, TODAY)
    casting_view(quiet, TODAY)

    body = auth_client(owner).get(URL).json()["data"]["analytics"]

    assert body["role"] == "employer" and body["level"] == "basic"
    assert not ADVANCED_KEYS & set(body)
    assert body["castings_count"] == 2
    assert body["responses_received"] == 2
    assert body["total_views"] == 3
    rows = {row["title"]: row for row in body["castings"]}
    assert rows["Busy casting"] == {
        "id": str(busy.id),
        "title": "Busy casting",
        "status": "active",
        "views": 2,
        "responses": 2,
        "accepted": 1,
    }
    assert rows["Quiet casting"]["views"] == 1 and rows["Quiet casting"]["responses"] == 0


def test_business_employer_gets_the_funnel_and_time_to_first_response(auth_client, make_user):
    owner = employer_with_plan(make_user, "BUSINESS")
    casting = CastingFactory(owner=owner)
    casting.published_at = NOW - dt.timedelta(hours=30)
    casting.save()
    first = ResponseFactory(casting=casting, status="accepted")
    first.applied_at = NOW - dt.timedelta(hours=27)
    first.save()
    ResponseFactory(casting=casting)
    astana_model, _ = viewers()
    casting_view(casting, TODAY, astana_model)
    casting_view(casting, TODAY)

    body = auth_client(owner).get(URL).json()["data"]["analytics"]

    assert body["level"] == "advanced"
    assert body["funnel"] == {"views": 2, "responses": 2, "accepted": 1}
    assert body["time_to_first_response_hours"] == 3.0
    assert body["viewers_by_city"] == [
        {"city": "Astana", "views": 1},
        {"city": "unknown", "views": 1},
    ]


# --- CSV --------------------------------------------------------------------------------------
def test_business_exports_csv(auth_client, make_user):
    profile = model_with_plan(make_user, "BUSINESS")
    profile_view(profile, TODAY)
    ResponseFactory(model_profile=profile, status="accepted")

    response = auth_client(profile.user).get(URL, {"days": 3, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["date"] for row in rows] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert rows[-1] == {"date": "2026-03-10", "views": "1", "responses": "1", "accepted": "1"}


@pytest.mark.parametrize("plan", ["FREE", "PRO"])
def test_csv_is_refused_below_business(auth_client, make_user, plan):
    profile = model_with_plan(make_user, plan)

    response = auth_client(profile.user).get(URL, {"format": "csv"})

    error = assert_error(response, 403, "SUBSCRIPTION_LIMIT")
    assert error["details"]["feature"] == "analytics"
    assert response["Content-Type"].startswith("application/json")


# --- rollup -----------------------------------------------------------------------------------
def test_rollup_is_idempotent_and_never_counts_a_day_twice(auth_client, make_user):
    profile = model_with_plan(make_user, "PRO")
    for days_ago in (1, 1, 2):
        profile_view(profile, TODAY - dt.timedelta(days=days_ago))
    profile_view(profile, TODAY)

    assert views_rollup() == 2
    assert views_rollup() == 0
    body = auth_client(profile.user).get(URL, {"days": 3}).json()["data"]["analytics"]

    assert RollupState.objects.get().rolled_through == TODAY - dt.timedelta(days=1)
    total = DailyViewStat.objects.filter(dimension="total").values_list("day", "views")
    assert sorted(total) == [(TODAY - dt.timedelta(days=2), 1), (TODAY - dt.timedelta(days=1), 2)]
    assert [row["views"] for row in body["views_per_day"]] == [1, 2, 1]


def test_days_not_rolled_up_yet_are_counted_live(auth_client, make_user):
    profile = model_with_plan(make_user, "PRO")
    profile_view(profile, TODAY - dt.timedelta(days=1))  # the beat job has not run yet

    body = auth_client(profile.user).get(URL, {"days": 2}).json()["data"]["analytics"]

    assert [row["views"] for row in body["views_per_day"]] == [1, 0]


def test_rollup_task_runs_the_service():
    from analytics.tasks import rollup_views

    profile = ModelProfileFactory()
    profile_view(profile, TODAY - dt.timedelta(days=1))

    assert rollup_views.delay().get() == 1
    assert DailyViewStat.objects.filter(object_id=profile.id, dimension="total").get().views == 1


# --- query count ------------------------------------------------------------------------------
def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("plan", ["PRO", "BUSINESS"])
def test_query_count_is_constant_for_models(auth_client, make_user, plan):
    profile = model_with_plan(make_user, plan)
    client = auth_client(profile.user)
    profile_view(profile, TODAY - dt.timedelta(days=1))
    views_rollup()  # the steady state: the beat job has run
    profile_view(profile, TODAY)
    ResponseFactory(model_profile=profile)
    few = _queries(client, {"days": 30})

    astana_model, _ = viewers()
    for days_ago in range(1, 60):
        profile_view(profile, TODAY - dt.timedelta(days=days_ago), astana_model)
        profile_view(profile, TODAY - dt.timedelta(days=days_ago))
    views_rollup()
    for _ in range(10):
        profile_view(profile, TODAY)
        ResponseFactory(model_profile=profile, status="accepted")
    many = _queries(client, {"days": 365})

    assert few == many
    assert many <= 9


@pytest.mark.parametrize("plan", ["PRO", "BUSINESS"])
def test_query_count_is_constant_for_employers(auth_client, make_user, plan):
    owner = employer_with_plan(make_user, plan)
    client = auth_client(owner)
    casting = CastingFactory(owner=owner)
    casting_view(casting, TODAY - dt.timedelta(days=1))
    views_rollup()  # the steady state: the beat job has run
    ResponseFactory(casting=casting)
    few = _queries(client, {"days": 30})

    for _ in range(15):
        casting = CastingFactory(owner=owner)
        for days_ago in range(0, 5):
            casting_view(casting, TODAY - dt.timedelta(days=days_ago))
        ResponseFactory(casting=casting, status="accepted")
    views_rollup()
    many = _queries(client, {"days": 365})

    assert few == many
    assert many <= 12


# --- views buffered in Redis (the production path) ---------------------------------------------
@pytest.fixture
def buffered(settings) -> None:
    if not settings.REDIS_URL:
        pytest.skip("the buffer lives in Redis")
    settings.ANALYTICS_VIEWS_BUFFERED = True


def test_the_dashboard_counts_a_profile_view_recorded_a_moment_ago(
    buffered, auth_client, make_user
):
    profile = model_with_plan(make_user, "BUSINESS")
    astana_model, almaty_employer = viewers()
    view_record_profile(profile=profile, viewer=None, address="10.0.0.1")
    view_record_profile(profile=profile, viewer=astana_model, address="10.0.0.2")
    view_record_profile(profile=profile, viewer=almaty_employer, address="10.0.0.3")
    assert not ProfileView.objects.exists()  # still in the buffer

    body = auth_client(profile.user).get(URL, {"days": 2}).json()["data"]["analytics"]

    assert views_of(body) == {(TODAY - dt.timedelta(days=1)).isoformat(): 0, TODAY.isoformat(): 3}
    assert {row["city"]: row["views"] for row in body["viewers_by_city"]} == {
        "Astana": 1,
        "Almaty": 1,
        "unknown": 1,
    }


def test_the_dashboard_counts_a_casting_view_recorded_a_moment_ago(
    buffered, auth_client, make_user
):
    owner = employer_with_plan(make_user, "PRO")
    casting = CastingFactory(owner=owner)
    view_record_casting(casting=casting, viewer=None, address="10.0.0.1")
    view_record_casting(casting=casting, viewer=owner, address="10.0.0.1")  # the owner: ignored

    body = auth_client(owner).get(URL, {"days": 1}).json()["data"]["analytics"]

    assert body["total_views"] == 1
    assert [row["views"] for row in body["castings"]] == [1]


def test_the_rollup_stores_buffered_views_of_yesterday_first(buffered, make_user):
    profile = ModelProfileFactory()
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        view_record_profile(profile=profile, viewer=None, address="10.0.0.1")

    assert views_rollup() >= 1

    stat = DailyViewStat.objects.get(object_id=profile.id, dimension="total")
    assert (stat.day, stat.views) == (TODAY - dt.timedelta(days=1), 1)


@pytest.mark.parametrize("plan", ["PRO", "BUSINESS"])
def test_an_empty_buffer_costs_the_dashboard_no_query(buffered, auth_client, make_user, plan):
    profile = model_with_plan(make_user, plan)
    client = auth_client(profile.user)
    view_record_profile(profile=profile, viewer=None, address="10.0.0.1")
    with_a_buffered_view = _queries(client, {"days": 30})

    without = _queries(client, {"days": 30})

    assert without < with_a_buffered_view <= without + 4
    assert without <= 9
