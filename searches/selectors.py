"""Reads of saved searches: the owner's list, one search, its matches (docs/SEARCHES.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from castings.models import Casting
from castings.selectors import CardRow, CastingFilters, casting_list_public
from mwork.api.exceptions import NotFound
from profiles.models import ModelProfile
from profiles.selectors import ModelCardRow, ModelFilters, model_profile_card_list
from searches.models import SavedSearch, SavedSearchMatch, SearchKind

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _new_matches() -> Coalesce:
    """Matches newer than the search's `last_seen_at` (all when never seen), as a subquery."""
    newer = SavedSearchMatch.objects.filter(
        search_id=OuterRef("pk"),
        created_at__gt=Coalesce(OuterRef("last_seen_at"), Value(_NEVER)),
    )
    counted = newer.order_by().values("search_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def saved_search_list(*, user: Any) -> QuerySet[SavedSearch]:
    """The caller's saved searches, newest first, each with `new_matches` annotated."""
    return (
        SavedSearch.objects.filter(user_id=user.pk)
        .annotate(new_matches=_new_matches())
        .order_by("-created_at", "-id")
    )


def saved_search_get_for_owner(*, user: Any, search_id: uuid.UUID | str) -> SavedSearch:
    """The caller's saved search with `new_matches`; anyone else's is a 404 (never a 403: a
    search is private and its existence is not told)."""
    try:
        return saved_search_list(user=user).select_related("user").get(pk=search_id)
    except (SavedSearch.DoesNotExist, ValidationError, ValueError):
        raise NotFound() from None


def _matched_since(search: SavedSearch, since: datetime | None) -> QuerySet[SavedSearchMatch]:
    matches = SavedSearchMatch.objects.filter(search_id=search.pk)
    if since is not None:
        matches = matches.filter(created_at__gt=since)
    return matches


def saved_search_matches(
    *, search: SavedSearch, since: datetime | None
) -> QuerySet[Casting, CardRow] | QuerySet[ModelProfile, ModelCardRow]:
    """What the search matched after `since` (all when None) and the list still shows, as the
    list's own card rows plus `matched_at`, the latest match first.

    Castings are the public list's cards (a casting closed or hidden since is left out);
    models are the catalogue's cards as the owner sees them (blocks either way left out).
    """
    matches = _matched_since(search, since)
    rows: QuerySet[Casting, CardRow] | QuerySet[ModelProfile, ModelCardRow]
    if search.kind == SearchKind.CASTINGS:
        rows = casting_list_public(user=None, filters=CastingFilters())
        target = "casting_id"
    else:
        rows = model_profile_card_list(filters=ModelFilters(), viewer=search.user)
        target = "model_profile_id"
    matched_at = matches.filter(**{target: OuterRef("pk")}).values("created_at")[:1]
    return (
        rows.filter(pk__in=matches.values(target))
        .annotate(matched_at=Subquery(matched_at))
        .order_by("-matched_at", "-pk")
    )
