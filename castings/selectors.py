"""Reads of the castings domain: visibility, filters, query shape.

Visibility (docs/API.md §6): the public sees active castings, and completed or cancelled
ones when it asks for them by `status` or by id; drafts, staff-hidden and deleted castings are
seen by nobody but their owner (deleted ones not even by the owner); castings of banned owners
are seen by nobody. Anything the caller may not
see is a 404; something visible whose action is not theirs is a 403.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import blocked_user_ids_subquery, inactive_user_ids
from agencies.selectors import managed_owner_ids, user_acts_for, user_id_manages_for
from billing.entitlements import current_plan_json, entitlements_for
from castings.card import CARD_COLUMNS, CARD_JOINED, CARD_KEYS
from castings.models import (
    EXPERIENCE_RANK,
    Audition,
    Casting,
    CastingInvite,
    CastingStatus,
    Response,
    ResponseStatus,
    SavedCasting,
)
from mwork.api.exceptions import NotFound, PermissionDenied, SubscriptionLimitExceeded
from mwork.db import BoundList, compiled_list, compiled_once
from mwork.db_router import on_replica
from profiles.models import ModelProfile
from profiles.selectors import user_display, visible_model_profiles

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PUBLIC_STATUSES = (CastingStatus.ACTIVE, CastingStatus.COMPLETED, CastingStatus.CANCELLED)
# Constant SQL (the column exists on PostgreSQL only, see migration 0002); the words are a
# parameter.
SEARCH_SQL = '"castings_casting"."search_vector" @@ to_tsquery(\'pg_catalog.simple\', %s)'
CASTING_ORDERINGS = ("created_at", "shoot_date", "pay_max", "responses_count")
# A casting card's value row: the columns and joined values of `castings.card`.
CardRow = dict[str, Any]
_C = TypeVar("_C", bound=Casting)  # a casting, or one with annotations


# ------------------------------------------------------------------------------------------
# Interfaces used by other apps (chat, profiles)
# ------------------------------------------------------------------------------------------
def users_linked_by_casting(
    *, casting_id: uuid.UUID | str, user_a_id: uuid.UUID | str, user_b_id: uuid.UUID | str
) -> bool:
    """True when one user owns the (not deleted) casting and the other has a response to it.

    Any response counts, whatever its status: the owner may want to talk to a rejected applicant
    and the applicant may ask about a decision. Used by chat to allow a room about a casting.
    """
    try:
        casting = Casting.objects.alive().only("id", "owner_id").get(id=casting_id)
    except (Casting.DoesNotExist, ValidationError, ValueError, TypeError):
        return False
    owner_id = str(casting.owner_id)
    user_a, user_b = str(user_a_id), str(user_b_id)
    # The casting's side is its owner or a manager of the owner's organization.
    if owner_id == user_a or user_id_manages_for(user_id=user_a, owner_id=owner_id):
        applicant_id = user_b
    elif owner_id == user_b or user_id_manages_for(user_id=user_b, owner_id=owner_id):
        applicant_id = user_a
    else:
        return False
    return Response.objects.filter(
        casting_id=casting.id, model_profile__user_id=applicant_id
    ).exists()


def accepted_response_exists(
    *, casting_id: uuid.UUID | str, owner_id: uuid.UUID, model_profile_id: uuid.UUID
) -> bool:
    """True when `owner_id` owns the casting and accepted that model profile's response.

    Allows a review (`profiles.signals.review_allowed`, provided by castings.hooks): the ids
    come from the author and the profile, the casting's from the request. A casting deleted
    later still counts (the work happened).
    """
    try:
        return Response.objects.filter(
            casting_id=casting_id,
            casting__owner_id=owner_id,
            model_profile_id=model_profile_id,
            status=ResponseStatus.ACCEPTED,
        ).exists()
    except (ValidationError, ValueError, TypeError):
        return False  # not a UUID


# ------------------------------------------------------------------------------------------
# Query shape
# ------------------------------------------------------------------------------------------
def _responses_count() -> Coalesce:
    """Applicants of a casting, withdrawn responses excluded, as a correlated subquery."""
    counted = (
        Response.objects.filter(casting_id=OuterRef("pk"))
        .exclude(status=ResponseStatus.WITHDRAWN)
        .order_by()
        .values("casting_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# The casting card (`CastingOutputSerializer`) as value rows: exactly its columns
# (`castings.card`), the owner's company name and avatar through one LEFT JOIN, and the
# applicant count. The hot reads (list, detail) then build no model instances (three per row
# with select_related) and `casting_card` turns each row into a dict directly (the ORM and DRF
# were ~85 % of a list request).
def _card_rows(queryset: QuerySet[_C]) -> QuerySet[_C, CardRow]:
    """Everything the casting card needs in the same query, as dicts (`castings.card`)."""
    rows: QuerySet[_C, CardRow] = queryset.annotate(responses_count=_responses_count()).values(
        *CARD_COLUMNS, **{column: F(source) for column, source in CARD_JOINED.items()}
    )
    return rows


def _owned_by(user: Any) -> Q:
    """Castings of the caller's organization: its own, or those of the owner it manages for."""
    return _owned_by_id(getattr(user, "role", None), user.id)


def _owned_by_id(role: str | None, user_id: Any) -> Q:
    if role in ("employer", "agency"):
        return Q(owner_id=user_id) | Q(owner_id__in=managed_owner_ids(user_id=user_id))
    return Q(owner_id=user_id)


def _caller_role(user: Any) -> str | None:
    """The caller's role, or None when anonymous (what visibility depends on)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    role: str = user.role
    return role


def _visible_to(user: Any) -> Q:
    return _visible_to_id(_caller_role(user), getattr(user, "id", None))


def _visible_to_id(role: str | None, user_id: Any) -> Q:
    """Visible to an anonymous caller (role None) or to a signed-in one of that role and id."""
    # A banned owner's castings disappear with the owner.
    public = Q(status__in=PUBLIC_STATUSES, is_hidden=False) & ~Q(owner_id__in=inactive_user_ids())
    if role is None:
        return public
    return public | _owned_by_id(role, user_id)


# ------------------------------------------------------------------------------------------
# Filters
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CastingFilters:
    status: str | None = None
    city: str | None = None
    category: str | None = None
    gender: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    experience: str | None = None
    pay_min: int | None = None
    search: str | None = None
    ordering: str | None = None


def _search_terms(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())[:10]


def _tsquery(terms: list[str]) -> str:
    """Prefix match of every word (`word:* & ...`; \\w+ words hold no tsquery operator)."""
    return " & ".join(f"{term}:*" for term in terms)


def _tsquery_condition(tsquery: str) -> Q:
    # Against the stored GIN-indexed tsvector (`simple` config: no stemming, so Kazakh, Russian
    # and English words all work the same way).
    return Q(RawSQL(SEARCH_SQL, (tsquery,), output_field=BooleanField()))  # noqa: S611


def _search_condition(text: str) -> Q:
    terms = _search_terms(text)
    if not terms:
        return Q()
    if connection.vendor == "postgresql":
        return _tsquery_condition(_tsquery(terms))
    condition = Q()
    for term in terms:
        condition &= Q(title__icontains=term) | Q(description__icontains=term)
    return condition


def searches_text(filters: CastingFilters) -> bool:
    """Whether `filters` search the text (a search with at least one word): such a list's
    total is counted up to `PAGINATION_SEARCH_COUNT_CAP`, like the catalogue's search."""
    return bool(filters.search and _search_terms(filters.search))


def casting_filters_condition(filters: CastingFilters) -> Q:
    """The list's filters (all but `status` and `ordering`) as one condition on `Casting`.

    `GET /castings` filters with it, and saved searches (docs/SEARCHES.md) evaluate it for many
    searches in one query, so a search matches exactly what its list query returns.
    """
    condition = Q()
    if filters.city:
        condition &= Q(city__iexact=filters.city.strip())
    if filters.category:
        condition &= Q(category=filters.category)
    if filters.gender:
        # A casting that requires no gender is open to everyone (docs/API.md §6).
        condition &= Q(required_gender=filters.gender) | Q(required_gender__isnull=True)
    # Ranges overlap: the casting's [min, max] (open where NULL) meets the asked [min, max].
    if filters.min_age is not None:
        condition &= Q(max_age__isnull=True) | Q(max_age__gte=filters.min_age)
    if filters.max_age is not None:
        condition &= Q(min_age__isnull=True) | Q(min_age__lte=filters.max_age)
    if filters.min_height is not None:
        condition &= Q(max_height__isnull=True) | Q(max_height__gte=filters.min_height)
    if filters.max_height is not None:
        condition &= Q(min_height__isnull=True) | Q(min_height__lte=filters.max_height)
    if filters.experience:
        # Castings whose required experience this level meets.
        rank = EXPERIENCE_RANK[filters.experience]
        allowed = [level for level, value in EXPERIENCE_RANK.items() if value <= rank]
        condition &= Q(required_experience__isnull=True) | Q(required_experience__in=allowed)
    if filters.pay_min is not None:
        condition &= Q(pay_max__gte=filters.pay_min)
    if filters.search:
        condition &= _search_condition(filters.search)
    return condition


def _apply_filters(queryset: QuerySet[Casting], filters: CastingFilters) -> QuerySet[Casting]:
    return queryset.filter(casting_filters_condition(filters))


def _apply_ordering(
    queryset: QuerySet[Casting, CardRow], ordering: str | None
) -> QuerySet[Casting, CardRow]:
    if not ordering:
        return queryset.order_by("-created_at", "-id")
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    column = F(field)
    expression = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return queryset.order_by(expression, "-id")


# ------------------------------------------------------------------------------------------
# Castings
# ------------------------------------------------------------------------------------------
def casting_list_public_base(*, status: str = CastingStatus.ACTIVE) -> QuerySet[Casting]:
    """Every casting the public list shows for `status`, before the list's filters."""
    return (
        Casting.objects.alive()
        .filter(status=status, is_hidden=False)
        .exclude(owner_id__in=inactive_user_ids())  # banned owners' castings disappear
    )


def casting_list_public(*, user: Any, filters: CastingFilters) -> QuerySet[Casting, CardRow]:
    """The catalogue: active castings, or completed/cancelled ones when `status` asks.

    Drafts are never listed here, not even the caller's own (they are in `/castings/my`).
    """
    status = filters.status or CastingStatus.ACTIVE
    if status not in PUBLIC_STATUSES:
        return _card_rows(Casting.objects.none())
    queryset = _apply_filters(casting_list_public_base(status=status), filters)
    return on_replica(_apply_ordering(_card_rows(queryset), filters.ordering))


def casting_list_public_cards(*, filters: CastingFilters) -> QuerySet[Casting, CardRow] | BoundList:
    """`casting_list_public` (for any caller: visibility does not depend on one) on
    PostgreSQL compiled once per set of present filters, their values bound
    (`mwork.db.compiled_list`): what `GET /castings` pages."""
    status = filters.status or CastingStatus.ACTIVE
    if connection.vendor != "postgresql" or status not in PUBLIC_STATUSES:
        return casting_list_public(user=None, filters=filters)
    terms = _search_terms(filters.search) if filters.search else []
    return _public_cards_query(
        status,
        filters.category or None,
        filters.gender or None,
        filters.experience or None,
        filters.ordering or None,
        city=filters.city.strip() if filters.city else None,
        min_age=filters.min_age,
        max_age=filters.max_age,
        min_height=filters.min_height,
        max_height=filters.max_height,
        pay_min=filters.pay_min,
        tsquery=_tsquery(terms) if terms else None,
    )


@compiled_list
def _public_cards_query(
    status: str,
    category: str | None,
    gender: str | None,
    experience: str | None,
    ordering: str | None,
    *,
    city: str | None,
    min_age: int | None,
    max_age: int | None,
    min_height: int | None,
    max_height: int | None,
    pay_min: int | None,
    tsquery: str | None,
) -> QuerySet[Casting, CardRow]:
    # The same query as `casting_list_public`: the search (last of the filters there too) as
    # the words' tsquery, bound like the other values.
    filters = CastingFilters(
        city=city,
        category=category,
        gender=gender,
        min_age=min_age,
        max_age=max_age,
        min_height=min_height,
        max_height=max_height,
        experience=experience,
        pay_min=pay_min,
    )
    condition = casting_filters_condition(filters)
    if tsquery is not None:
        condition &= _tsquery_condition(tsquery)
    queryset = casting_list_public_base(status=status).filter(condition)
    return on_replica(_apply_ordering(_card_rows(queryset), ordering))


def casting_list_owned(*, user: Any, status: str | None = None) -> QuerySet[Casting, CardRow]:
    """The castings of the caller's organization, drafts and hidden ones included, newest
    first."""
    queryset = Casting.objects.alive().filter(_owned_by(user))
    if status:
        queryset = queryset.filter(status=status)
    return _card_rows(queryset).order_by("-created_at", "-id")


def casting_list_saved(*, user: Any) -> QuerySet[Casting, CardRow]:
    """Castings the caller saved and may still see, most recently saved first."""
    saved_at = SavedCasting.objects.filter(user_id=user.id, casting_id=OuterRef("pk")).values(
        "created_at"
    )[:1]
    queryset = (
        Casting.objects.alive()
        .filter(_visible_to(user), saves__user_id=user.id)
        .annotate(saved_at=Subquery(saved_at))
    )
    return _card_rows(queryset.order_by("-saved_at", "-id"))


# ------------------------------------------------------------------------------------------
# Single-row reads compiled once
# ------------------------------------------------------------------------------------------
# "The visible casting with this id" (visibility, and for the card the applicant-count
# subquery and the employer join) is read on every detail and apply request; its SQL depends
# only on the caller's role, so it is compiled once per role (`mwork.db.compiled_once`).
def _visible_castings(
    role: str | None, user_id: uuid.UUID | None, casting_id: uuid.UUID
) -> QuerySet[Casting]:
    """The casting `casting_id` if a caller of `role` (None: anonymous) may see it."""
    return Casting.objects.alive().filter(_visible_to_id(role, user_id), id=casting_id)


@compiled_once
def _visible_casting_query(
    role: str | None, card: bool, *, casting_id: uuid.UUID, user_id: uuid.UUID
) -> QuerySet[Casting, Any]:
    queryset = _visible_castings(role, user_id, casting_id)
    return (_card_rows(queryset) if card else queryset).order_by()


@compiled_once
def _public_casting_query(card: bool, *, casting_id: uuid.UUID) -> QuerySet[Casting, Any]:
    queryset = _visible_castings(None, None, casting_id)
    return (_card_rows(queryset) if card else queryset).order_by()


def _visible_casting(*, user: Any, casting_id: uuid.UUID, card: bool) -> Casting:
    role = _caller_role(user)
    if role is None:
        casting = _public_casting_query(card).first(casting_id=casting_id)
    else:
        casting = _visible_casting_query(role, card).first(casting_id=casting_id, user_id=user.pk)
    if casting is None:
        raise NotFound(_("Casting not found."))
    return casting


def casting_get(*, user: Any, casting_id: uuid.UUID) -> Casting:
    """A casting the caller may see (its own columns, for services); NotFound otherwise."""
    return _visible_casting(user=user, casting_id=casting_id, card=False)


def casting_get_card(*, user: Any, casting_id: uuid.UUID) -> CardRow:
    """The card row (CARD_KEYS) of a casting the caller may see; NotFound otherwise."""
    casting = _visible_casting(user=user, casting_id=casting_id, card=True)
    return {key: getattr(casting, key) for key in CARD_KEYS}


def casting_reference(*, card: CardRow) -> Casting:
    """A Casting standing for a card row, for callers that take the model (analytics).

    It holds the id and owner only; every other field is deferred, so reading one later costs a
    query rather than returning a wrong default. Saves loading a second copy of the row.
    """
    return Casting.from_db(DEFAULT_DB_ALIAS, ["id", "owner_id"], [card["id"], card["owner_id"]])


def casting_get_for_owner(*, user: Any, casting_id: uuid.UUID) -> Casting:
    """A casting of the caller's organization (its owner or a manager of the owner's
    organization): NotFound when invisible, PermissionDenied when not theirs. Every owner check
    of castings, responses and casting chats goes through `agencies.selectors.user_acts_for`.
    """
    casting = casting_get(user=user, casting_id=casting_id)
    if not user_acts_for(user=user, owner_id=casting.owner_id):
        raise PermissionDenied(_("Only the owner of this casting can do that."))
    return casting


# ------------------------------------------------------------------------------------------
# Responses
# ------------------------------------------------------------------------------------------
RESPONSE_ORDERINGS = {
    "created_at": ("applied_at", "id"),
    "-created_at": ("-applied_at", "-id"),
    "rating": ("model_profile__rating", "-applied_at", "-id"),
    "-rating": ("-model_profile__rating", "-applied_at", "-id"),
}


class _Invited(TypedDict):
    invited: bool  # the model was invited to the casting too


@dataclass(frozen=True)
class ResponseFilters:
    """The owner's filters on a casting's responses (`GET /castings/{id}/responses`)."""

    status: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    city: str | None = None
    has_note: bool | None = None
    ordering: str | None = None


def response_list_for_casting(
    *, casting: Casting, status: str | None = None, filters: ResponseFilters | None = None
) -> QuerySet[WithAnnotations[Response, _Invited]]:
    """Applications to a casting for its owner and team, with the team's private note; withdrawn
    ones only when asked by `status`. Filters on the applicant (age, height, city), on having
    a note, and ordering by `created_at` (applied) or the applicant's `rating`.

    Applicants blocked with the owner (either direction) are left out.
    """
    filters = filters or ResponseFilters(status=status)
    status = filters.status or status
    queryset = Response.objects.filter(casting_id=casting.id).exclude(
        model_profile__user_id__in=blocked_user_ids_subquery(user_id=casting.owner_id)
    )
    if status:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.exclude(status=ResponseStatus.WITHDRAWN)
    bounds = {
        "model_profile__age__gte": filters.min_age,
        "model_profile__age__lte": filters.max_age,
        "model_profile__height__gte": filters.min_height,
        "model_profile__height__lte": filters.max_height,
    }
    queryset = queryset.filter(**{key: value for key, value in bounds.items() if value is not None})
    if filters.city:
        queryset = queryset.filter(model_profile__city__iexact=filters.city.strip())
    if filters.has_note is not None:
        queryset = queryset.filter(owner_note__isnull=not filters.has_note)
    ordering = RESPONSE_ORDERINGS[filters.ordering or "-created_at"]  # the query's ChoiceField
    invited = CastingInvite.objects.filter(
        casting_id=OuterRef("casting_id"), model_profile_id=OuterRef("model_profile_id")
    )
    return (
        queryset.annotate(invited=Exists(invited))
        .select_related(
            "model_profile", "submitted_by", "submitted_by__employer_profile", "owner_note"
        )
        .order_by(*ordering)
    )


RESPONSE_EXPORT_COLUMNS = (
    "response_id",
    "status",
    "applied_at",
    "model_id",
    "name",
    "age",
    "height",
    "city",
    "rating",
    "matches_requirements",
    "invited",
    "submitted_by",
    "note",
    "message",
    "portfolio_links",
)
RESPONSE_EXPORT_MAX_ROWS = 10_000


def response_export_rows(*, casting: Casting, filters: ResponseFilters) -> list[dict[str, Any]]:
    """The filtered responses of a casting as CSV rows (RESPONSE_EXPORT_COLUMNS), at most
    RESPONSE_EXPORT_MAX_ROWS. The export is a BUSINESS feature of the casting's organization
    (its owner's plan): SubscriptionLimitExceeded (`{"feature": "responses_export"}`)
    otherwise."""
    if entitlements_for(casting.owner).plan != "BUSINESS":
        raise SubscriptionLimitExceeded(
            _("Exporting responses needs the BUSINESS plan."),
            details={"feature": "responses_export", "required_plan": "BUSINESS"},
        )
    rows = []
    queryset = response_list_for_casting(casting=casting, filters=filters)
    for response in queryset[:RESPONSE_EXPORT_MAX_ROWS]:
        profile = response.model_profile
        note = getattr(response, "owner_note", None) if _has_note(response) else None
        rows.append(
            {
                "response_id": str(response.id),
                "status": response.status,
                "applied_at": response.applied_at.isoformat(),
                "model_id": str(profile.id),
                "name": profile.name,
                "age": profile.age,
                "height": profile.height,
                "city": profile.city,
                "rating": profile.rating,
                "matches_requirements": response_matches_requirements(
                    casting=casting, profile=profile
                ),
                "invited": response.invited,
                "submitted_by": (
                    user_display(response.submitted_by)["name"] if response.submitted_by else ""
                ),
                "note": note.text if note is not None else "",
                "message": response.message,
                "portfolio_links": " ".join(response.portfolio_links or []),
            }
        )
    return rows


def _has_note(response: Response) -> bool:
    try:
        response.owner_note  # noqa: B018 - select_related reverse one-to-one
    except ObjectDoesNotExist:
        return False
    return True


def _model_visible_status(status: str) -> Q:
    """Responses the model sees with `status`: an untold shortlist reads pending."""
    untold = Q(status=ResponseStatus.SHORTLISTED, shortlist_shared=False)
    if status == ResponseStatus.PENDING:
        return Q(status=ResponseStatus.PENDING) | untold
    if status == ResponseStatus.SHORTLISTED:
        return Q(status=ResponseStatus.SHORTLISTED, shortlist_shared=True)
    return Q(status=status)


def response_list_for_model(*, user: Any, status: str | None = None) -> QuerySet[Response]:
    """The caller's own applications with their castings' card data, newest first; `status`
    as the model sees it (`Response.status_for_model`)."""
    queryset = Response.objects.filter(model_profile__user_id=user.id)
    if status:
        queryset = queryset.filter(_model_visible_status(status))
    return queryset.select_related(
        "casting", "casting__owner", "casting__owner__employer_profile"
    ).order_by("-applied_at", "-id")


def response_get_for_casting_owner(*, user: Any, response_id: uuid.UUID) -> Response:
    """A response to one of the caller's castings; the applicant gets 403, others 404."""
    response = _response_get(response_id=response_id)
    if user_acts_for(user=user, owner_id=response.casting.owner_id):
        return response
    if response.model_profile.user_id == user.id:
        raise PermissionDenied(_("Only the owner of the casting can change this response."))
    raise NotFound(_("Response not found."))


def response_get_for_applicant(*, user: Any, response_id: uuid.UUID) -> Response:
    """The caller's own response; the casting owner gets 403, others 404."""
    response = _response_get(response_id=response_id)
    if response.model_profile.user_id == user.id:
        return response
    if response.casting.owner_id == user.id:
        raise PermissionDenied(_("Only the applicant can withdraw this response."))
    raise NotFound(_("Response not found."))


def _response_get(*, response_id: uuid.UUID) -> Response:
    response = (
        Response.objects.select_related("casting", "model_profile", "model_profile__user")
        .filter(id=response_id, casting__deleted_at__isnull=True)
        .first()
    )
    if response is None:
        raise NotFound(_("Response not found."))
    return response


class _AlreadyApplied(TypedDict):
    already_applied: bool


@compiled_once
def _applicant_query(
    *, casting_id: uuid.UUID, user_id: uuid.UUID
) -> QuerySet[WithAnnotations[ModelProfile, _AlreadyApplied]]:
    applied = Response.objects.filter(casting_id=casting_id, model_profile_id=OuterRef("pk"))
    return (
        ModelProfile.objects.filter(user_id=user_id)
        .annotate(already_applied=Exists(applied))
        .only("id", "user_id", "name")
        .order_by()
    )


def applicant_profile_get(
    *, user: Any, casting_id: uuid.UUID
) -> WithAnnotations[ModelProfile, _AlreadyApplied] | None:
    """The caller's model profile (id, user, name; the rest deferred) with `already_applied`:
    whether it has a response to the casting, whatever its status. None without a profile.

    One query for what apply checks first, compiled once (`mwork.db`).
    """
    return _applicant_query().first(casting_id=casting_id, user_id=user.pk)


class _Applicant(TypedDict):
    applicant_profile_id: uuid.UUID | None
    applicant_name: str | None
    already_applied: bool
    applicant_plan: Any


# Apply reads the casting and the applicant's profile (with whether it already applied) in one
# statement: the round trip of a second read cost more than its execution (docs/PERFORMANCE.md,
# "Apply in fewer round trips"). The profile columns come as subqueries on its unique user_id.
@compiled_once
def _casting_to_apply_query(
    role: str | None, *, casting_id: uuid.UUID, user_id: uuid.UUID, now: datetime.datetime
) -> QuerySet[WithAnnotations[Casting, _Applicant]]:
    profile = ModelProfile.objects.filter(user_id=user_id).order_by()
    applied = Response.objects.filter(casting_id=OuterRef("pk"), model_profile__user_id=user_id)
    return (
        _visible_castings(role, user_id, casting_id)
        .annotate(
            applicant_profile_id=Subquery(profile.values("id")[:1]),
            applicant_name=Subquery(profile.values("name")[:1]),
            already_applied=Exists(applied),
            # the plan the apply is counted against, read here rather than in a query of its
            # own (billing.entitlements.consume_response)
            applicant_plan=current_plan_json(user_id=user_id, now=now),
        )
        .order_by()
    )


def casting_get_to_apply(
    *, user: Any, casting_id: uuid.UUID
) -> tuple[Casting, WithAnnotations[ModelProfile, _AlreadyApplied] | None]:
    """`casting_get` and `applicant_profile_get` in one query, for a signed-in caller: the
    visible casting (NotFound otherwise) and the caller's model profile (id, user, name; the
    rest deferred) with `already_applied`, or None without a profile. The casting row also
    carries the caller's current paid plan as `applicant_plan`
    (`billing.entitlements.current_plan_json`: JSON, None without one)."""
    row = _casting_to_apply_query(_caller_role(user)).first(
        casting_id=casting_id, user_id=user.pk, now=timezone.now()
    )
    if row is None:
        raise NotFound(_("Casting not found."))
    if row.applicant_profile_id is None:
        return row, None
    profile = ModelProfile.from_db(
        DEFAULT_DB_ALIAS,
        ["id", "user_id", "name"],
        [row.applicant_profile_id, user.pk, row.applicant_name],
    )
    profile.already_applied = row.already_applied  # type: ignore[attr-defined]
    return row, profile  # type: ignore[return-value]


def response_matches_requirements(*, casting: Casting, profile: Any) -> bool:
    """Does the model profile meet every requirement of the casting? (no query)"""
    if casting.required_gender and getattr(profile, "gender", None) != casting.required_gender:
        return False
    age = getattr(profile, "age", None)
    if casting.min_age is not None and (age is None or age < casting.min_age):
        return False
    if casting.max_age is not None and (age is None or age > casting.max_age):
        return False
    height = getattr(profile, "height", None)
    if casting.min_height is not None and (height is None or height < casting.min_height):
        return False
    if casting.max_height is not None and (height is None or height > casting.max_height):
        return False
    if casting.required_experience:
        experience = getattr(profile, "experience", None)
        if experience not in EXPERIENCE_RANK:
            return False
        return EXPERIENCE_RANK[experience] >= EXPERIENCE_RANK[casting.required_experience]
    return True


def model_profiles_matching_casting(*, casting: Casting) -> QuerySet[ModelProfile]:
    """Visible model profiles in the casting's city that meet its requirements (for new_casting).

    The SQL twin of `response_matches_requirements`.
    """
    queryset = visible_model_profiles().filter(city__iexact=casting.city)
    if casting.required_gender:
        queryset = queryset.filter(gender=casting.required_gender)
    if casting.min_age is not None:
        queryset = queryset.filter(age__gte=casting.min_age)
    if casting.max_age is not None:
        queryset = queryset.filter(age__lte=casting.max_age)
    if casting.min_height is not None:
        queryset = queryset.filter(height__gte=casting.min_height)
    if casting.max_height is not None:
        queryset = queryset.filter(height__lte=casting.max_height)
    if casting.required_experience:
        rank = EXPERIENCE_RANK[casting.required_experience]
        queryset = queryset.filter(
            experience__in=[level for level, value in EXPERIENCE_RANK.items() if value >= rank]
        )
    return queryset


# ------------------------------------------------------------------------------------------
# Auditions
# ------------------------------------------------------------------------------------------
def _auditions() -> QuerySet[Audition]:
    return Audition.objects.filter(response__casting__deleted_at__isnull=True).select_related(
        "response__casting__owner__employer_profile", "response__model_profile"
    )


def audition_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[Audition]:
    """The caller's auditions, soonest first: a model's invitations, or those of the castings
    of the caller's organization (owner and managers)."""
    if getattr(user, "role", None) in ("employer", "agency"):
        queryset = _auditions().filter(
            Q(response__casting__owner_id=user.id)
            | Q(response__casting__owner_id__in=managed_owner_ids(user_id=user.id))
        )
    else:
        queryset = _auditions().filter(response__model_profile__user_id=user.id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("starts_at", "id")


def _audition_get(audition_id: uuid.UUID) -> Audition:
    audition = _auditions().filter(id=audition_id).first()
    if audition is None:
        raise NotFound(_("Audition not found."))
    return audition


def audition_get_for_team(*, user: Any, audition_id: uuid.UUID) -> Audition:
    """An audition of a casting of the caller's organization; the invited model gets
    PermissionDenied, everyone else NotFound."""
    audition = _audition_get(audition_id)
    if user_acts_for(user=user, owner_id=audition.response.casting.owner_id):
        return audition
    if audition.response.model_profile.user_id == user.id:
        raise PermissionDenied(_("Only the casting's team can change this audition."))
    raise NotFound(_("Audition not found."))


def audition_get_for_model(*, user: Any, audition_id: uuid.UUID) -> Audition:
    """An audition the caller (a model) was invited to; the casting's team gets
    PermissionDenied, everyone else NotFound."""
    audition = _audition_get(audition_id)
    if audition.response.model_profile.user_id == user.id:
        return audition
    if user_acts_for(user=user, owner_id=audition.response.casting.owner_id):
        raise PermissionDenied(_("Only the invited model can answer this audition."))
    raise NotFound(_("Audition not found."))
