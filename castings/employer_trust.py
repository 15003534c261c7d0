"""Two-way trust: models review employers, and the employer's figures (docs/TRUST.md).

`profiles` sits below `castings`, so everything that reads castings and responses lives here
and writes denormalised figures down into `profiles.EmployerProfile`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from castings.models import Casting, CastingStatus, EmployerReview, Response, ResponseStatus
from mwork.api.exceptions import Conflict, InvalidState, PermissionDenied
from profiles.models import EmployerProfile

RESPONSE_RATE_WINDOW = timedelta(days=90)
RESPONSE_RATE_DEADLINE = timedelta(days=7)
ROLLUP_BATCH_SIZE = 500
TWO_PLACES = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Reviews of employers
# ---------------------------------------------------------------------------------------------
def employer_review_list(*, employer: EmployerProfile) -> QuerySet[EmployerReview]:
    """Reviews of an employer, newest first, with the author's model profile for the card."""
    return EmployerReview.objects.filter(employer=employer).select_related(
        "author__model_profile", "casting"
    )


def _refresh_employer_rating(employer_id: Any) -> None:
    stats = EmployerReview.objects.filter(employer_id=employer_id).aggregate(
        average=Avg("rating"), count=Count("id")
    )
    average = Decimal(str(stats["average"] or 0)).quantize(TWO_PLACES, ROUND_HALF_UP)
    EmployerProfile.objects.filter(pk=employer_id).update(
        rating=average, reviews_count=stats["count"]
    )


def employer_review_create(
    *,
    author: Any,
    employer: EmployerProfile,
    rating: int,
    comment: str = "",
    casting_id: Any = None,
    now: datetime | None = None,
) -> EmployerReview:
    """A model reviews an employer whose casting accepted them, once the shoot date passed.

    Without `casting_id` the review is of the latest such casting not yet reviewed.
    Raises PermissionDenied when the author has no accepted response to a (not cancelled)
    casting of this employer (to `casting_id` when given), InvalidState when every such
    shoot is still to come, and Conflict when every eligible casting is already reviewed.
    The employer's `rating` and `reviews_count` follow in the same transaction, with the
    employer row locked.
    """
    now = now or timezone.now()
    accepted = Response.objects.filter(
        model_profile__user_id=author.id,
        casting__owner_id=employer.user_id,
        status=ResponseStatus.ACCEPTED,
    ).exclude(casting__status=CastingStatus.CANCELLED)
    if casting_id is not None:
        accepted = accepted.filter(casting_id=casting_id)
    shoots = list(
        accepted.order_by("-casting__shoot_date").values_list("casting_id", "casting__shoot_date")
    )
    if not shoots:
        raise PermissionDenied(
            _("You can review an employer only after they accepted your response.")
        )
    passed = [casting for casting, shoot_date in shoots if shoot_date <= now]
    if not passed:
        raise InvalidState(_("You can review this employer once the shoot date has passed."))
    with transaction.atomic():
        EmployerProfile.objects.select_for_update().filter(pk=employer.pk).first()
        reviewed = set(
            EmployerReview.objects.filter(author_id=author.id, casting_id__in=passed).values_list(
                "casting_id", flat=True
            )
        )
        remaining = [casting for casting in passed if casting not in reviewed]
        if not remaining:
            raise Conflict(_("You have already reviewed this employer for this casting."))
        try:
            with transaction.atomic():
                review = EmployerReview.objects.create(
                    employer=employer,
                    casting_id=remaining[0],
                    author=author,
                    rating=rating,
                    comment=comment,
                )
        except IntegrityError:
            raise Conflict(_("You have already reviewed this employer for this casting.")) from None
        _refresh_employer_rating(employer.pk)
    return review


def employer_review_delete(*, review: EmployerReview) -> None:
    """Staff: remove a review; the employer's rating and count follow in the same transaction."""
    with transaction.atomic():
        EmployerProfile.objects.select_for_update().filter(pk=review.employer_id).first()
        review.delete()
        _refresh_employer_rating(review.employer_id)


# ---------------------------------------------------------------------------------------------
# The nightly rollup: castings_posted and response_rate
# ---------------------------------------------------------------------------------------------
def _response_rate_counts(*, owner_ids: list[Any], now: datetime) -> dict[Any, tuple[int, int]]:
    """{owner id: (judged, answered in time)} over the window, in one grouped query.

    Judged: applied within the last 90 days, and either answered or older than 7 days (a
    younger pending response still has time); withdrawn before any answer is not judged.
    """
    in_time = Q(
        answered_at__isnull=False, answered_at__lte=F("applied_at") + RESPONSE_RATE_DEADLINE
    )
    rows = (
        Response.objects.filter(
            casting__owner_id__in=owner_ids,
            applied_at__gte=now - RESPONSE_RATE_WINDOW,
            applied_at__lte=now,
        )
        .filter(Q(applied_at__lte=now - RESPONSE_RATE_DEADLINE) | Q(answered_at__isnull=False))
        .exclude(status=ResponseStatus.WITHDRAWN, answered_at__isnull=True)
        .values("casting__owner_id")
        .annotate(judged=Count("id"), answered=Count("id", filter=in_time))
        .order_by()
    )
    return {row["casting__owner_id"]: (row["judged"], row["answered"]) for row in rows}


def _castings_posted(*, owner_ids: list[Any]) -> dict[Any, int]:
    rows = (
        Casting.objects.alive()
        .filter(owner_id__in=owner_ids, published_at__isnull=False)
        .values("owner_id")
        .annotate(posted=Count("id"))
        .order_by()
    )
    return {row["owner_id"]: row["posted"] for row in rows}


def employer_stats_rollup(
    *, now: datetime | None = None, batch_size: int = ROLLUP_BATCH_SIZE
) -> int:
    """Write `castings_posted`, `response_rate` and `stats_updated_at` of every employer
    profile, in batches of `batch_size` profiles (keyset on id): three queries per batch,
    whatever the number of castings and responses. Returns the number of profiles written.

    `response_rate` = answered in time / judged (see `_response_rate_counts`), two places,
    NULL when nothing is judged.
    """
    now = now or timezone.now()
    written, last_id = 0, None
    while True:
        page = EmployerProfile.objects.order_by("pk")
        if last_id is not None:
            page = page.filter(pk__gt=last_id)
        batch = list(page.only("pk", "user_id")[:batch_size])
        if not batch:
            return written
        owner_ids = [profile.user_id for profile in batch]
        rates = _response_rate_counts(owner_ids=owner_ids, now=now)
        posted = _castings_posted(owner_ids=owner_ids)
        for profile in batch:
            judged, answered = rates.get(profile.user_id, (0, 0))
            profile.response_rate = (
                (Decimal(answered) / Decimal(judged)).quantize(TWO_PLACES, ROUND_HALF_UP)
                if judged
                else None
            )
            profile.castings_posted = posted.get(profile.user_id, 0)
            profile.stats_updated_at = now
        EmployerProfile.objects.bulk_update(
            batch, ["response_rate", "castings_posted", "stats_updated_at"]
        )
        written += len(batch)
        last_id = batch[-1].pk
