"""The SQL that stores a chat message, for every database and both the sync and async paths.

Storing a message is three statements: insert it (nothing when its sender already used its
`client_id` in the room), then — only if it was inserted — move the room's activity time and the
sender's read mark (writing in a room means having read it). On PostgreSQL the three run as one
statement (data-modifying CTEs run together, all or nothing: one round trip, no BEGIN/COMMIT);
elsewhere (SQLite, the development default) the same three statements run in a transaction.
docs/PERFORMANCE.md ("WebSockets") has the measurements.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Field

from chat.models import Message
from mwork.db import insert_select_sql, mark_inserted

# The stored fields of a new message (a new column of chat_message is added here only).
_FIELDS = ("id", "room", "sender", "content", "created_at", "client_id", "held")


def _column(name: str) -> tuple[Field[Any, Any], str]:
    """A stored field of Message and its column (every name in _FIELDS is one)."""
    field = Message._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"Message.{name} is not a column")
    return field, field.column


_COLUMNS = [_column(name)[1] for name in _FIELDS]

INSERT_SQL = f"""
INSERT INTO chat_message ({", ".join(_COLUMNS)})
VALUES ({", ".join(f"%({column})s" for column in _COLUMNS)})
ON CONFLICT (room_id, sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
RETURNING 1"""  # noqa: S608 - column names from the model

ROOM_MOVED_SQL = """
UPDATE chat_room SET last_message_at = %(created_at)s
WHERE id = %(room_id)s AND last_message_at < %(created_at)s"""

READ_MARK_MOVED_SQL = """
UPDATE chat_membership SET last_read_at = %(created_at)s
WHERE room_id = %(room_id)s AND user_id = %(sender_id)s AND last_read_at < %(created_at)s"""

# The same three as one statement; its one row is the number of messages inserted (0 or 1).
POSTGRESQL_SQL = f"""
WITH inserted AS ({INSERT_SQL}
), room_moved AS ({ROOM_MOVED_SQL}
    AND EXISTS (SELECT FROM inserted)
), read_mark_moved AS ({READ_MARK_MOVED_SQL}
    AND EXISTS (SELECT FROM inserted)
)
SELECT count(*) FROM inserted"""  # noqa: S608 - built from the constants above


def message_params(message: Message, *, connection: Any) -> dict[str, Any]:
    """The statement's parameters, converted by the model's fields for `connection`'s database
    (UUIDs as hex on SQLite, datetimes as text there)."""
    params: dict[str, Any] = {}
    for name in _FIELDS:
        field, column = _column(name)
        params[column] = field.get_db_prep_value(
            getattr(message, field.attname), connection, prepared=False
        )
    return params


def message_insert(*, message: Message, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Store `message` with its room's activity time and the sender's read mark, all or nothing.
    False when the sender already stored a message with this `client_id` in this room (nothing
    is written then)."""
    connection = connections[using]
    params = message_params(message, connection=connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(POSTGRESQL_SQL, params)
            inserted = bool(cursor.fetchone()[0])
    else:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(INSERT_SQL, params)
            inserted = cursor.fetchone() is not None
            if inserted:
                cursor.execute(ROOM_MOVED_SQL, params)
                cursor.execute(READ_MARK_MOVED_SQL, params)
    if inserted:
        mark_inserted(message, using=using)
    return inserted


# ---------------------------------------------------------------------------------------------
# Checked and stored in one statement: the event-loop send (chat/loop_send.py, PostgreSQL)
# ---------------------------------------------------------------------------------------------
def checked_insert_sql(*, members_sql: str, plan_sql: str) -> str:
    """One statement that reads a room's members (`members_sql`: id, is_active, token_version,
    blocked of each) and the sender's current paid plan (`plan_sql`: at most one row with its
    `chat_access` and `subscription_expires_at`), stores the message only when its sender is an
    active member with the socket's token version, its plan gives chat access and no member is
    blocked with it, and then — if inserted — moves the room and the read mark as
    `POSTGRESQL_SQL` does. Its rows are the members with, in each, the number of messages
    inserted (0 or 1) and whether the sender's plan gives chat access (NULL: no paid plan);
    no rows: the sender is no member.
    Parameters, in order: `members_sql`'s, `plan_sql`'s, then `checked_insert_params`."""
    insert = insert_select_sql(Message, [_column(name)[0] for name in _FIELDS])
    return f"""
WITH members (id, is_active, token_version, blocked) AS MATERIALIZED ({members_sql}
), plan AS MATERIALIZED ({plan_sql}
), inserted AS (
    {insert}
    WHERE EXISTS (SELECT FROM members WHERE id = %s AND is_active AND token_version = %s)
        AND EXISTS (SELECT FROM plan WHERE chat_access)
        AND NOT EXISTS (SELECT FROM members WHERE id <> %s AND blocked)
    ON CONFLICT (room_id, sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
    RETURNING 1
), room_moved AS (
    UPDATE chat_room SET last_message_at = %s
    WHERE id = %s AND last_message_at < %s AND EXISTS (SELECT FROM inserted)
), read_mark_moved AS (
    UPDATE chat_membership SET last_read_at = %s
    WHERE room_id = %s AND user_id = %s AND last_read_at < %s AND EXISTS (SELECT FROM inserted)
)
SELECT id, is_active, token_version, blocked, (SELECT count(*) FROM inserted),
    (SELECT chat_access FROM plan)
FROM members"""  # noqa: S608 - column names and types from the model


def checked_insert_params(message: Message, *, token_version: int) -> list[Any]:
    """`checked_insert_sql`'s own parameters for `message` (its sender sending with
    `token_version`)."""
    values = message_params(message, connection=connections[DEFAULT_DB_ALIAS])
    sender, room, at = values["sender_id"], values["room_id"], values["created_at"]
    return [
        *(values[column] for column in _COLUMNS),
        sender, token_version, sender,  # the checks
        at, room, at,  # the room's activity time
        at, room, sender, at,  # the sender's read mark
    ]  # fmt: skip
