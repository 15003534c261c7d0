"""Reads of the profiles app: catalogue queries, visibility, display names, storage URLs."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, JSONObject, Upper
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import blocked_user_ids_subquery, inactive_user_ids
from billing.selectors import promoted_until_subquery
from mwork.api.exceptions import NotFound, PermissionDenied
from mwork.db import BoundList, JSONArrayAgg, compiled_list, compiled_once, json_time
from mwork.db_router import on_replica
from mwork.ids import parse_uuid
from mwork.storage import storage_url
from profiles.card import CARD_COLUMNS
from profiles.models import EmployerProfile, ModelProfile, Review, WorkExperience

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

FALLBACK_DISPLAY_NAME = "MWork user"
DELETED_DISPLAY_NAME = "Deleted user"


class UserDisplay(TypedDict):
    name: str
    avatar: str | None


class _Promotion(TypedDict):
    promotion_ends: datetime  # `with_promotion`


# A catalogue card's value row: the columns of `profiles.card` and `promotion_ends`.
ModelCardRow = dict[str, Any]


# A timestamp older than any promotion: SQLite's MAX() is NULL when any argument is NULL, so
# both promotion sources are coalesced to it before taking the later one.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)

ORDERING_FIELDS = ("created_at", "rating", "height", "age")
NULLABLE_ORDERING_FIELDS = ("height",)


# ---------------------------------------------------------------------------------------------
# Cross-app helpers
# ---------------------------------------------------------------------------------------------
def _related_or_none(user: Any, attribute: str) -> Any:
    try:
        return getattr(user, attribute)
    except ObjectDoesNotExist:
        return None


def user_display(user: Any) -> UserDisplay:
    """`{"name", "avatar"}` of a user as others see it; never the e-mail address.

    Reads only the profile matching the user's role, so a caller that did
    `select_related("model_profile", "employer_profile")` triggers no query. Users without a
    profile (or admins) are shown as "MWork user" without an avatar.
    """
    if user is None:
        return {"name": FALLBACK_DISPLAY_NAME, "avatar": None}
    if getattr(user, "deleted_at", None) is not None:  # purged: the tombstone of docs/PRIVACY.md
        return {"name": DELETED_DISPLAY_NAME, "avatar": None}
    if user.role == "model":
        profile = _related_or_none(user, "model_profile")
        if profile is not None:
            return {
                "name": profile.name,
                "avatar": storage_url(profile.main_thumbnail or profile.main_photo),
            }
    elif user.role in ("employer", "agency"):
        profile = _related_or_none(user, "employer_profile")
        if profile is not None:
            return {"name": profile.company_name, "avatar": storage_url(profile.avatar)}
    return {"name": FALLBACK_DISPLAY_NAME, "avatar": None}


def visible_model_profiles() -> QuerySet[ModelProfile]:
    """Model profiles anyone may see: not hidden by staff, owner not banned."""
    # The few inactive ids are excluded instead of joining every row to its user (a partial
    # index); docs/PERFORMANCE.md, '"Owner not banned" without a join'.
    return ModelProfile.objects.filter(is_hidden=False).exclude(user_id__in=inactive_user_ids())


def visible_employer_profiles() -> QuerySet[EmployerProfile]:
    return EmployerProfile.objects.exclude(user_id__in=inactive_user_ids())


# ---------------------------------------------------------------------------------------------
# Promotion
# ---------------------------------------------------------------------------------------------
def _plan_promoted_until() -> Any:
    """Latest expiry of an active subscription with `profile_promotion` (billing), or NULL."""
    return promoted_until_subquery()


def with_promotion(
    queryset: QuerySet[ModelProfile],
) -> QuerySet[WithAnnotations[ModelProfile, _Promotion]]:
    """Annotate `promotion_ends`: the later of the staff and the plan promotion (may be past).

    Whether it still runs is `is_promoted(profile)`; computing that in Python keeps the
    billing subquery evaluated once per row instead of once per reference.
    """
    never = Value(_NEVER, output_field=DateTimeField())
    return queryset.annotate(
        promotion_ends=Greatest(
            Coalesce(F("promoted_until"), never),
            Coalesce(_plan_promoted_until(), never),
            output_field=DateTimeField(),
        )
    )


def is_promoted(profile: ModelProfile, *, now: datetime | None = None) -> bool:
    """True while the profile's promotion (annotated by `with_promotion`) is running."""
    ends = getattr(profile, "promotion_ends", None)
    return ends is not None and ends > (now or timezone.now())


def promoted_until(profile: ModelProfile) -> datetime | None:
    """End of the running promotion, or None when the profile is not promoted."""
    ends: datetime | None = getattr(profile, "promotion_ends", None)  # as `is_promoted` reads it
    return ends if is_promoted(profile) else None


# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelFilters:
    gender: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    city: str | None = None
    category: str | None = None
    experience: str | None = None
    search: str | None = None
    ordering: str | None = None


def _category_condition(category: str) -> Q:
    if connection.vendor == "postgresql":
        # jsonb containment: served by the jsonb_path_ops GIN index.
        return Q(categories__contains=[category])
    # SQLite stores the list as JSON text; categories are a closed set of plain words, so the
    # quoted token cannot match anything but the whole element.
    return Q(categories__icontains=f'"{category}"')


def search_terms(text: str) -> list[str]:
    """The words of a search text (letters, digits, underscores; at most 10). Their case is
    kept: the `simple` text search config lowers them, and SQLite's LIKE ignores the case of
    ASCII letters only."""
    return re.findall(r"\w+", text)[:10]


def _prefix_condition(terms: list[str]) -> Q:
    """Every word is the start of a word of the name or bio: on PostgreSQL a prefix tsquery
    (`word:* & ...`) against the GIN-indexed search vector (config `simple`, no stemming), a
    substring match elsewhere."""
    if connection.vendor != "postgresql":
        condition = Q()
        for term in terms:
            condition &= Q(name__icontains=term) | Q(bio__icontains=term)
        return condition
    return _tsquery_condition(_tsquery(terms))


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)  # \w+ words: no tsquery operators


def _tsquery_condition(tsquery: str) -> Q:
    return Q(search_vector=SearchQuery(tsquery, config="simple", search_type="raw"))


def _similar_name_condition(text: str) -> Q:
    """The name is similar to the text (trigram word similarity, GIN gin_trgm_ops, `%>`), so
    that "Nurzhanva" still finds "Aisha Nurzhanova". PostgreSQL only."""
    return Q(TrigramWordSimilar(F("name"), Value(text)))


class SearchMode:
    """Which part of a catalogue search a condition holds (`model_filters_condition`)."""

    FULL = "full"  # prefix matches, or similar names when nothing prefix-matches
    PREFIX = "prefix"
    SIMILAR = "similar"


def _filters_without_search(filters: ModelFilters) -> Q:
    condition = Q()
    if filters.gender:
        condition &= Q(gender=filters.gender)
    if filters.min_age is not None:
        condition &= Q(age__gte=filters.min_age)
    if filters.max_age is not None:
        condition &= Q(age__lte=filters.max_age)
    if filters.min_height is not None:
        condition &= Q(height__gte=filters.min_height)
    if filters.max_height is not None:
        condition &= Q(height__lte=filters.max_height)
    if filters.city:
        # Matches the expression index on UPPER(city).
        condition &= Q(Exact(Upper("city"), _city_key(filters.city)))
    if filters.category:
        condition &= _category_condition(filters.category)
    if filters.experience:
        condition &= Q(experience=filters.experience)
    return condition


def _city_key(city: str) -> str:
    return city.strip().upper()


def model_filters_condition(filters: ModelFilters, *, mode: str = SearchMode.FULL) -> Q:
    """The catalogue's filters and search (not `ordering`) as one condition on `ModelProfile`.

    `GET /profiles/models` filters with it, and saved searches (docs/SEARCHES.md) evaluate it
    for many searches in one query, so a search matches exactly what the catalogue returns.

    A search (docs/API.md §13) matches profiles whose name or bio has, for every word of the
    search, a word starting with it. Only when no visible profile passing the other filters
    matches so (a misspelt name, say) does it match names similar to the search text instead
    (PostgreSQL; SQLite has the prefix part only, as substrings). `mode` PREFIX or SIMILAR
    gives one part alone: the catalogue runs them as two steps (`model_profile_card_search`),
    because one condition holding both misleads the planner into walking far more rows
    (docs/PERFORMANCE.md, "Search").
    """
    condition = _filters_without_search(filters)
    text = (filters.search or "").strip()
    terms = search_terms(text)
    if not terms:
        return condition
    prefix = _prefix_condition(terms)
    if connection.vendor != "postgresql" or mode == SearchMode.PREFIX:
        return condition & prefix
    similar = _similar_name_condition(text)
    if mode == SearchMode.SIMILAR:
        return condition & similar
    prefix_anywhere = Exists(visible_model_profiles().filter(condition & prefix))
    return condition & (prefix | (~Q(prefix_anywhere) & similar))


def not_blocked_with_condition(*, viewer_id: Any) -> Q:
    """Profiles whose user neither blocked `viewer_id` nor was blocked by it."""
    return ~Q(user_id__in=blocked_user_ids_subquery(user_id=viewer_id))


def visible_model_profiles_for(*, viewer: Any) -> QuerySet[ModelProfile]:
    """`visible_model_profiles()` minus the users the viewer blocked or was blocked by."""
    signed_in = viewer is not None and viewer.is_authenticated
    return _visible_model_profiles_for_id(viewer.id if signed_in else None)


def _visible_model_profiles_for_id(viewer_id: Any) -> QuerySet[ModelProfile]:
    queryset = visible_model_profiles()
    if viewer_id is not None:
        queryset = queryset.filter(not_blocked_with_condition(viewer_id=viewer_id))
    return queryset


def model_profile_list(
    *, filters: ModelFilters, viewer: Any = None, mode: str = SearchMode.FULL
) -> QuerySet[ModelProfile]:
    """The public catalogue: visible profiles, filtered, searched and ordered.

    One query for the rows (promotion annotated in SQL, main photo from the profile row);
    the list needs no prefetch. Profiles blocked in either direction with `viewer` are left out.
    `mode`: the part of a search to hold (`model_filters_condition`).
    """
    queryset = with_promotion(visible_model_profiles_for(viewer=viewer)).filter(
        model_filters_condition(filters, mode=mode)
    )
    return _ordered(queryset, filters.ordering)


def _ordered(queryset: QuerySet[ModelProfile], ordering: str | None) -> QuerySet[ModelProfile]:
    """The catalogue's order (`ordering`, then newest first), read from the replica."""
    order: list[Any] = []
    if ordering:
        field = ordering.lstrip("-")
        descending = ordering.startswith("-")
        expression = F(field)
        # Only height may be empty: profiles without it go last either way. The other fields
        # are NOT NULL, and a plain ASC/DESC matches their btree indexes.
        nulls_last = True if field in NULLABLE_ORDERING_FIELDS else None
        order.append(
            expression.desc(nulls_last=nulls_last)
            if descending
            else expression.asc(nulls_last=nulls_last)
        )
    order += [F("created_at").desc(), F("id").desc()]  # stable pages
    return on_replica(queryset.order_by(*order))


# Exactly the columns of a catalogue card (`profiles.card`), plus the annotated
# `promotion_ends`: the list reads neither bio, measurements nor the search vector.
def model_profile_card_list(
    *, filters: ModelFilters, viewer: Any = None, mode: str = SearchMode.FULL
) -> QuerySet[ModelProfile, ModelCardRow]:
    """`model_profile_list` as value dicts of the card's columns (the public catalogue's hot
    path: no model instances, rendered by `serializers.model_card_data`)."""
    rows: QuerySet[ModelProfile, ModelCardRow] = model_profile_list(
        filters=filters, viewer=viewer, mode=mode
    ).values(*CARD_COLUMNS, "promotion_ends")
    return rows


def model_profile_card_search(
    *, filters: ModelFilters, viewer: Any = None
) -> tuple[QuerySet[ModelProfile, ModelCardRow] | BoundList, BoundList | None]:
    """The catalogue's cards in two steps: the list with the search's prefix matches, and
    (on PostgreSQL, with a search) the list of similar names that replaces it when the first
    is empty (`mwork.api.pagination.paginate`'s `fallback`). Together they are
    `model_profile_card_list` but for the viewer's blocks: a profile the viewer blocked (or was
    blocked by) still counts as a prefix match in the single condition.

    On PostgreSQL both are compiled once per set of present filters, their values bound
    (`mwork.db.compiled_list`)."""
    if connection.vendor != "postgresql":
        return model_profile_card_list(filters=filters, viewer=viewer), None
    signed_in = viewer is not None and viewer.is_authenticated
    text = (filters.search or "").strip()
    terms = search_terms(text)
    shape = (
        filters.gender or None,
        filters.category or None,
        filters.experience or None,
        filters.ordering or None,
    )
    values: dict[str, Any] = {
        "viewer_id": viewer.id if signed_in else None,
        "min_age": filters.min_age,
        "max_age": filters.max_age,
        "min_height": filters.min_height,
        "max_height": filters.max_height,
        "city": _city_key(filters.city) if filters.city else None,
    }
    if not terms:
        return _catalogue_cards_query(*shape, **values, tsquery=None, similar=None), None
    return (
        _catalogue_cards_query(*shape, **values, tsquery=_tsquery(terms), similar=None),
        _catalogue_cards_query(*shape, **values, tsquery=None, similar=text),
    )


@compiled_list
def _catalogue_cards_query(
    gender: str | None,
    category: str | None,
    experience: str | None,
    ordering: str | None,
    *,
    viewer_id: uuid.UUID | None,
    min_age: int | None,
    max_age: int | None,
    min_height: int | None,
    max_height: int | None,
    city: str | None,
    tsquery: str | None,
    similar: str | None,
) -> QuerySet[ModelProfile, ModelCardRow]:
    # The query of `model_profile_card_list` in SearchMode.PREFIX (`tsquery`) or SIMILAR
    # (`similar`): the same condition in the same order.
    condition = _filters_without_search(
        ModelFilters(
            gender=gender,
            min_age=min_age,
            max_age=max_age,
            min_height=min_height,
            max_height=max_height,
            city=city,  # already `_city_key`: unchanged by it
            category=category,
            experience=experience,
        )
    )
    if tsquery is not None:
        condition &= _tsquery_condition(tsquery)
    if similar is not None:
        condition &= _similar_name_condition(similar)
    queryset = with_promotion(_visible_model_profiles_for_id(viewer_id)).filter(condition)
    rows: QuerySet[ModelProfile, ModelCardRow] = _ordered(queryset, ordering).values(
        *CARD_COLUMNS, "promotion_ends"
    )
    return rows


def model_profile_list_promoted(*, viewer: Any = None) -> QuerySet[ModelProfile]:
    """Visible profiles promoted right now, the longest-running promotion first."""
    return (
        with_promotion(visible_model_profiles_for(viewer=viewer))
        .filter(promotion_ends__gt=timezone.now())
        .order_by("-promotion_ends", "-rating", "-created_at", "-id")
    )


# The profile's agency (agencies.RosterMembership, reverse one-to-one), joined into the row.
AGENCY_RELATED = "agency_link__agency__employer_profile"
PHOTO_COLUMNS = ("id", "image", "thumbnail", "is_main", "order")
WORK_EXPERIENCE_COLUMNS = ("id", "company", "position", "start_date", "end_date")


@dataclass(frozen=True)
class ModelProfileDetail:
    """A profile in the detail shape: the profile (with `promotion_ends` and the agency's
    `agency_user_id`, `agency_profile_id`, `agency_company_name` annotated), its photos and its
    work experience, in display order, as value rows of their display columns (`PHOTO_COLUMNS`,
    `WORK_EXPERIENCE_COLUMNS`; ids as UUIDs, dates as dates, file fields as stored names)."""

    profile: ModelProfile
    photos: list[dict[str, Any]]
    work_experience: list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# The detail, compiled once per scope
# ---------------------------------------------------------------------------------------------
# The detail (visibility, the billing promotion subquery, the agency joins, the photos, the work
# experience) is read on every detail request; its SQL depends only on the scope (anonymous
# viewer, signed-in viewer, owner), so it is compiled once per scope (`mwork.db.compiled_once`).
# It is one query: the photos and the work experience come in the profile's row as JSON arrays
# (`mwork.db.JSONArrayAgg`, as the chat rooms list's members), one round trip instead of three
# and no model instances built for them; they are put in display order here, since SQLite's
# aggregates take no ORDER BY.
_SCOPE_PUBLIC, _SCOPE_VIEWER, _SCOPE_OWNER = "public", "viewer", "owner"


def _photos() -> QuerySet[Model]:
    # media's Photo, reached through the reverse relation its foreign key adds (media sits above
    # profiles: reading along a relation is allowed, importing media is not).
    return ModelProfile._meta.get_field("photos").related_model._default_manager.all()


def _nested_rows(queryset: QuerySet[Any], columns: tuple[str, ...]) -> Subquery:
    """The profile's rows of `queryset` as one JSON array of objects of `columns` and their
    `created_at` (the display order's tie-breaker), in no order; NULL when there are none."""
    return Subquery(
        queryset.filter(profile_id=OuterRef("pk"))
        .order_by()
        .values("profile_id")
        .annotate(rows=JSONArrayAgg(JSONObject(**{c: F(c) for c in (*columns, "created_at")})))
        .values("rows"),
        output_field=JSONField(),
    )


def _detail_profiles(profiles: QuerySet[ModelProfile], profile_id: Any) -> QuerySet[ModelProfile]:
    return (
        with_promotion(profiles)
        .annotate(
            agency_user_id=F("agency_link__agency_id"),
            agency_profile_id=F("agency_link__agency__employer_profile__id"),
            agency_company_name=F("agency_link__agency__employer_profile__company_name"),
            photo_rows=_nested_rows(_photos(), PHOTO_COLUMNS),
            work_experience_rows=_nested_rows(
                WorkExperience.objects.all(), WORK_EXPERIENCE_COLUMNS
            ),
        )
        .defer("search_vector")
        .filter(pk=profile_id)
        .order_by()
    )


@compiled_once
def _detail_public_query(*, profile_id: uuid.UUID) -> QuerySet[ModelProfile]:
    return _detail_profiles(visible_model_profiles(), profile_id)


@compiled_once
def _detail_viewer_query(*, profile_id: uuid.UUID, viewer_id: uuid.UUID) -> QuerySet[ModelProfile]:
    return _detail_profiles(_visible_model_profiles_for_id(viewer_id), profile_id)


@compiled_once
def _detail_owner_query(*, profile_id: uuid.UUID) -> QuerySet[ModelProfile]:
    # the owner also reaches a hidden profile
    return _detail_profiles(ModelProfile.objects.all(), profile_id)


def _photo_rows(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The JSON photo objects as value rows of `PHOTO_COLUMNS`, by `order` then age."""
    keyed = []
    for row in rows or ():
        row["id"] = uuid.UUID(row["id"])
        row["is_main"] = bool(row["is_main"])  # SQLite's JSON writes a boolean as 0 or 1
        keyed.append(((row["order"], json_time(row.pop("created_at"))), row))
    keyed.sort(key=itemgetter(0))
    return [row for _key, row in keyed]


def _work_experience_rows(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The JSON work experience objects as value rows of `WORK_EXPERIENCE_COLUMNS`, latest
    start first, then newest."""
    keyed = []
    for row in rows or ():
        row["id"] = uuid.UUID(row["id"])
        row["start_date"] = date.fromisoformat(row["start_date"])
        if row["end_date"] is not None:
            row["end_date"] = date.fromisoformat(row["end_date"])
        keyed.append(((row["start_date"], json_time(row.pop("created_at"))), row))
    keyed.sort(key=itemgetter(0), reverse=True)
    return [row for _key, row in keyed]


def _detail(scope: str, *, pk: uuid.UUID, viewer_id: Any = None) -> ModelProfileDetail:
    """The profile with its photos and work experience, in one query. NotFound when the
    profile is not in the scope."""
    if scope == _SCOPE_VIEWER:
        profile = _detail_viewer_query().first(profile_id=pk, viewer_id=viewer_id)
    elif scope == _SCOPE_OWNER:
        profile = _detail_owner_query().first(profile_id=pk)
    else:
        profile = _detail_public_query().first(profile_id=pk)
    if profile is None:
        raise NotFound(_("Model profile not found."))
    return ModelProfileDetail(
        profile=profile,
        photos=_photo_rows(profile.__dict__.pop("photo_rows")),
        work_experience=_work_experience_rows(profile.__dict__.pop("work_experience_rows")),
    )


def _pk_or_404(value: Any) -> uuid.UUID:
    pk = parse_uuid(value)
    if pk is None:
        raise NotFound()
    return pk


def model_profile_get(*, profile_id: Any, viewer: Any = None) -> ModelProfileDetail:
    """A visible profile in the detail shape; NotFound otherwise (also when the profile's user
    and `viewer` have blocked each other)."""
    pk = _pk_or_404(profile_id)
    if viewer is not None and viewer.is_authenticated:
        return _detail(_SCOPE_VIEWER, pk=pk, viewer_id=viewer.id)
    return _detail(_SCOPE_PUBLIC, pk=pk)


def model_profile_get_visible(*, profile_id: Any) -> ModelProfile:
    """A visible profile, plain (no annotations or prefetch); NotFound otherwise."""
    pk = _pk_or_404(profile_id)
    try:
        return visible_model_profiles().get(pk=pk)
    except ModelProfile.DoesNotExist:
        raise NotFound(_("Model profile not found.")) from None


def work_experience_get(*, profile: ModelProfile, item_id: Any) -> WorkExperience:
    """An entry of that profile; NotFound for an unknown id or another profile's entry."""
    pk = _pk_or_404(item_id)
    try:
        return WorkExperience.objects.get(pk=pk, profile=profile)
    except WorkExperience.DoesNotExist:
        raise NotFound(_("Work experience entry not found.")) from None


def model_profile_get_for_owner(*, user: Any, profile_id: Any) -> ModelProfile:
    """The profile for a change by its owner.

    Raises NotFound when the profile is not visible (hidden, banned, unknown) and
    PermissionDenied when it is visible but belongs to someone else. The owner reaches a
    profile staff hid, so they can still fix it.
    """
    pk = _pk_or_404(profile_id)
    profile = ModelProfile.objects.select_related("user").filter(pk=pk).first()
    if profile is None or not profile.user.is_active:
        raise NotFound(_("Model profile not found."))
    if profile.user_id != user.id:
        if profile.is_hidden:
            raise NotFound(_("Model profile not found."))
        raise PermissionDenied(_("Only the owner can change this profile."))
    return profile


def model_profile_get_detail_for_owner(*, profile: ModelProfile) -> ModelProfileDetail:
    """Re-read an owner's profile in the detail shape (hidden ones included)."""
    return _detail(_SCOPE_OWNER, pk=profile.pk)


def employer_profile_get(*, profile_id: Any) -> EmployerProfile:
    pk = _pk_or_404(profile_id)
    try:
        return visible_employer_profiles().select_related("user").get(pk=pk)
    except EmployerProfile.DoesNotExist:
        raise NotFound(_("Employer profile not found.")) from None


def employer_profile_get_for_owner(*, user: Any, profile_id: Any) -> EmployerProfile:
    """NotFound when invisible, PermissionDenied when someone else's."""
    profile = employer_profile_get(profile_id=profile_id)
    if profile.user_id != user.id:
        raise PermissionDenied(_("Only the owner can change this profile."))
    return profile


def profile_for_user(*, user: Any) -> tuple[str, Any]:
    """`("model", ModelProfileDetail)` or `("employer", EmployerProfile)` of the caller;
    NotFound."""
    if user.role == "model":
        profile = ModelProfile.objects.filter(user=user).first()
        if profile is not None:
            return "model", model_profile_get_detail_for_owner(profile=profile)
    elif user.role in ("employer", "agency"):
        employer = EmployerProfile.objects.filter(user=user).select_related("user").first()
        if employer is not None:
            return "employer", employer
    raise NotFound(_("You have no profile yet."))


def review_list(*, profile: ModelProfile) -> QuerySet[Review]:
    return Review.objects.filter(profile=profile).select_related(
        "author__model_profile", "author__employer_profile"
    )


# ---------------------------------------------------------------------------------------------
# The agency of a profile (a reverse relation agencies' roster adds; agencies sits above)
# ---------------------------------------------------------------------------------------------
def has_agency_link(profile: Any) -> bool:
    try:
        profile.agency_link  # noqa: B018 - select_related reverse one-to-one
    except ObjectDoesNotExist:
        return False
    return True


def agency_of_profile(profile: Any) -> dict[str, Any] | None:
    """`{id, user_id, company_name}` of the profile's agency, or None. No query when the caller
    did `select_related("agency_link__agency__employer_profile")`."""
    if not has_agency_link(profile):
        return None
    agency = profile.agency_link.agency
    try:
        employer = agency.employer_profile
    except ObjectDoesNotExist:
        employer = None
    return {
        "id": str(employer.id) if employer is not None else None,
        "user_id": str(agency.id),
        "company_name": employer.company_name if employer is not None else None,
    }
