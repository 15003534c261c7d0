"""The casting card's one field specification.

Every field of the card (`CastingOutputSerializer`'s shape) is named here once: the column of
its value row, its key in the API (nested under `requirements` or `creator` where it belongs),
whether the owner may set it (POST/PUT), where a joined value comes from, and how it is
rendered. The selectors' columns, the services' editable fields, the input's
`requirements.<key>` mapping and the card builder (`castings.serializers.casting_card`) all
derive from it; tests hold the input and output serializers to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

REQUIREMENTS, CREATOR = "requirements", "creator"


@dataclass(frozen=True)
class CardField:
    column: str  # key of the value row: a Casting column, an annotation or a joined value
    key: str  # key in the API, inside `group` when there is one
    group: str | None = None
    editable: bool = False  # set by the owner through POST/PUT
    source: str | None = None  # ORM path of a value from another table
    render: Literal["as_is", "id", "datetime", "file"] = "as_is"


CASTING_CARD: tuple[CardField, ...] = (
    CardField("id", "id", render="id"),
    CardField("title", "title", editable=True),
    CardField("description", "description", editable=True),
    CardField("category", "category", editable=True),
    CardField("city", "city", editable=True),
    CardField("address", "address", editable=True),
    CardField("shoot_date", "shoot_date", editable=True, render="datetime"),
    CardField("duration_days", "duration_days", editable=True),
    CardField("pay_min", "pay_min", editable=True),
    CardField("pay_max", "pay_max", editable=True),
    CardField("status", "status"),
    CardField("required_gender", "gender", REQUIREMENTS, editable=True),
    CardField("min_age", "min_age", REQUIREMENTS, editable=True),
    CardField("max_age", "max_age", REQUIREMENTS, editable=True),
    CardField("min_height", "min_height", REQUIREMENTS, editable=True),
    CardField("max_height", "max_height", REQUIREMENTS, editable=True),
    CardField("required_experience", "experience", REQUIREMENTS, editable=True),
    CardField("owner_id", "id", CREATOR, render="id"),
    # NULL when the owner has no employer profile (a LEFT JOIN)
    CardField(
        "company_name", "company_name", CREATOR, source="owner__employer_profile__company_name"
    ),
    CardField("avatar", "avatar", CREATOR, source="owner__employer_profile__avatar", render="file"),
    CardField("responses_count", "responses_count"),  # annotated by the selectors
    CardField("created_at", "created_at", render="datetime"),
    CardField("updated_at", "updated_at", render="datetime"),
)

# Columns a casting's owner may set through POST/PUT (status has its own endpoint).
EDITABLE_FIELDS = tuple(field.column for field in CASTING_CARD if field.editable)
# The value row's own columns (the casting's, and the applicant count), then joined values.
CARD_COLUMNS = tuple(field.column for field in CASTING_CARD if field.source is None)
CARD_JOINED = {field.column: field.source for field in CASTING_CARD if field.source is not None}
CARD_KEYS = tuple(field.column for field in CASTING_CARD)
# requirements.<key> in the API → column on Casting
REQUIREMENT_COLUMNS = {
    field.key: field.column for field in CASTING_CARD if field.group == REQUIREMENTS
}
