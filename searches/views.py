"""Saved searches with alerts (docs/SEARCHES.md): validate, one selector, one service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from rest_framework import serializers
from rest_framework.views import APIView

from castings.serializers import CastingOutputSerializer, casting_card
from mwork.api.formats import format_datetime
from mwork.api.outputs import Output
from mwork.api.pagination import paginate
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import PaginationSerializer, api_schema, envelope
from mwork.api.serializers import validated_query
from profiles.serializers import ModelProfileListItemSerializer, model_card_list_data
from searches import selectors, services
from searches.models import SearchKind
from searches.serializers import (
    SavedSearchCreateInputSerializer,
    SavedSearchMatchesQuerySerializer,
    SavedSearchOutputSerializer,
    SavedSearchUpdateInputSerializer,
)

SAVED_SEARCHES = Output(SavedSearchOutputSerializer, item="saved_search", items="saved_searches")


def _search(user: Any, search_id: Any) -> dict[str, Any]:
    # Read again through the selector: the answer carries `new_matches`.
    search = selectors.saved_search_get_for_owner(user=user, search_id=search_id)
    return SAVED_SEARCHES.one(search)


class SavedSearchListCreateView(APIView):
    @api_schema(
        operation_id="saved_searches_list",
        summary="The caller's saved searches, newest first",
        responses={200: SAVED_SEARCHES.page_envelope("SavedSearchesList")},
        errors=(400, 401, 429),
    )
    def get(self, request):
        return ok(SAVED_SEARCHES.page(request, selectors.saved_search_list(user=request.user)))

    @api_schema(
        operation_id="saved_searches_create",
        summary="Save a search with alerts (models: castings; employers and agencies: models); "
        "FREE 1, PRO 10, BUSINESS 50",
        description=(
            "`filters` are the list's query parameters, validated by that list: a bad one is "
            "400 with `details` under `filters.<parameter>` (the list's own message and code). "
            "New matches arrive as `saved_search_match` notifications (instant) or in a daily "
            "or weekly e-mail digest. 403 PERMISSION_DENIED for a kind the role may not keep; "
            '403 SUBSCRIPTION_LIMIT `{"feature": "saved_searches", "limit", "used", "plan"}` '
            "when the plan's searches are all in use."
        ),
        request=SavedSearchCreateInputSerializer,
        responses={201: SAVED_SEARCHES.one_envelope("SavedSearchesCreate")},
        errors=(400, 401, 403, 429),
    )
    def post(self, request):
        serializer = SavedSearchCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        search = services.saved_search_create(user=request.user, **serializer.validated_data)
        return created(_search(request.user, search.pk))


class SavedSearchDetailView(APIView):
    @api_schema(
        operation_id="saved_searches_update",
        summary="Rename a saved search, replace its filters or change its frequency",
        request=SavedSearchUpdateInputSerializer,
        responses={200: SAVED_SEARCHES.one_envelope("SavedSearchesUpdate")},
        errors=(400, 401, 404, 429),
    )
    def patch(self, request, search_id: UUID):
        search = selectors.saved_search_get_for_owner(user=request.user, search_id=search_id)
        serializer = SavedSearchUpdateInputSerializer(
            data=request.data, context={"kind": search.kind}
        )
        serializer.is_valid(raise_exception=True)
        services.saved_search_update(search=search, **serializer.validated_data)
        return ok(_search(request.user, search.pk))

    @api_schema(
        operation_id="saved_searches_delete",
        summary="Delete a saved search and its matches",
        responses={204: None},
        errors=(401, 404, 429),
    )
    def delete(self, request, search_id: UUID):
        search = selectors.saved_search_get_for_owner(user=request.user, search_id=search_id)
        services.saved_search_delete(search=search)
        return no_content()


MATCHES_RESPONSE = envelope(
    "SavedSearchesMatches",
    {
        "castings": serializers.ListField(
            child=CastingOutputSerializer(),
            required=False,
            help_text="Kind castings: the public list's cards, plus `matched_at`.",
        ),
        "models": serializers.ListField(
            child=ModelProfileListItemSerializer(),
            required=False,
            help_text="Kind models: the catalogue's cards, plus `matched_at`.",
        ),
        "pagination": PaginationSerializer(),
        "since": serializers.DateTimeField(
            allow_null=True,
            help_text="The matches are newer than this (null: all); pass it as `since` for "
            "the following pages.",
        ),
    },
)
# api_schema documents limit/offset for it
MATCHES_RESPONSE._mwork_paginated = True  # type: ignore[attr-defined]  # api_schema's marker


def _with_matched_at(cards: list[dict[str, Any]], rows: list[Any]) -> list[dict[str, Any]]:
    for card, row in zip(cards, rows, strict=True):
        card["matched_at"] = format_datetime(row["matched_at"])
    return cards


def _casting_cards(rows: Any) -> list[dict[str, Any]]:
    rows = list(rows)
    return _with_matched_at([casting_card(row) for row in rows], rows)


def _model_cards(rows: Any) -> list[dict[str, Any]]:
    rows = list(rows)
    return _with_matched_at(model_card_list_data(rows), rows)


class SavedSearchMatchesView(APIView):
    @api_schema(
        operation_id="saved_searches_matches_list",
        summary="What a saved search matched since it was last seen (then it counts as seen)",
        description=(
            "Newest match first: castings (kind castings) or model profiles (kind models) that "
            "appeared after `since` (default: the search's `last_seen_at`) and the list still "
            "shows. The call marks the search seen, so its `new_matches` restarts at 0; page "
            "on with the answer's `since`."
        ),
        parameters=[SavedSearchMatchesQuerySerializer],
        responses={200: MATCHES_RESPONSE},
        errors=(400, 401, 404, 429),
    )
    def get(self, request, search_id: UUID):
        search = selectors.saved_search_get_for_owner(user=request.user, search_id=search_id)
        query = validated_query(request, SavedSearchMatchesQuerySerializer)
        since = query.get("since", search.last_seen_at)
        rows = selectors.saved_search_matches(search=search, since=since)
        if search.kind == SearchKind.CASTINGS:
            body = paginate(request, rows, key="castings", serialize=_casting_cards)
        else:
            body = paginate(request, rows, key="models", serialize=_model_cards)
        body["since"] = format_datetime(since)
        services.saved_search_mark_seen(search=search)
        return ok(body)
