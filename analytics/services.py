"""Writes of analytics: recording views (from the detail pages) and the daily rollup (beat).

Recording never raises: it runs after the detail page's answer is built, and neither Redis nor
the database being unwell while counting a view may turn a good page into an error.

Two ways to record, chosen per call by `settings.ANALYTICS_VIEWS_BUFFERED` (on when Redis is
configured):
- Buffered (production): the request only appends one compact JSON record to a Redis list (one
  round trip, no SQL, no COMMIT). `views_flush` moves the list into the raw view tables in
  batches: the beat job every `ANALYTICS_VIEWS_FLUSH_SECONDS`, and the dashboard and the rollup
  before they count, so what they read includes views recorded a moment ago. The organization
  check of casting views (a query) runs there too, once per batch instead of once per GET.
- Synchronous (no Redis: `make run`, the SQLite suite; or Redis failing right now): one
  `INSERT … ON CONFLICT DO NOTHING`, under a savepoint inside an open transaction so a failed
  insert cannot break it. There is no process to drain a local-memory buffer in the embedded
  setup (eager Celery, no beat), and one writer on SQLite gains nothing from deferring.

Either way a view is stored at most once per viewer, object and Almaty day: the unique
constraints do the deduplication, so a record drained twice is harmless.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis import Redis
from redis.exceptions import RedisError

from accounts.models import User
from agencies.selectors import EMPLOYER_ROLES, managed_owner_ids, user_acts_for
from analytics.models import (
    CastingView,
    DailyViewStat,
    Dimension,
    ProfileView,
    RollupState,
    ViewKind,
)
from castings.models import Casting
from profiles.models import ModelProfile

logger = logging.getLogger(__name__)

UNKNOWN_CITY = "unknown"
ANONYMOUS_ROLE = "anonymous"

# Raw Redis keys (the cache's KEY_PREFIX does not apply to the raw client).
BUFFER_KEY = "mwork:analytics:views"
FLUSH_LOCK_KEY = "mwork:analytics:views:flush-lock"
# A drain holds the lock at most this long (it is advisory: pops are atomic without it).
FLUSH_LOCK_SECONDS = 60
FLUSH_BATCH_SIZE = 500
# A record whose batch failed to store is pushed back this many times, then logged and dropped.
MAX_ATTEMPTS = 3

_PROFILE, _CASTING = "p", "c"

# The two raw view tables: the same columns but for the object's.
_View = TypeVar("_View", ProfileView, CastingView)
# A day's views of one object, owner, viewer city and role: (object id, owner id, city, role,
# views).
_GroupedViews = tuple[Any, Any, str, str, int]


def platform_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the platform's time zone (Asia/Almaty): views are counted per local day."""
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    return (now or timezone.now()).astimezone(zone).date()


def _is_signed_in(viewer: Any) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False)


def _viewer_key(*, viewer: Any, address: str, day: dt.date) -> str:
    if _is_signed_in(viewer):
        return f"u:{viewer.pk}"
    # The salt includes the day: the same address gives unrelated keys on different days.
    digest = salted_hmac(f"analytics.viewer.{day.isoformat()}", address, algorithm="sha256")
    return f"a:{digest.hexdigest()[:40]}"


def _redis() -> Redis:
    from django_redis import get_redis_connection

    client: Redis = get_redis_connection("default")
    return client


# ---------------------------------------------------------------------------------------------
# Recording (request path)
# ---------------------------------------------------------------------------------------------
@dataclass
class _BufferedView:
    """One view waiting in the Redis buffer: the row to be, as a compact JSON array."""

    kind: str
    object_id: str
    viewer_id: str | None
    viewer_key: str
    day: dt.date
    created_at: dt.datetime
    attempts: int

    @classmethod
    def parse(cls, raw: bytes | str) -> _BufferedView | None:
        try:
            kind, object_id, viewer_id, viewer_key, day, stamp, attempts = json.loads(raw)
            return cls(
                kind=kind,
                object_id=object_id,
                viewer_id=viewer_id,
                viewer_key=viewer_key,
                day=dt.date.fromisoformat(day),
                created_at=dt.datetime.fromtimestamp(stamp, tz=dt.UTC),
                attempts=int(attempts),
            )
        except (ValueError, TypeError):
            logger.error("Dropped an unreadable buffered view: %r", raw)
            return None

    def dump(self) -> str:
        record = [
            self.kind,
            self.object_id,
            self.viewer_id,
            self.viewer_key,
            self.day.isoformat(),
            self.created_at.timestamp(),
            self.attempts,
        ]
        return json.dumps(record, separators=(",", ":"))


def _record_now(model: type[_View], **fields: Any) -> None:
    row = model(**fields)
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                model.objects.bulk_create([row], ignore_conflicts=True)
        else:
            model.objects.bulk_create([row], ignore_conflicts=True)
    except DatabaseError:
        logger.warning("Could not record a %s", model.__name__, exc_info=True)


def _buffer(view: _BufferedView) -> bool:
    """Append one view to the Redis buffer; False when the buffer is off or Redis failing."""
    if not settings.ANALYTICS_VIEWS_BUFFERED:
        return False
    try:
        _redis().rpush(BUFFER_KEY, view.dump())
    except (RedisError, OSError):
        logger.warning("Could not buffer a view; recording it synchronously", exc_info=True)
        return False
    return True


def _record(kind: str, *, object_id: Any, viewer: Any, address: str) -> dict[str, Any] | None:
    """Buffer the view; return the row's fields when it must be written synchronously."""
    now = timezone.now()
    day = platform_today(now)
    viewer_id = viewer.pk if _is_signed_in(viewer) else None
    # Only the salted key goes to Redis, never the address.
    viewer_key = _viewer_key(viewer=viewer, address=address, day=day)
    view = _BufferedView(
        kind=kind,
        object_id=str(object_id),
        viewer_id=str(viewer_id) if viewer_id else None,
        viewer_key=viewer_key,
        day=day,
        created_at=now,
        attempts=0,
    )
    if _buffer(view):
        return None
    return {"viewer_id": viewer_id, "viewer_key": viewer_key, "day": day, "created_at": now}


def view_record_profile(*, profile: Any, viewer: Any, address: str) -> None:
    """Count a view of a model profile: once per viewer and Almaty day, never the owner's own.
    Raises nothing. Buffered in Redis when configured (stored by `views_flush`)."""
    if _is_signed_in(viewer) and viewer.pk == profile.user_id:
        return
    fields = _record(_PROFILE, object_id=profile.pk, viewer=viewer, address=address)
    if fields is not None:
        _record_now(ProfileView, profile_id=profile.pk, **fields)


def view_record_casting(*, casting: Any, viewer: Any, address: str) -> None:
    """Count a view of a casting: once per viewer and Almaty day, never by its organization
    (owner or managers). Raises nothing. Buffered in Redis when configured: the owner is left
    out here, the organization's managers when the buffer is stored (`views_flush`)."""
    signed_in = _is_signed_in(viewer)
    if signed_in and str(viewer.pk) == str(casting.owner_id):
        return
    fields = _record(_CASTING, object_id=casting.pk, viewer=viewer, address=address)
    if fields is None:
        return
    if signed_in:
        try:
            if user_acts_for(user=viewer, owner_id=casting.owner_id):
                return
        except DatabaseError:
            logger.warning("Could not check a casting viewer", exc_info=True)
            return
    _record_now(CastingView, casting_id=casting.pk, **fields)


# ---------------------------------------------------------------------------------------------
# Flushing the buffer (beat job, dashboard, rollup)
# ---------------------------------------------------------------------------------------------
def _rows(pending: list[_BufferedView]) -> tuple[list[ProfileView], list[CastingView]]:
    """The rows to insert: views of objects that still exist, minus casting views by the
    casting's organization. Three queries, plus one per employer who viewed castings."""
    profile_ids = {item.object_id for item in pending if item.kind == _PROFILE}
    casting_ids = {item.object_id for item in pending if item.kind == _CASTING}
    viewer_ids = {item.viewer_id for item in pending if item.viewer_id}
    profile_owners = {
        str(pk): str(owner)
        for pk, owner in ModelProfile.objects.filter(id__in=profile_ids).values_list(
            "id", "user_id"
        )
    }
    casting_owners = {
        str(pk): str(owner)
        for pk, owner in Casting.objects.filter(id__in=casting_ids).values_list("id", "owner_id")
    }
    roles = {
        str(pk): role
        for pk, role in User.objects.filter(id__in=viewer_ids).values_list("id", "role")
    }
    # Managers act for their organization's owner: one query per employer viewing castings
    # (`user_acts_for`'s rule, asked once per batch instead of on every GET).
    managers = {
        item.viewer_id
        for item in pending
        if item.kind == _CASTING and roles.get(item.viewer_id or "") in EMPLOYER_ROLES
    }
    acts_for = {
        viewer_id: {
            str(owner)
            for owner in managed_owner_ids(user_id=viewer_id).values_list(
                "organization__owner_id", flat=True
            )
        }
        for viewer_id in managers
    }

    profile_rows, casting_rows = [], []
    for item in pending:
        # A viewer deleted since then: the view stays, without its viewer (as SET_NULL does).
        viewer_id = item.viewer_id if item.viewer_id in roles else None
        common = {
            "viewer_id": viewer_id,
            "viewer_key": item.viewer_key,
            "day": item.day,
            "created_at": item.created_at,
        }
        if item.kind == _PROFILE:
            owner = profile_owners.get(item.object_id)
            if owner is not None and owner != item.viewer_id:
                profile_rows.append(ProfileView(profile_id=item.object_id, **common))
        elif item.kind == _CASTING:
            owner = casting_owners.get(item.object_id)
            if owner is None or owner == item.viewer_id:
                continue
            if owner in acts_for.get(item.viewer_id or "", ()):
                continue
            casting_rows.append(CastingView(casting_id=item.object_id, **common))
    return profile_rows, casting_rows


def _store(pending: list[_BufferedView]) -> bool:
    """Insert one batch (one transaction). False when the database refused it."""
    try:
        profile_rows, casting_rows = _rows(pending)
        with transaction.atomic():
            ProfileView.objects.bulk_create(profile_rows, ignore_conflicts=True)
            CastingView.objects.bulk_create(casting_rows, ignore_conflicts=True)
    except DatabaseError:
        logger.warning("Could not store %d buffered views", len(pending), exc_info=True)
        return False
    return True


def _give_back(client: Redis, pending: list[_BufferedView]) -> None:
    """Push a failed batch back for the next flush; records out of attempts are dropped."""
    retry: list[str] = []
    dropped = 0
    for item in pending:
        item.attempts += 1
        if item.attempts < MAX_ATTEMPTS:
            retry.append(item.dump())
        else:
            dropped += 1
    if dropped:
        logger.error("Dropped %d buffered views after %d attempts", dropped, MAX_ATTEMPTS)
    if retry:
        client.rpush(BUFFER_KEY, *retry)


def _drain(client: Redis, *, max_batches: int | None) -> int:
    """Move the buffer into the database, one `LPOP key count` batch at a time.

    The pop is atomic: concurrent drainers get disjoint batches, so none is lost or stored
    twice (and the unique constraints would absorb a double anyway). A worker killed between
    the pop and the commit loses that one batch; that is the price of one round trip per GET.
    Stops at the first failed batch (the database is probably down: retry on the next flush).
    """
    if max_batches is None:
        # What is there now (+1 for what arrives meanwhile): a flush ends even under a steady
        # stream of views, and the next one takes the rest.
        max_batches = client.llen(BUFFER_KEY) // FLUSH_BATCH_SIZE + 1
    # Leave before the lock expires (and well before Celery's soft time limit).
    deadline = time.monotonic() + FLUSH_LOCK_SECONDS / 2
    drained = 0
    for _ in range(max_batches):
        if time.monotonic() > deadline:
            break
        raw = client.lpop(BUFFER_KEY, FLUSH_BATCH_SIZE)
        if not isinstance(raw, list) or not raw:  # with a count: a list, or None when empty
            break
        pending = [item for item in map(_BufferedView.parse, raw) if item is not None]
        if not _store(pending):
            _give_back(client, pending)
            break
        drained += len(pending)
    return drained


def views_flush(*, wait_seconds: float = 0, max_batches: int | None = None) -> int:
    """Store the views buffered in Redis; returns how many records it took from the buffer
    (repeats and the organization's own views among them are dropped). No-op without the buffer.

    Drainers take turns on a Redis lock so a reader (dashboard, rollup) that waits for it
    (`wait_seconds`) sees the batches another drainer had popped already committed. Without
    the lock in time, it drains nothing and returns 0. Raises nothing.
    """
    if not settings.ANALYTICS_VIEWS_BUFFERED:
        return 0
    try:
        client = _redis()
        lock = client.lock(
            FLUSH_LOCK_KEY, timeout=FLUSH_LOCK_SECONDS, blocking_timeout=wait_seconds
        )
        if not lock.acquire(blocking=wait_seconds > 0):
            return 0
        try:
            return _drain(client, max_batches=max_batches)
        finally:
            try:
                lock.release()
            except RedisError:  # expired while draining: another drainer may hold it now
                logger.warning("The views flush lock expired before its release")
    except (RedisError, OSError):
        logger.warning("Could not flush the buffered views", exc_info=True)
        return 0


# ---------------------------------------------------------------------------------------------
# Rollup
# ---------------------------------------------------------------------------------------------
def viewer_city_expression() -> Coalesce:
    """The viewer's city from its profile ('' when anonymous or unknown)."""
    return Coalesce(
        NullIf(F("viewer__model_profile__city"), Value("")),
        NullIf(F("viewer__employer_profile__city"), Value("")),
        Value(""),
        output_field=CharField(),
    )


def viewer_role_expression() -> Coalesce:
    return Coalesce(F("viewer__role"), Value(ANONYMOUS_ROLE), output_field=CharField())


def normalize_city(city: str | None) -> str:
    city = (city or "").strip()
    return city.title()[:100] if city else UNKNOWN_CITY


def _grouped_views(model: type[_View], *, day: dt.date) -> list[_GroupedViews]:
    """Raw views of one day grouped by object, owner, viewer city and role."""
    if model is ProfileView:
        object_field, owner_field = "profile_id", "profile__user_id"
    else:
        object_field, owner_field = "casting_id", "casting__owner_id"
    return list(
        model.objects.filter(day=day)
        .annotate(city=viewer_city_expression(), role=viewer_role_expression())
        .values(object_field, owner_field, "city", "role")
        .annotate(views=Count("id"))
        .values_list(object_field, owner_field, "city", "role", "views")
        .order_by()
    )


def _stats_for_day(model: type[_View], kind: str, day: dt.date) -> list[DailyViewStat]:
    counts: dict[tuple[Any, Any, str, str], int] = defaultdict(int)
    for object_id, owner_id, city, role, views in _grouped_views(model, day=day):
        counts[(object_id, owner_id, Dimension.TOTAL, "")] += views
        counts[(object_id, owner_id, Dimension.CITY, normalize_city(city))] += views
        counts[(object_id, owner_id, Dimension.ROLE, role)] += views
    return [
        DailyViewStat(
            owner_id=owner_id,
            kind=kind,
            object_id=object_id,
            day=day,
            dimension=dimension,
            value=value,
            views=views,
        )
        for (object_id, owner_id, dimension, value), views in counts.items()
    ]


def _first_unrolled_day(state: RollupState, until: dt.date) -> dt.date:
    if state.rolled_through is not None:
        return state.rolled_through + dt.timedelta(days=1)
    earliest = [
        day
        for day in (
            ProfileView.objects.order_by("day").values_list("day", flat=True).first(),
            CastingView.objects.order_by("day").values_list("day", flat=True).first(),
        )
        if day is not None
    ]
    return min(earliest) if earliest else until


def views_rollup(*, now: dt.datetime | None = None) -> int:
    """Roll up every finished Almaty day not rolled up yet into `DailyViewStat`, then forget
    raw views older than `ANALYTICS_RAW_VIEW_RETENTION_DAYS` (already rolled up).

    Idempotent: a day's rows are replaced in one transaction together with the watermark
    (`RollupState.rolled_through`), under a lock on the state row, so overlapping runs neither
    double-count nor skip a day. Returns the number of days rolled up.
    """
    # Views of the days to roll up may still wait in the buffer (recorded before midnight).
    views_flush(wait_seconds=FLUSH_LOCK_SECONDS)
    today = platform_today(now)
    yesterday = today - dt.timedelta(days=1)
    RollupState.objects.get_or_create(id=1)
    rolled = 0
    while True:
        with transaction.atomic():
            state = RollupState.objects.select_for_update().get(id=1)
            day = _first_unrolled_day(state, until=today)
            if day > yesterday:
                break
            DailyViewStat.objects.filter(day=day).delete()
            DailyViewStat.objects.bulk_create(
                _stats_for_day(ProfileView, ViewKind.PROFILE, day)
                + _stats_for_day(CastingView, ViewKind.CASTING, day),
                batch_size=1000,
            )
            state.rolled_through = day
            state.save(update_fields=["rolled_through", "updated_at"])
        rolled += 1
    retention = settings.ANALYTICS_RAW_VIEW_RETENTION_DAYS
    state = RollupState.objects.get(id=1)
    if retention and state.rolled_through is not None:
        horizon = min(today - dt.timedelta(days=retention), state.rolled_through)
        ProfileView.objects.filter(day__lt=horizon).delete()
        CastingView.objects.filter(day__lt=horizon).delete()
    return rolled
