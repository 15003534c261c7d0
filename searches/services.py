"""Writes of saved searches, and the background matching and delivery (docs/SEARCHES.md).

Matching: a beat job scans the targets (castings newly published, model profiles created or
updated) past a watermark and evaluates a batch of searches against them in ONE query — each
search's condition is the list's own filter condition, as a boolean column — so the number of
queries grows with the number of batches, never with searches times targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from billing.entitlements import check_saved_search_quota
from castings.models import Casting
from castings.selectors import (
    CastingFilters,
    casting_filters_condition,
    casting_list_public_base,
)
from mwork.api.exceptions import PermissionDenied
from notifications.services import notify
from profiles.models import ModelProfile
from profiles.selectors import (
    ModelFilters,
    model_filters_condition,
    not_blocked_with_condition,
    visible_model_profiles,
)
from searches.models import (
    DIGEST_FREQUENCIES,
    Frequency,
    MatchWatermark,
    SavedSearch,
    SavedSearchMatch,
    SearchKind,
)

# Who may keep which kind (docs/SEARCHES.md): models follow castings, employers and agencies
# follow models.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    SearchKind.CASTINGS: (Role.MODEL,),
    SearchKind.MODELS: (Role.EMPLOYER, Role.AGENCY),
}
FILTER_CLASSES: dict[str, type[CastingFilters] | type[ModelFilters]] = {
    SearchKind.CASTINGS: CastingFilters,
    SearchKind.MODELS: ModelFilters,
}
DIGEST_PERIODS: dict[str, timedelta] = {
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
}


class DigestItem(TypedDict):
    title: str
    detail: str
    url: str


class DigestSection(TypedDict):
    """One search's part of a digest e-mail (`saved_search_digests_claim`)."""

    search_id: str
    name: str
    kind: str
    items: list[DigestItem]
    more: int  # matches beyond the items listed


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# ------------------------------------------------------------------------------------------
# The owner's writes
# ------------------------------------------------------------------------------------------
def _digest_due(frequency: str, now: datetime) -> datetime | None:
    period = DIGEST_PERIODS.get(frequency)
    return now + period if period else None


def saved_search_create(
    *, user: User, kind: str, name: str, filters: dict[str, Any], frequency: str
) -> SavedSearch:
    """Save a search of `kind` with validated `filters` (`searches.filters.filters_validate`).

    Raises PermissionDenied when the role may not keep that kind, SubscriptionLimitExceeded
    (`"feature": "saved_searches"`) when the plan's searches are all in use — counted under a
    lock on the user's row, in the transaction that inserts, so parallel requests cannot
    overshoot.
    """
    if user.role not in KIND_ROLES[kind]:
        raise PermissionDenied(
            _("Models save searches of castings; employers and agencies of models.")
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
        check_saved_search_quota(user, SavedSearch.objects.filter(user_id=user.pk).count())
        now = timezone.now()
        return SavedSearch.objects.create(
            user=user,
            kind=kind,
            name=name,
            filters=filters,
            frequency=frequency,
            digest_due_at=_digest_due(frequency, now),
            created_at=now,
        )


def saved_search_update(*, search: SavedSearch, **fields: Any) -> SavedSearch:
    """Change `name`, `filters` (validated for the search's kind) and/or `frequency`.

    New filters apply to targets scanned from now on; matches already found stay.
    """
    unknown = set(fields) - {"name", "filters", "frequency"}
    if unknown:
        raise ValueError(f"Not saved-search fields: {sorted(unknown)}")
    if not fields:
        return search
    if "frequency" in fields and fields["frequency"] != search.frequency:
        search.digest_due_at = _digest_due(fields["frequency"], timezone.now())
        fields["digest_due_at"] = search.digest_due_at
    for name, value in fields.items():
        setattr(search, name, value)
    search.save(update_fields=[*fields, "updated_at"])
    return search


def saved_search_delete(*, search: SavedSearch) -> None:
    search.delete()


def saved_search_mark_seen(*, search: SavedSearch, now: datetime | None = None) -> None:
    """The owner has looked at the matches: `new_matches` counts from now on.

    Kept to the second, as the API writes times (`since`): a match of that very second may show
    again, none is skipped.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    SavedSearch.objects.filter(pk=search.pk).update(last_seen_at=now)
    search.last_seen_at = now


# ------------------------------------------------------------------------------------------
# Matching (beat job)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    id: Any
    at: datetime  # published (castings) or created/updated (profiles)


def _targets_base(kind: str) -> QuerySet[Casting] | QuerySet[ModelProfile]:
    if kind == SearchKind.CASTINGS:
        return casting_list_public_base()
    return visible_model_profiles()


def _target_time_field(kind: str) -> str:
    return "published_at" if kind == SearchKind.CASTINGS else "updated_at"


def filters_of(*, kind: str, stored: dict[str, Any]) -> CastingFilters | ModelFilters:
    """The list's filter object (`CastingFilters`/`ModelFilters`) of stored filters."""
    filter_class = FILTER_CLASSES[kind]
    fields = filter_class.__dataclass_fields__
    return filter_class(**{key: value for key, value in stored.items() if key in fields})


def _search_condition(search: SavedSearch) -> Q:
    """What the search's list would let through (the list's own condition)."""
    filters = filters_of(kind=search.kind, stored=search.filters)
    if isinstance(filters, CastingFilters):  # kind castings
        return casting_filters_condition(filters)
    # The catalogue as the search's owner sees it: without users blocked either way.
    return model_filters_condition(filters) & not_blocked_with_condition(viewer_id=search.user_id)


def _as_column(condition: Q) -> Any:
    if not condition:
        return Value(True)
    return ExpressionWrapper(condition, output_field=BooleanField())


def _watermark(kind: str, now: datetime, lag: timedelta) -> MatchWatermark | None:
    """The kind's watermark row, locked for this run (None when another run holds it). A
    first run starts at the oldest search of the kind (nothing older can match a search)."""
    oldest = SavedSearch.objects.filter(kind=kind).aggregate(at=Min("created_at"))["at"]
    start = min(oldest, now - lag) if oldest else now - lag
    MatchWatermark.objects.get_or_create(kind=kind, defaults={"scanned_until": start})
    return MatchWatermark.objects.select_for_update(skip_locked=True).filter(kind=kind).first()


def _next_targets(
    kind: str, watermark: MatchWatermark, until: datetime, limit: int
) -> list[_Target]:
    field = _target_time_field(kind)
    after = Q(**{f"{field}__gt": watermark.scanned_until})
    if watermark.last_id is not None:
        after |= Q(**{field: watermark.scanned_until, "id__gt": watermark.last_id})
    rows = (
        _targets_base(kind)
        .filter(after, **{f"{field}__lte": until})
        .order_by(field, "id")
        .values_list("id", field)[:limit]
    )
    return [_Target(id=pk, at=at) for pk, at in rows]


def _match_batch(
    kind: str, searches: list[SavedSearch], targets: list[_Target]
) -> list[SavedSearchMatch]:
    """The (search, target) pairs of one batch of searches: ONE query, one boolean column per
    search over the batch of targets."""
    columns = {f"s{index}": _as_column(_search_condition(s)) for index, s in enumerate(searches)}
    rows = (
        _targets_base(kind)
        .filter(id__in=[target.id for target in targets])
        .annotate(**columns)
        # oldest first, as the targets were read: matches are created (and a digest, newest
        # match first, lists them) in the order the targets appeared
        .order_by(_target_time_field(kind), "id")
        .values_list("id", *columns)
    )
    target_at = {target.id: target.at for target in targets}
    target_field = "casting_id" if kind == SearchKind.CASTINGS else "model_profile_id"
    matches = []
    for target_id, *hits in rows:
        for search, hit in zip(searches, hits, strict=True):
            # Only what appeared (or changed) after the search was saved.
            if hit and target_at[target_id] > search.created_at:
                matches.append(SavedSearchMatch(search_id=search.id, **{target_field: target_id}))
    return matches


def _search_batches(kind: str, size: int) -> Iterator[list[SavedSearch]]:
    last_id = None
    while True:
        batch = SavedSearch.objects.filter(kind=kind, user__is_active=True)
        if last_id is not None:
            batch = batch.filter(id__gt=last_id)
        searches = list(
            batch.order_by("id").only("id", "kind", "user_id", "filters", "created_at")[:size]
        )
        if not searches:
            return
        yield searches
        if len(searches) < size:
            return
        last_id = searches[-1].id


def saved_searches_match(
    *,
    kind: str,
    now: datetime | None = None,
    search_batch: int | None = None,
    target_batch: int | None = None,
    lag: timedelta | None = None,
) -> int:
    """Match the targets of `kind` that appeared since the watermark against every search of
    that kind; returns how many (search, target) pairs it found (a pair already stored is
    kept once by the unique constraint; the caller queues the instant deliveries).

    Targets are scanned up to `now - SAVED_SEARCH_MATCH_LAG_SECONDS`, so a casting published in
    a transaction that commits within the lag is never skipped by the watermark.
    """
    now = now or timezone.now()
    if lag is None:
        lag = timedelta(seconds=_setting("SAVED_SEARCH_MATCH_LAG_SECONDS", 60))
    search_batch = search_batch or _setting("SAVED_SEARCH_MATCH_SEARCH_BATCH", 500)
    target_batch = target_batch or _setting("SAVED_SEARCH_MATCH_TARGET_BATCH", 200)
    until = now - lag
    created = 0
    with transaction.atomic():
        watermark = _watermark(kind, now, lag)
        if watermark is None:
            return 0
        while True:
            targets = _next_targets(kind, watermark, until, target_batch)
            if targets:
                for searches in _search_batches(kind, search_batch):
                    matches = _match_batch(kind, searches, targets)
                    if matches:
                        SavedSearchMatch.objects.bulk_create(
                            matches, ignore_conflicts=True, batch_size=1000
                        )
                        created += len(matches)
            if len(targets) < target_batch:
                watermark.scanned_until = max(until, watermark.scanned_until)
                watermark.last_id = None
                break
            watermark.scanned_until, watermark.last_id = targets[-1].at, targets[-1].id
        watermark.save(update_fields=["scanned_until", "last_id", "updated_at"])
    return created


# ------------------------------------------------------------------------------------------
# Delivery: instant notifications, daily/weekly digests
# ------------------------------------------------------------------------------------------
def _match_casting(match: SavedSearchMatch) -> Casting:
    """The casting of a match whose `casting_id` is set (ssmatch_one_target)."""
    if match.casting is None:
        raise ValueError(f"saved search match {match.pk} names no casting")
    return match.casting


def _match_profile(match: SavedSearchMatch) -> ModelProfile:
    """The model profile of a match of a model (ssmatch_one_target: no casting, a profile)."""
    if match.model_profile is None:
        raise ValueError(f"saved search match {match.pk} names no model profile")
    return match.model_profile


def _match_data(match: SavedSearchMatch) -> dict[str, Any]:
    search = match.search
    data: dict[str, Any] = {
        "saved_search_id": str(search.id),
        "saved_search_name": search.name,
        "kind": search.kind,
    }
    if match.casting_id is not None:
        casting = _match_casting(match)
        data |= {
            "casting_id": str(casting.id),
            "casting_title": casting.title,
            "match_title": casting.title,
            "city": casting.city,
        }
    else:
        profile = _match_profile(match)
        data |= {
            "model_id": str(profile.id),
            "model_name": profile.name,
            "match_title": profile.name,
            "city": profile.city,
        }
    return data


def saved_search_matches_deliver_instant(*, batch: int | None = None) -> int:
    """Send `saved_search_match` for every undelivered match of an instant search; returns how
    many notifications went out.

    Matches are claimed in batches (`delivered_at`, rows locked with SKIP LOCKED) in the
    transaction that stores the notifications, so parallel runs never send one twice. A user
    whose searches matched the same target twice hears about it once.
    """
    batch = batch or _setting("SAVED_SEARCH_DELIVERY_BATCH", 200)
    sent = 0
    while True:
        with transaction.atomic():
            claimed = list(
                SavedSearchMatch.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(delivered_at__isnull=True, search__frequency=Frequency.INSTANT)
                .select_related("search__user", "casting", "model_profile")
                .order_by("id")[:batch]
            )
            if not claimed:
                return sent
            SavedSearchMatch.objects.filter(id__in=[m.id for m in claimed]).update(
                delivered_at=timezone.now()
            )
            told: set[tuple[Any, Any]] = set()
            for match in claimed:
                user = match.search.user
                key = (user.id, match.casting_id or match.model_profile_id)
                if not user.is_active or key in told:
                    continue
                told.add(key)
                notify(user=user, type="saved_search_match", data=_match_data(match))
                sent += 1
        if len(claimed) < batch:
            return sent


def _still_visible(match: SavedSearchMatch) -> bool:
    if match.casting_id is not None:
        casting = _match_casting(match)
        return casting.status == "active" and not casting.is_hidden and casting.deleted_at is None
    return not _match_profile(match).is_hidden


def _digest_item(match: SavedSearchMatch) -> DigestItem:
    base = settings.FRONTEND_URL
    if match.casting_id is not None:
        casting = _match_casting(match)
        return {
            "title": casting.title,
            "detail": casting.city,
            "url": f"{base}/castings/{casting.id}",
        }
    profile = _match_profile(match)
    return {
        "title": profile.name,
        "detail": f"{profile.city}, {profile.age}",
        "url": f"{base}/models/{profile.id}",
    }


def saved_search_digests_claim(
    *, now: datetime | None = None, batch: int | None = None
) -> dict[str, list[DigestSection]]:
    """Claim the digests that are due: searches of frequency daily/weekly whose
    `digest_due_at` has passed and that have undelivered matches. Their matches are marked
    delivered and the next digest is due one period later, in one transaction.

    Returns user id → sections `[{search_id, name, kind, items: [{title, detail, url}],
    more}]` (newest first, at most `SAVED_SEARCH_DIGEST_ITEMS` items a search) for
    `saved_search_digest_send`.
    """
    now = now or timezone.now()
    batch = batch or _setting("SAVED_SEARCH_DIGEST_BATCH", 500)
    per_search = _setting("SAVED_SEARCH_DIGEST_ITEMS", 10)
    undelivered = SavedSearchMatch.objects.filter(
        search_id=OuterRef("pk"), delivered_at__isnull=True
    )
    with transaction.atomic():
        searches = list(
            SavedSearch.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                Exists(undelivered),
                frequency__in=DIGEST_FREQUENCIES,
                digest_due_at__lte=now,
                user__is_active=True,
            )
            .order_by("digest_due_at", "id")[:batch]
        )
        if not searches:
            return {}
        matches = list(
            SavedSearchMatch.objects.filter(search__in=searches, delivered_at__isnull=True)
            .select_related("casting", "model_profile")
            .order_by("-created_at", "-id")
        )
        SavedSearchMatch.objects.filter(id__in=[m.id for m in matches]).update(delivered_at=now)
        for frequency, period in DIGEST_PERIODS.items():
            SavedSearch.objects.filter(
                id__in=[s.id for s in searches if s.frequency == frequency]
            ).update(digest_due_at=now + period)
    by_search: dict[Any, list[SavedSearchMatch]] = defaultdict(list)
    for match in matches:
        if _still_visible(match):
            by_search[match.search_id].append(match)
    digests: dict[str, list[DigestSection]] = defaultdict(list)
    for search in searches:
        found = by_search.get(search.id, [])
        if not found:
            continue
        digests[str(search.user_id)].append(
            {
                "search_id": str(search.id),
                "name": search.name,
                "kind": search.kind,
                "items": [_digest_item(match) for match in found[:per_search]],
                "more": max(0, len(found) - per_search),
            }
        )
    return dict(digests)
