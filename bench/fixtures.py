"""What the load generator sends: request lists per scenario, picked from the seeded data.

Runs inside Django (the harness process), reads the bench database and mints access tokens
(long-lived, so a full run never sees one expire). Nothing here writes to the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tokens import VERSION_CLAIM
from bench.load import Request
from bench.seed import BENCH_EMAIL_DOMAIN, CITIES, SURNAMES

TOKEN_LIFETIME = timedelta(hours=6)
CATEGORIES = ("fashion", "commercial", "editorial", "runway")


def access_token(user: User) -> str:
    """An access token exactly like login's, valid for TOKEN_LIFETIME."""
    token = AccessToken.for_user(user)
    token[VERSION_CLAIM] = user.token_version
    token["role"] = user.role
    token.set_exp(lifetime=TOKEN_LIFETIME)
    return str(token)


@dataclass
class Fixtures:
    """Request lists by scenario name, plus the WebSocket pairs."""

    requests: dict[str, list[Request]] = field(default_factory=dict)
    ws_rooms: list[dict[str, str]] = field(default_factory=list)


def _bench_users():
    return User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}", is_active=True)


def _tokens(user_ids: list[Any]) -> dict[Any, str]:
    users = User.objects.in_bulk(user_ids)
    return {pk: access_token(user) for pk, user in users.items()}


def build(*, rng: random.Random, apply_pairs: int = 40_000, ws_rooms: int = 1000) -> Fixtures:
    from castings.models import Casting, Response
    from chat.models import Membership, Room
    from profiles.models import ModelProfile

    fx = Fixtures()
    cities = [name for name, _ in CITIES[:6]]

    fx.requests["floor"] = [Request("GET", "/api/v1/ping")]

    fx.requests["castings_list"] = [
        Request("GET", f"/api/v1/castings?city={city}&category={category}")
        for city in cities
        for category in CATEGORIES
    ]

    catalogue = []
    for city in cities:
        for category in CATEGORIES:
            for gender, ages in (("female", (18, 25)), ("female", (22, 30)), ("male", (20, 35))):
                catalogue.append(
                    Request(
                        "GET",
                        f"/api/v1/profiles/models?city={city}&category={category}"
                        f"&gender={gender}&min_age={ages[0]}&max_age={ages[1]}",
                    )
                )
    rng.shuffle(catalogue)
    fx.requests["catalogue"] = catalogue

    fragments = [*sorted({name[:5].lower() for name in SURNAMES}), "Nurzhanva", "Aigerim Oma"]
    fx.requests["search"] = [
        Request("GET", f"/api/v1/profiles/models?search={fragment.replace(' ', '%20')}")
        for fragment in fragments
    ]

    profile_ids = list(
        ModelProfile.objects.filter(
            is_hidden=False, user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}"
        ).values_list("id", flat=True)[:20_000]
    )
    fx.requests["model_detail"] = [
        Request("GET", f"/api/v1/profiles/models/{pk}")
        for pk in rng.sample(profile_ids, min(2000, len(profile_ids)))
    ]

    active = list(
        Casting.objects.filter(
            status="active", is_hidden=False, owner__email__endswith=f"@{BENCH_EMAIL_DOMAIN}"
        ).values_list("id", flat=True)
    )
    fx.requests["casting_detail"] = [
        Request("GET", f"/api/v1/castings/{pk}")
        for pk in rng.sample(active, min(2000, len(active)))
    ]

    # Apply: models on the unlimited plan, castings they have not applied to; every pair once.
    from billing.models import Subscription

    appliers = list(
        Subscription.objects.filter(
            plan__name="BUSINESS",
            status="active",
            user__role="model",
            user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}",
            user__model_profile__isnull=False,
        ).values_list("user_id", "user__model_profile__id")[:400]
    )
    tokens = _tokens([user_id for user_id, _ in appliers])
    per_model = max(apply_pairs // max(len(appliers), 1), 1)
    applied = set(
        Response.objects.filter(
            model_profile_id__in=[profile_id for _, profile_id in appliers]
        ).values_list("model_profile_id", "casting_id")
    )
    pairs = [
        Request(
            "POST",
            f"/api/v1/castings/{casting_id}/responses",
            tokens[user_id],
            {"message": "Bench application: available on the shoot date."},
        )
        for user_id, profile_id in appliers
        for casting_id in rng.sample(active, min(per_model, len(active)))
        if (profile_id, casting_id) not in applied
    ]
    rng.shuffle(pairs)
    fx.requests["apply"] = pairs

    # Chat: the users with the most rooms (their list is a full page); long histories.
    busiest = list(
        Membership.objects.filter(user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
        .values("user_id")
        .annotate(rooms=Count("id"))
        .order_by("-rooms", "user_id")
        .values_list("user_id", flat=True)[:200]
    )
    tokens = _tokens(busiest)
    fx.requests["chat_rooms"] = [
        Request("GET", "/api/v1/chat/rooms", tokens[user_id]) for user_id in busiest
    ]

    long_rooms = list(
        Room.objects.annotate(n=Count("messages"))
        .filter(n__gte=60)
        .order_by("-n", "id")
        .values_list("id", flat=True)[:500]
    ) or list(Room.objects.values_list("id", flat=True)[:500])
    members = dict(
        Membership.objects.filter(room_id__in=long_rooms)
        .order_by("room_id", "user_id")
        .values_list("room_id", "user_id")
    )
    tokens = _tokens(list(set(members.values())))
    fx.requests["chat_history"] = [
        Request("GET", f"/api/v1/chat/rooms/{room_id}/messages?limit=50", tokens[user_id])
        for room_id, user_id in members.items()
    ]

    fx.ws_rooms = ws_room_pairs(rng=rng, wanted=ws_rooms)
    return fx


def ws_room_pairs(*, rng: random.Random, wanted: int) -> list[dict[str, str]]:
    """Rooms whose members are all distinct across the list (one socket per user)."""
    from chat.models import Membership

    rows = list(
        Membership.objects.filter(user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
        .order_by("room_id", "user_id")
        .values_list("room_id", "user_id")
    )
    by_room: dict[Any, list[Any]] = {}
    for room_id, user_id in rows:
        by_room.setdefault(room_id, []).append(user_id)
    room_ids = sorted(by_room)
    rng.shuffle(room_ids)
    used: set[Any] = set()
    chosen = []
    for room_id in room_ids:
        users = by_room[room_id]
        if len(users) == 2 and not used.intersection(users):
            used.update(users)
            chosen.append((room_id, users))
            if len(chosen) >= wanted:
                break
    tokens = _tokens(list(used))
    return [
        {"room_id": str(room_id), "a": tokens[users[0]], "b": tokens[users[1]]}
        for room_id, users in chosen
    ]
