"""OWASP API1:2023 Broken Object Level Authorization — every /api/v1 route that takes an id.

The routes are discovered by walking the URL resolver: every pattern under /api/v1 with a path
converter, and every HTTP method its view implements, must have a case in `CASES` — a route
added without one fails `test_every_route_with_an_id_has_a_bola_case`.

Each case: a user of party A acts on party B's object (profile, photo, casting draft, response,
room, message, notification, device, payment, invitation, roster link, organization member,
team invitation, saved search) and gets 403/404 (or, for actions scoped to the caller, the
caller's own no-op), and a snapshot of B's object taken before the request is unchanged after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.forms.models import model_to_dict

from mwork.api.routes import url_routes
from mwork.tests.security.world import World

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")
DENIED = frozenset({403, 404})


def id_routes() -> set[tuple[str, str]]:
    """(route, METHOD) for every /api/v1 URL pattern with a path converter."""
    found: set[tuple[str, str]] = set()
    for route, entry in url_routes():
        if route.startswith(API_PREFIX) and "<" in route:
            view = getattr(entry.callback, "view_class", None)
            for method in METHODS:
                if view is not None and hasattr(view, method):
                    found.add((route.removeprefix(API_PREFIX), method.upper()))
    return found


def snap(instance: Any) -> dict[str, Any]:
    """Every column of a row as it is in the database now (None when it is gone)."""
    fresh = type(instance).objects.filter(pk=instance.pk).first()
    return None if fresh is None else model_to_dict(fresh)


@dataclass(frozen=True)
class Case:
    actor: str  # a key of World.users() (party A) — the attacker
    params: Callable[[World], dict[str, Any]]  # path parameters pointing at B's objects
    body: Callable[[World], Any] | None = None
    snapshot: Callable[[World], Any] = lambda w: None
    setup: Callable[[World], None] | None = None
    allowed: frozenset[int] = DENIED
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _b_profile_hidden(w: World) -> None:
    type(w.b.model_profile).objects.filter(pk=w.b.model_profile.pk).update(is_hidden=True)


def _b_model_saved_b_casting(w: World) -> None:
    from castings.services import casting_save

    casting_save(user=w.b.model, casting=w.b.casting)


def _b_model_blocks_a_model(w: World) -> None:
    from accounts.models import Block

    Block.objects.create(blocker=w.b.model, blocked=w.a.model)


def _saved_by_b(w: World):
    from castings.models import SavedCasting

    return sorted(SavedCasting.objects.filter(user=w.b.model).values_list("casting_id", flat=True))


def _saves_of_b_draft(w: World):
    from castings.models import SavedCasting

    return SavedCasting.objects.filter(casting=w.b.draft).count()


def _blocks_by_b(w: World):
    from accounts.models import Block

    return sorted(Block.objects.filter(blocker=w.b.model).values_list("blocked_id", flat=True))


def _in_days(days: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=days)).isoformat()


def _notes_of_b(w: World):
    from castings.models import ResponseNote

    return sorted(
        ResponseNote.objects.filter(response__casting__owner=w.b.employer).values_list(
            "response_id", "text"
        )
    )


def _members_of_b(w: World):
    from agencies.models import OrganizationMember

    return sorted(
        OrganizationMember.objects.filter(organization__owner=w.b.employer).values_list(
            "user_id", flat=True
        )
    )


def _casting_body(w: World) -> dict[str, Any]:
    return {
        "title": "Hijacked casting",
        "description": "Changed by someone else.",
        "category": "fashion",
        "city": "Astana",
        "shoot_date": "2030-01-01T10:00:00Z",
    }


def _b_accepts_marketing(w: World) -> None:
    from accounts.models import Consent

    Consent.objects.create(user=w.b.model, document="marketing", version="1.0")


def _consents_of_b(w: World):
    from accounts.models import Consent

    return sorted(Consent.objects.filter(user=w.b.model).values_list("document", "withdrawn_at"))


def _b_export(w: World):
    from privacy.models import DataExport

    export = DataExport.objects.filter(user=w.b.model).first()
    return export or DataExport.objects.create(user=w.b.model, file="b/archive.zip")


def _b_expired_download_token(w: World) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from privacy.exports import download_token

    expired = timezone.now() - timedelta(seconds=1)
    return download_token(export_id=_b_export(w).pk, expires_at=expired)


PROFILE = "profiles/models/<str:profile_id>"
EMPLOYER = "profiles/employers/<str:profile_id>"
CASTING = "castings/<uuid:casting_id>"

CASES: dict[tuple[str, str], Case] = {
    ("payments/<str:order_id>", "GET"): Case(
        actor="model",
        params=lambda w: {"order_id": w.b.payment.pk},
        why="another user's payment is not found",
    ),
    ("notifications/devices/<uuid:device_id>", "DELETE"): Case(
        actor="model",
        params=lambda w: {"device_id": w.b.device.id},
        snapshot=lambda w: snap(w.b.device),
    ),
    ("notifications/<uuid:notification_id>/read", "POST"): Case(
        actor="model",
        params=lambda w: {"notification_id": w.b.notification.id},
        snapshot=lambda w: snap(w.b.notification),
    ),
    (PROFILE, "GET"): Case(
        actor="employer",
        params=lambda w: {"profile_id": w.b.model_profile.id},
        setup=_b_profile_hidden,
        allowed=frozenset({404}),
        why="public, except a hidden profile: then 404 to everyone but its owner",
    ),
    (PROFILE, "PUT"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.model_profile.id},
        body=lambda w: {"name": "Hijacked", "bio": "Changed by someone else."},
        snapshot=lambda w: snap(w.b.model_profile),
    ),
    (PROFILE, "PATCH"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.model_profile.id},
        body=lambda w: {"bio": "Changed by someone else."},
        snapshot=lambda w: snap(w.b.model_profile),
    ),
    (f"{PROFILE}/work-experience", "POST"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.model_profile.id},
        body=lambda w: {"company": "Fake", "position": "Fake", "start_date": "2021-01-01"},
        snapshot=lambda w: sorted(
            type(w.b.work_experience)
            .objects.filter(profile=w.b.model_profile)
            .values_list("id", flat=True)
        ),
    ),
    (f"{PROFILE}/work-experience/<str:item_id>", "DELETE"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.model_profile.id, "item_id": w.b.work_experience.id},
        snapshot=lambda w: snap(w.b.work_experience),
    ),
    (f"{PROFILE}/reviews", "GET"): Case(
        actor="employer",
        params=lambda w: {"profile_id": w.b.model_profile.id},
        setup=_b_profile_hidden,
        allowed=frozenset({404}),
        why="public, except for a hidden profile",
    ),
    (f"{PROFILE}/reviews", "POST"): Case(
        actor="employer",
        params=lambda w: {"profile_id": w.b.model_profile.id},
        body=lambda w: {"casting_id": str(w.b.casting.id), "rating": 1, "comment": "Fake."},
        snapshot=lambda w: sorted(
            type(w.b.review).objects.filter(profile=w.b.model_profile).values_list("id", flat=True)
        ),
        why="only the owner of a casting that accepted the model reviews it",
    ),
    (EMPLOYER, "GET"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.employer_profile.id},
        allowed=frozenset({200}),
        why="employer profiles are public (test_api3 checks what they expose)",
    ),
    (f"{EMPLOYER}/reviews", "GET"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.employer_profile.id},
        allowed=frozenset({200}),
        why="reviews of employers are public, like the profile",
    ),
    (f"{EMPLOYER}/reviews", "POST"): Case(
        actor="model",
        params=lambda w: {"profile_id": w.b.employer_profile.id},
        body=lambda w: {"casting_id": str(w.b.casting.id), "rating": 1, "comment": "Fake."},
        snapshot=lambda w: (
            sorted(w.b.employer_profile.reviews.values_list("id", flat=True)),
            snap(w.b.employer_profile),
        ),
        why="only a model whose response to the employer's casting was accepted reviews it",
    ),
    (EMPLOYER, "PUT"): Case(
        actor="employer",
        params=lambda w: {"profile_id": w.b.employer_profile.id},
        body=lambda w: {"company_name": "Hijacked Ltd", "city": "Astana"},
        snapshot=lambda w: snap(w.b.employer_profile),
    ),
    (EMPLOYER, "PATCH"): Case(
        actor="employer",
        params=lambda w: {"profile_id": w.b.employer_profile.id},
        body=lambda w: {"company_name": "Hijacked Ltd"},
        snapshot=lambda w: snap(w.b.employer_profile),
    ),
    ("photos/<uuid:photo_id>", "PUT"): Case(
        actor="model",
        params=lambda w: {"photo_id": w.b.photo.id},
        body=lambda w: {"order": 7},
        snapshot=lambda w: snap(w.b.photo),
    ),
    ("photos/<uuid:photo_id>", "DELETE"): Case(
        actor="model",
        params=lambda w: {"photo_id": w.b.photo.id},
        snapshot=lambda w: snap(w.b.photo),
    ),
    (CASTING, "GET"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.draft.id},
        allowed=frozenset({404}),
        why="active castings are public; another owner's draft is not found",
    ),
    (CASTING, "PUT"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.casting.id},
        body=_casting_body,
        snapshot=lambda w: snap(w.b.casting),
    ),
    (CASTING, "DELETE"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.casting.id},
        snapshot=lambda w: snap(w.b.casting),
    ),
    (f"{CASTING}/status", "PATCH"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.casting.id},
        body=lambda w: {"status": "cancelled"},
        snapshot=lambda w: snap(w.b.casting),
    ),
    (f"{CASTING}/save", "POST"): Case(
        actor="model",
        params=lambda w: {"casting_id": w.b.draft.id},
        snapshot=_saves_of_b_draft,
        allowed=frozenset({404}),
        why="saving is the caller's own bookmark; a draft of another owner is not found",
    ),
    (f"{CASTING}/save", "DELETE"): Case(
        actor="model",
        params=lambda w: {"casting_id": w.b.casting.id},
        setup=_b_model_saved_b_casting,
        snapshot=_saved_by_b,
        allowed=frozenset({204, 404}),
        why="removes only the caller's own bookmark: B's stays",
    ),
    (f"{CASTING}/responses", "GET"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.casting.id},
        why="only the casting's owner (and its organization) sees the applicants",
    ),
    (f"{CASTING}/responses", "POST"): Case(
        actor="model",
        params=lambda w: {"casting_id": w.b.draft.id},
        body=lambda w: {"message": "Let me in."},
        snapshot=lambda w: sorted(w.b.draft.responses.values_list("id", flat=True)),
        allowed=frozenset({404}),
        why="another owner's draft is not found (not even a 422 that would reveal it)",
    ),
    ("responses/<uuid:response_id>", "DELETE"): Case(
        actor="model",
        params=lambda w: {"response_id": w.b.response.id},
        snapshot=lambda w: snap(w.b.response),
    ),
    ("responses/<uuid:response_id>/status", "PATCH"): Case(
        actor="employer",
        params=lambda w: {"response_id": w.b.response.id},
        body=lambda w: {"status": "rejected"},
        snapshot=lambda w: snap(w.b.response),
    ),
    (f"{CASTING}/responses/bulk-status", "POST"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.casting.id},
        body=lambda w: {"response_ids": [str(w.b.response.id)], "status": "rejected"},
        snapshot=lambda w: snap(w.b.response),
        why="only the casting's team moves its responses",
    ),
    (f"{CASTING}/invites", "POST"): Case(
        actor="employer",
        params=lambda w: {"casting_id": w.b.casting.id},
        body=lambda w: {"model_id": str(w.a.model_profile.id), "message": "Apply!"},
        snapshot=lambda w: sorted(w.b.casting.invites.values_list("id", flat=True)),
        why="only the casting's team invites models to apply to it",
    ),
    ("responses/<uuid:response_id>/auditions", "POST"): Case(
        actor="employer",
        params=lambda w: {"response_id": w.b.response.id},
        body=lambda w: {"kind": "audition", "starts_at": _in_days(5), "place": "X"},
        snapshot=lambda w: sorted(w.b.response.auditions.values_list("id", flat=True)),
        why="only the casting's team invites its applicants",
    ),
    ("auditions/<uuid:audition_id>", "PATCH"): Case(
        actor="employer",
        params=lambda w: {"audition_id": w.b.audition.id},
        body=lambda w: {"place": "Somewhere else"},
        snapshot=lambda w: snap(w.b.audition),
    ),
    ("auditions/<uuid:audition_id>/cancel", "POST"): Case(
        actor="employer",
        params=lambda w: {"audition_id": w.b.audition.id},
        snapshot=lambda w: snap(w.b.audition),
    ),
    ("auditions/<uuid:audition_id>/confirm", "POST"): Case(
        actor="model",
        params=lambda w: {"audition_id": w.b.audition.id},
        snapshot=lambda w: snap(w.b.audition),
        why="only the invited model answers",
    ),
    ("auditions/<uuid:audition_id>/decline", "POST"): Case(
        actor="model",
        params=lambda w: {"audition_id": w.b.audition.id},
        body=lambda w: {"reason": "Not me"},
        snapshot=lambda w: snap(w.b.audition),
    ),
    ("responses/<uuid:response_id>/note", "PUT"): Case(
        actor="employer",
        params=lambda w: {"response_id": w.b.response.id},
        body=lambda w: {"note": "Written by someone else."},
        snapshot=_notes_of_b,
        why="only the casting's team writes its private note",
    ),
    ("agency/invitations/<uuid:invitation_id>", "DELETE"): Case(
        actor="agency",
        params=lambda w: {"invitation_id": w.b.invitation.id},
        snapshot=lambda w: snap(w.b.invitation),
    ),
    ("agency/invitations/<uuid:invitation_id>/accept", "POST"): Case(
        actor="invitee",
        params=lambda w: {"invitation_id": w.b.invitation.id},
        snapshot=lambda w: snap(w.b.invitation),
    ),
    ("agency/invitations/<uuid:invitation_id>/decline", "POST"): Case(
        actor="invitee",
        params=lambda w: {"invitation_id": w.b.invitation.id},
        snapshot=lambda w: snap(w.b.invitation),
    ),
    ("agency/models/<uuid:model_id>", "DELETE"): Case(
        actor="agency",
        params=lambda w: {"model_id": w.b.roster_link.model_profile_id},
        snapshot=lambda w: snap(w.b.roster_link),
    ),
    ("organizations/members/<uuid:user_id>", "DELETE"): Case(
        actor="employer",
        params=lambda w: {"user_id": w.b.manager.id},
        snapshot=lambda w: snap(w.b.organization_member),
    ),
    ("organizations/invitations/<uuid:invitation_id>", "DELETE"): Case(
        actor="employer",
        params=lambda w: {"invitation_id": w.b.team_invitation.id},
        snapshot=lambda w: snap(w.b.team_invitation),
        why="only the owner of the organization that sent it withdraws a team invitation",
    ),
    ("organizations/invitations/<uuid:invitation_id>/accept", "POST"): Case(
        actor="colleague",
        params=lambda w: {"invitation_id": w.b.team_invitation.id},
        snapshot=lambda w: (snap(w.b.team_invitation), _members_of_b(w)),
        why="only the holder of the invited address joins; A's colleague stays outside B's team",
    ),
    ("organizations/invitations/<uuid:invitation_id>/decline", "POST"): Case(
        actor="colleague",
        params=lambda w: {"invitation_id": w.b.team_invitation.id},
        snapshot=lambda w: snap(w.b.team_invitation),
    ),
    ("chat/rooms/<str:room_id>/messages", "GET"): Case(
        actor="model",
        params=lambda w: {"room_id": w.b.room.id},
    ),
    ("chat/rooms/<str:room_id>/messages", "POST"): Case(
        actor="model",
        params=lambda w: {"room_id": w.b.room.id},
        body=lambda w: {"content": "Injected into someone else's room."},
        snapshot=lambda w: sorted(w.b.room.messages.values_list("id", flat=True)),
    ),
    ("chat/rooms/<str:room_id>/read", "POST"): Case(
        actor="model",
        params=lambda w: {"room_id": w.b.room.id},
        snapshot=lambda w: sorted(w.b.room.memberships.values_list("user_id", "last_read_at")),
    ),
    ("auth/consents/<str:document>", "DELETE"): Case(
        actor="model",
        params=lambda w: {"document": "marketing"},
        setup=_b_accepts_marketing,
        snapshot=_consents_of_b,
        allowed=frozenset({200}),
        why="withdraws only the caller's own consent: B's stays in force",
    ),
    ("auth/me/exports/<uuid:export_id>", "GET"): Case(
        actor="model",
        params=lambda w: {"export_id": _b_export(w).pk},
        snapshot=lambda w: snap(_b_export(w)),
        allowed=frozenset({404}),
    ),
    ("auth/me/exports/download/<str:token>", "GET"): Case(
        actor="model",
        params=lambda w: {"token": _b_expired_download_token(w)},
        allowed=frozenset({404}),
        why="the signed link is the credential; once expired (or forged) it is a 404",
    ),
    ("saved-searches/<uuid:search_id>", "PATCH"): Case(
        actor="model",
        params=lambda w: {"search_id": w.b.saved_search.id},
        body=lambda w: {"name": "Renamed by A", "filters": {"city": "Astana"}},
        snapshot=lambda w: snap(w.b.saved_search),
        allowed=frozenset({404}),
        why="a saved search is private: anyone else's is not found",
    ),
    ("saved-searches/<uuid:search_id>", "DELETE"): Case(
        actor="model",
        params=lambda w: {"search_id": w.b.saved_search.id},
        snapshot=lambda w: snap(w.b.saved_search),
        allowed=frozenset({404}),
    ),
    ("saved-searches/<uuid:search_id>/matches", "GET"): Case(
        actor="model",
        params=lambda w: {"search_id": w.b.saved_search.id},
        snapshot=lambda w: snap(w.b.saved_search),
        allowed=frozenset({404}),
        why="reading marks the search seen: B's last_seen_at stays as it was",
    ),
    ("users/<uuid:user_id>/block", "POST"): Case(
        actor="model",
        params=lambda w: {"user_id": w.b.model.id},
        snapshot=_blocks_by_b,
        allowed=frozenset({200, 201, 204}),
        why="a block is the caller's own record: A may block B, and B's blocks stay as they are",
    ),
    ("users/<uuid:user_id>/block", "DELETE"): Case(
        actor="model",
        params=lambda w: {"user_id": w.b.model.id},
        setup=_b_model_blocks_a_model,
        snapshot=_blocks_by_b,
        allowed=frozenset({204, 404}),
        why="removes only the caller's own block: B's block of A stays",
    ),
}


def _path(route: str, params: dict[str, Any]) -> str:
    def value(match: re.Match) -> str:
        return str(params[match.group(1)])

    return "/" + API_PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def test_every_route_with_an_id_has_a_bola_case():
    routes = id_routes()

    missing = sorted(routes - set(CASES))
    stale = sorted(set(CASES) - routes)

    assert len(routes) >= 30
    assert not missing, f"routes taking an id without a BOLA case in CASES: {missing}"
    assert not stale, f"CASES for routes that no longer exist: {stale}"


@pytest.mark.parametrize(("route", "method"), sorted(CASES), ids=lambda v: str(v))
def test_user_a_cannot_reach_user_b_objects(route, method, world, client_for):
    case = CASES[(route, method)]
    if case.setup:
        case.setup(world)
    before = case.snapshot(world)
    client = client_for(world.users()[case.actor])
    body = case.body(world) if case.body else None

    response = getattr(client, method.lower())(
        _path(route, case.params(world)), data=body, format="json"
    )

    assert response.status_code in case.allowed, (method, route, response.content[:300])
    if response.status_code >= 400:
        assert response.json()["status"] == "error"
    assert case.snapshot(world) == before, f"{method} {route} changed B's object"


def test_caller_scoped_actions_touch_only_the_callers_own_objects(world, client_for):
    """Routes without an id act on "my" objects: A cancelling, reading all, or logging out
    leaves B's subscription, notifications and session as they were."""
    b_subscription = snap(world.b.subscription)
    b_notification = snap(world.b.notification)
    a_model = client_for(world.a.model)

    cancel = a_model.post("/api/v1/subscriptions/cancel", format="json")
    read_all = a_model.post("/api/v1/notifications/read-all", format="json")
    payments = a_model.get("/api/v1/payments")

    assert cancel.status_code == 200
    assert read_all.status_code == 200
    assert snap(world.b.subscription) == b_subscription
    assert snap(world.b.notification) == b_notification
    listed = {str(p["order_id"]) for p in payments.json()["data"]["payments"]}
    assert str(world.a.payment.pk) in listed
    assert str(world.b.payment.pk) not in listed
    b_me = client_for(world.b.model).get("/api/v1/auth/me")
    assert b_me.status_code == 200
