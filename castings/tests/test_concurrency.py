"""Races on real PostgreSQL: the plan limit and the one-response rule hold under threads."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from billing.models import ResponseUsage
from castings.models import Response
from castings.tests.factories import CastingFactory, ModelProfileFactory
from conftest import access_token_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real row locks (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True),
]


def _apply_concurrently(user, castings) -> list[tuple[int, dict]]:
    token = access_token_for(user)
    barrier = threading.Barrier(len(castings))
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def worker(casting):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=10)
            answer = client.post(f"/api/v1/castings/{casting.id}/responses", {}, format="json")
            with lock:
                results.append((answer.status_code, answer.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(casting,)) for casting in castings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_applications_of_a_free_model_give_exactly_three():
    profile = ModelProfileFactory()
    castings = CastingFactory.create_batch(20)

    results = _apply_concurrently(profile.user, castings)

    codes = sorted(code for code, _ in results)
    assert codes == [201] * 3 + [403] * 17
    refusals = [body["error"] for code, body in results if code == 403]
    assert {error["code"] for error in refusals} == {"SUBSCRIPTION_LIMIT"}
    assert Response.objects.filter(model_profile=profile).count() == 3
    assert ResponseUsage.objects.get(user=profile.user).used == 3


def test_same_model_applying_twice_at_once_makes_one_row():
    profile = ModelProfileFactory()
    casting = CastingFactory()

    results = _apply_concurrently(profile.user, [casting, casting])

    assert sorted(code for code, _ in results) == [201, 409]
    assert Response.objects.filter(casting=casting, model_profile=profile).count() == 1
    assert ResponseUsage.objects.get(user=profile.user).used == 1
