"""Chat reads: rooms of a member with their state, history pages, unread counts.

Query shape is fixed whatever the number of rooms or messages: a page of the rooms list is one
statement, each room's unread count a subquery and its members (with their profiles) and last
message JSON built by the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast
from uuid import UUID

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Window,
)
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import blocked_user_ids_subquery
from agencies.selectors import managed_owner_ids
from billing.entitlements import check_feature, current_plan_json, entitlements_from_json
from chat.models import Membership, Message, Room
from chat.realtime import message_payload, message_payloads
from mwork.api.exceptions import NotFound, ValidationFailed
from mwork.api.formats import format_datetime
from mwork.db import JSONArrayAgg, compiled_once, compiled_values_once, json_time, json_uuid
from mwork.ids import parse_uuid
from mwork.storage import storage_url
from profiles.selectors import DELETED_DISPLAY_NAME, FALLBACK_DISPLAY_NAME

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 100


class RoomStateRow(TypedDict):
    """A row of `membership_list_with_room_state`: the user's own membership (`user_id`,
    `last_read_at`, `created_at`, `id`), `members` — the room's other members, the JSON of
    `_members_json` — `last_message` (`_last_message_json`) and `me`, the user's display
    columns as JSON text (`_my_display_json`: the same in every row, read once)."""

    room_id: UUID
    user_id: UUID
    last_read_at: datetime
    created_at: datetime
    id: int
    unread_count: int
    members: list[dict[str, Any]] | None
    me: str
    last_message: dict[str, Any] | None
    room__casting_id: UUID | None
    room__created_at: datetime


ROOMS_TOTAL = "rooms_total"
ROOMS_PLAN = "rooms_plan"


class UnreadRoom(TypedDict):
    room_id: UUID
    unread_count: int


class UnreadSummary(TypedDict):
    unread_count: int
    rooms: list[UnreadRoom]


class _Blocked(TypedDict):
    blocked: bool  # that member and the sender blocked each other (either direction)


def room_get_for_member(*, user: User, room_id: UUID | str) -> Room:
    """The room if `user` is one of its members; `NotFound` otherwise (also for a bad id)."""
    room_uuid = parse_uuid(room_id)
    if room_uuid is None:
        raise NotFound(_("Room not found."))
    try:
        return Room.objects.get(pk=room_uuid, memberships__user=user)
    except Room.DoesNotExist:
        raise NotFound(_("Room not found.")) from None


def room_get_for_reader(*, user: User, room_id: UUID | str) -> Room:
    """A room whose history `user` may read: a member's room, or a room about a
    casting of the organization `user` manages, with that organization's owner in it.
    Memberships of the organization are read on every call, so a removed manager loses access
    at once. `NotFound` otherwise."""
    try:
        return room_get_for_member(user=user, room_id=room_id)
    except NotFound:
        room_uuid = parse_uuid(room_id)
        room = (
            Room.objects.filter(
                pk=room_uuid,
                casting__owner_id__in=managed_owner_ids(user_id=user.pk),
                memberships__user_id=F("casting__owner_id"),
            ).first()
            if room_uuid is not None
            else None
        )
        if room is None:
            raise
        return room


def _shown_to(user_id: UUID) -> Q:
    """Messages the user may see: delivered ones, and its own held or rejected ones."""
    return Q(held=False) | Q(sender_id=user_id)


def _unread_subquery(*, user_id: UUID) -> Coalesce:
    """Messages of the others newer than the outer membership's `last_read_at`."""
    unread = (
        Message.objects.filter(
            room_id=OuterRef("room_id"), created_at__gt=OuterRef("last_read_at"), held=False
        )
        .exclude(sender_id=user_id)
        .order_by()
        .values("room_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def membership_list_with_room_state(*, user: User) -> QuerySet[Membership, RoomStateRow]:
    """The user's rooms, newest activity first, as value rows (`RoomStateRow`: no model
    instances, this is the rooms list's hot path), each with its members and its last message
    as JSON. Feed the rows to `rooms_from_memberships`."""
    return _room_state_rows(user.pk)


def _members_json(user_id: UUID) -> Subquery:
    """The outer membership's room's other members (`_MEMBER_COLUMNS` and the membership's
    `created_at` and `id`, the order they are listed in) as one JSON array; the user's own
    membership is the outer row, its display `_my_display_json`."""
    members = (
        Membership.objects.filter(room_id=OuterRef("room_id"))
        .exclude(user_id=user_id)
        .order_by()
        .values("room_id")
        .annotate(
            members=JSONArrayAgg(
                JSONObject(
                    **{column: F(column) for column in _MEMBER_COLUMNS[1:]},
                    created_at=F("created_at"),
                    id=F("id"),
                )
            )
        )
        .values("members")
    )
    return Subquery(members, output_field=JSONField())


def _last_message_json(user_id: UUID) -> Subquery:
    """The newest message of the outer membership's room that the user may see, as a JSON
    object of `_LAST_MESSAGE_COLUMNS`."""
    last = (
        Message.objects.filter(room_id=OuterRef("room_id"))
        .filter(_shown_to(user_id))
        .order_by("-created_at", "-id")
        .values(json=JSONObject(**{column: F(column) for column in _LAST_MESSAGE_COLUMNS}))
    )
    return Subquery(last[:1], output_field=JSONField())


def _my_display_json(user_id: UUID) -> Cast:
    """The user's display columns (`_MEMBER_COLUMNS` of a member row, read from the user) as
    JSON text: an uncorrelated subquery, which PostgreSQL runs once for all the rows, instead
    of the user's profile read again with every room's members."""
    me = User.objects.filter(pk=user_id).values(
        json=JSONObject(**{column: F(column.removeprefix("user__")) for column in _DISPLAY})
    )[:1]
    return Cast(Subquery(me, output_field=JSONField()), TextField())


def _room_state_rows(user_id: UUID) -> QuerySet[Membership, RoomStateRow]:
    rows = (
        Membership.objects.filter(user_id=user_id)
        .annotate(
            unread_count=_unread_subquery(user_id=user_id),
            members=_members_json(user_id),
            me=_my_display_json(user_id),
            last_message=_last_message_json(user_id),
        )
        .order_by("-room__last_message_at", "-room_id")
        .values(
            "room_id",
            "user_id",
            "last_read_at",
            "created_at",
            "id",
            "unread_count",
            "members",
            "me",
            "last_message",
            "room__casting_id",
            "room__created_at",
        )
    )
    # django-stubs' plugin reads room__casting_id (a nullable foreign key) as never None.
    return cast("QuerySet[Membership, RoomStateRow]", rows)


# The rooms list's page query: its SQL depends on nothing but the user, and building and
# compiling it (three correlated subqueries, a join, a window) would cost the ORM more than
# PostgreSQL needs to run it; it is compiled once (`mwork.db`). Each row carries its room's
# members and last message as JSON (PostgreSQL evaluates those subqueries after the LIMIT, for
# the page's rooms only), so the list is this one statement; and `rooms_total`, the number of
# the user's rooms (a window count: the query reads all of them anyway to sort them), so the
# list needs no count query.
#
# Each row also carries the user's current paid plan (`ROOMS_PLAN`, the same JSON text in every
# row: an uncorrelated subquery PostgreSQL runs once), so the plan gate needs no query of its
# own when the user has rooms (docs/PERFORMANCE.md, "The rooms list's plan read with its page").
@compiled_values_once
def _rooms_page_query(*, user_id: UUID, now: datetime) -> QuerySet[Membership, RoomStateRow]:
    plan = Cast(current_plan_json(user_id=user_id, now=now), TextField())  # read once, as text
    return _room_state_rows(user_id).annotate(
        **{ROOMS_TOTAL: Window(Count("pk")), ROOMS_PLAN: plan}
    )


def rooms_page_for_chat_user(*, user: User) -> Callable[[int, int], list[dict[str, Any]]]:
    """The user's rooms list as `page(offset, limit)`: its `RoomStateRow`s with `rooms_total`,
    newest activity first (`paginate(counted_in=ROOMS_TOTAL, page_rows=...)`). `page` raises
    `SubscriptionLimitExceeded` (`{"feature": "chat_access"}`) when the user's plan has no chat
    access; the plan comes with the page's rows, read by a query of its own only when there is
    no row to carry it."""
    user_id = user.pk

    def page(offset: int, limit: int) -> list[dict[str, Any]]:
        rows = _rooms_page_query().rows(
            user_id=user_id, now=timezone.now(), offset=offset, limit=limit
        )
        entitlements = entitlements_from_json(rows[0][ROOMS_PLAN]) if rows else None
        check_feature(user, "chat_access", entitlements=entitlements)
        return rows

    return page


def read_by_others(memberships: list[Any]) -> Callable[[Any], bool]:
    """Whether a message of the room is read: every member other than its sender has read up
    to it (and there is one). For a page of messages: each sender's threshold (the earliest
    read mark of the other members) is worked out once."""
    thresholds: dict[Any, Any] = {}

    def is_read(message: Any) -> bool:
        sender = message.sender_id
        if sender not in thresholds:
            others = [m.last_read_at for m in memberships if m.user_id != sender]
            thresholds[sender] = min(others) if others else None
        threshold = thresholds[sender]
        return threshold is not None and threshold >= message.created_at

    return is_read


def _is_read_by_rows(message: _LastMessage, members: list[dict[str, Any]]) -> bool:
    """`read_by_others` of one message over `_MEMBER_COLUMNS` rows."""
    marks = [_ReadMark(m["user_id"], m["last_read_at"]) for m in members]
    return read_by_others(marks)(message)


# What a participant is shown by (`_participant_from_row`), read through its user.
_DISPLAY = (
    "user__role",
    "user__deleted_at",
    "user__model_profile__name",
    "user__model_profile__main_photo",
    "user__model_profile__main_thumbnail",
    "user__employer_profile__company_name",
    "user__employer_profile__avatar",
)

_MEMBER_COLUMNS = (
    "room_id",  # not in `_members_json`: the row's own room
    "user_id",
    "last_read_at",
    *_DISPLAY,
)

_LAST_MESSAGE_COLUMNS = ("id", "sender_id", "content", "created_at", "held", "rejected")


def _participant_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A participant from a `_MEMBER_COLUMNS` row, by the rule of
    `profiles.selectors.user_display` (the profile of the user's role, else the fallback);
    a test holds the two together. Value rows instead of four model instances per member."""
    role = row["user__role"]
    name, avatar = FALLBACK_DISPLAY_NAME, None
    if row["user__deleted_at"] is not None:
        name = DELETED_DISPLAY_NAME
    elif role == "model" and row["user__model_profile__name"] is not None:
        name = row["user__model_profile__name"]
        avatar = storage_url(
            row["user__model_profile__main_thumbnail"] or row["user__model_profile__main_photo"]
        )
    elif role in ("employer", "agency") and row["user__employer_profile__company_name"] is not None:
        name = row["user__employer_profile__company_name"]
        avatar = storage_url(row["user__employer_profile__avatar"])
    return {"id": str(row["user_id"]), "name": name, "avatar": avatar, "role": role}


class _LastMessage(NamedTuple):
    id: str
    room_id: UUID
    sender_id: str
    content: str
    created_at: datetime
    held: bool
    rejected: bool


def _members_of(row: RoomStateRow, me: dict[str, Any]) -> list[dict[str, Any]]:
    """A room's members, oldest membership first, as `_MEMBER_COLUMNS` rows (ids as text,
    times as datetimes): the others of its `_members_json` and the user's own membership,
    shown by `me` (`_my_display_json`)."""
    mine = {**me, "user_id": str(row["user_id"]), "last_read_at": row["last_read_at"]}
    rows = [(row["created_at"], row["id"], mine)]
    for member in row["members"] or ():
        member["user_id"] = json_uuid(member["user_id"])
        member["last_read_at"] = json_time(member["last_read_at"])
        rows.append((json_time(member["created_at"]), member["id"], member))
    rows.sort(key=itemgetter(0, 1))
    return [member for _created_at, _id, member in rows]


def _last_message_from_json(room_id: UUID, message: dict[str, Any]) -> _LastMessage:
    return _LastMessage(
        id=json_uuid(message["id"]),
        room_id=room_id,
        sender_id=json_uuid(message["sender_id"]),
        content=message["content"],
        created_at=json_time(message["created_at"]),
        held=bool(message["held"]),
        rejected=bool(message["rejected"]),
    )


def rooms_from_memberships(rows: list[RoomStateRow]) -> list[dict[str, Any]]:
    """The contract's room objects (JSON-ready) for rows of `membership_list_with_room_state`,
    which carry everything: no query."""
    rooms = []
    me = json.loads(rows[0]["me"]) if rows else {}  # the same in every row
    for row in rows:
        room_id = row["room_id"]
        members = _members_of(row, me)
        last = row["last_message"]
        message = _last_message_from_json(room_id, last) if last is not None else None
        rooms.append(
            {
                "id": str(room_id),
                "participants": [_participant_from_row(member) for member in members],
                "casting_id": str(row["room__casting_id"]) if row["room__casting_id"] else None,
                "last_message": (
                    message_payload(message, is_read=_is_read_by_rows(message, members))
                    if message is not None
                    else None
                ),
                "unread_count": row["unread_count"],
                "created_at": format_datetime(row["room__created_at"]),
            }
        )
    return rooms


def room_state_get_for_member(*, user: User, room_id: UUID) -> dict[str, Any]:
    """One room in the list's shape; `NotFound` for non-members."""
    rows = list(membership_list_with_room_state(user=user).filter(room_id=room_id))
    if not rows:
        raise NotFound(_("Room not found."))
    return rooms_from_memberships(rows)[0]


class _ReadMark(NamedTuple):
    user_id: UUID
    last_read_at: datetime


class _HistoryRow(NamedTuple):
    id: UUID
    room_id: UUID
    sender_id: UUID
    content: str
    created_at: datetime
    held: bool
    rejected: bool


_HISTORY_COLUMNS = _HistoryRow._fields
READ_MARKS = "read_marks"


# A history page runs on every page read; its SQL depends on nothing but the room, the reader
# and (paging back) the cursor, so it is compiled once (`mwork.db`). Each row also carries the
# read marks of the room's members (the same JSON text in every row: PostgreSQL computes the
# uncorrelated subquery once), so a page is one statement; only an empty page reads them alone.
@compiled_values_once
def _read_marks_query(*, room_id: UUID) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(room_id=room_id).values("user_id", "last_read_at")


def _read_marks_text(room_id: UUID) -> Cast:
    marks = (
        Membership.objects.filter(room_id=room_id)
        .order_by()
        .values("room_id")
        .annotate(
            marks=JSONArrayAgg(JSONObject(user_id=F("user_id"), last_read_at=F("last_read_at")))
        )
        .values("marks")
    )
    # as text: read once from the first row, not converted in every row
    return Cast(Subquery(marks, output_field=JSONField()), TextField())


def _history_messages(room_id: UUID, user_id: UUID) -> QuerySet[Message]:
    return (
        Message.objects.filter(room_id=room_id)
        .filter(_shown_to(user_id))
        .annotate(**{READ_MARKS: _read_marks_text(room_id)})
    )


@compiled_values_once
def _history_query(*, room_id: UUID, user_id: UUID) -> QuerySet[Message, Any]:
    page = _history_messages(room_id, user_id).order_by("-created_at", "-id")
    return cast("QuerySet[Message, Any]", page.values(*_HISTORY_COLUMNS, READ_MARKS))


@compiled_values_once
def _history_before_query(
    *, room_id: UUID, user_id: UUID, before_at: datetime, before_id: UUID
) -> QuerySet[Message, Any]:
    # (created_at, id) is the total order of history: ties on time fall back to the id.
    page = (
        _history_messages(room_id, user_id)
        .filter(created_at__lte=before_at)
        .exclude(created_at=before_at, id__gte=before_id)
        .order_by("-created_at", "-id")
    )
    return cast("QuerySet[Message, Any]", page.values(*_HISTORY_COLUMNS, READ_MARKS))


def _read_marks(room_id: UUID, found: list[Sequence[Any]]) -> list[_ReadMark]:
    """The members' read marks: from the page's first row, else (an empty page) one query."""
    if not found:
        return [_ReadMark(**row) for row in _read_marks_query().rows(room_id=room_id)]
    marks = json.loads(found[0][len(_HISTORY_COLUMNS)] or "[]")
    return [_ReadMark(UUID(mark["user_id"]), json_time(mark["last_read_at"])) for mark in marks]


def message_history_for_member(
    *,
    user: User,
    room_id: UUID | str,
    limit: int = HISTORY_DEFAULT_LIMIT,
    before: UUID | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the room's messages, newest first, older than message `before`.

    Returns `(messages, has_more)`. Raises `NotFound` for non-members and `ValidationFailed`
    (`before`) when `before` is not a message of this room.
    """
    room_uuid = parse_uuid(room_id)
    if room_uuid is None:
        raise NotFound(_("Room not found."))
    if before is None:
        found = _history_query().tuples(room_id=room_uuid, user_id=user.pk, limit=limit + 1)
    else:
        cursor = (
            Message.objects.filter(room_id=room_uuid, pk=before).values("created_at", "id").first()
        )
        if cursor is None:
            _check_reader(user, room_uuid, _read_marks(room_uuid, []))  # a 404 comes first
            raise ValidationFailed.for_field("before", _("Not a message of this room."))
        found = _history_before_query().tuples(
            room_id=room_uuid,
            user_id=user.pk,
            before_at=cursor["created_at"],
            before_id=cursor["id"],
            limit=limit + 1,
        )
    # The read marks also answer "is `user` a member?". Anyone else goes through the (rarer)
    # organization-manager check before anything read is shown.
    memberships = _read_marks(room_uuid, found)
    _check_reader(user, room_uuid, memberships)
    page = [_HistoryRow._make(row[: len(_HISTORY_COLUMNS)]) for row in found[:limit]]
    return (
        message_payloads(page, is_read=read_by_others(memberships)),
        len(found) > limit,
    )


def _check_reader(user: User, room_id: UUID, memberships: list[_ReadMark]) -> None:
    """`NotFound` unless `user` is a member (by the read marks) or may read the room."""
    if not any(m.user_id == user.id for m in memberships):
        room_get_for_reader(user=user, room_id=room_id)


def unread_summary(*, user: User) -> UnreadSummary:
    """`{unread_count, rooms: [{room_id, unread_count}]}` over the rooms with unread messages."""
    rows = (
        Membership.objects.filter(user=user)
        .annotate(unread_count=_unread_subquery(user_id=user.pk))
        .filter(unread_count__gt=0)
        .order_by("-room__last_message_at", "-room_id")
        .values_list("room_id", "unread_count")
    )
    rooms: list[UnreadRoom] = [
        {"room_id": room_id, "unread_count": count} for room_id, count in rows
    ]
    return {"unread_count": sum(r["unread_count"] for r in rooms), "rooms": rooms}


def _members_for_send(
    *, room_id: UUID, sender_id: UUID
) -> QuerySet[WithAnnotations[User, _Blocked]]:
    blocked = Q(id__in=blocked_user_ids_subquery(user_id=sender_id))
    return (
        User.objects.filter(chat_memberships__room_id=room_id)
        .annotate(blocked=ExpressionWrapper(blocked, output_field=BooleanField()))
        .order_by()
    )


# The send path's member query runs for every chat message; its SQL depends on nothing but the
# room and sender ids, and building it with the block subquery cost the ORM ~1.2 ms of CPU a
# message, three times the query itself: it is compiled once (`mwork.db.compiled_once`).
@compiled_once
def _members_for_send_query(
    *, room_id: UUID, sender_id: UUID
) -> QuerySet[WithAnnotations[User, _Blocked]]:
    return _members_for_send(room_id=room_id, sender_id=sender_id)


def member_users_for_send(*, room_id: UUID, sender: User) -> list[WithAnnotations[User, _Blocked]]:
    """The room's members for a send, as users annotated with `blocked` (True when that member
    and `sender` blocked each other, either direction): the membership check, the recipients
    and the block check of one message in one query (the send path's budget)."""
    return _members_for_send_query().all(room_id=room_id, sender_id=sender.id)


@compiled_values_once
def member_rows_for_send_query(*, room_id: UUID, sender_id: UUID) -> QuerySet[Any]:
    """The same members as `member_users_for_send` as `(id, is_active, token_version, blocked)`
    rows: the part of the event-loop send's one statement that reads them
    (chat/store.py, `checked_insert_sql`)."""
    return cast(
        "QuerySet[Any]",
        _members_for_send(room_id=room_id, sender_id=sender_id).values(
            "id", "is_active", "token_version", "blocked"
        ),
    )
