"""The catalogue card's one field specification (`GET /profiles/models` items).

Each field is named once: the column of its value row, its key in the API and how it is
rendered. The selectors' columns (`selectors.model_profile_card_list`) and the builder
(`serializers.model_card_data`) derive from it; a test holds `ModelProfileListItemSerializer`
to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CardField:
    column: str  # key of the value row: a ModelProfile column or the `promotion_ends` annotation
    key: str  # key in the API
    render: Literal["as_is", "id", "file", "float", "strings", "or_none", "promoted"] = "as_is"


MODEL_CARD: tuple[CardField, ...] = (
    CardField("id", "id", "id"),
    CardField("user_id", "user_id", "id"),
    CardField("name", "name"),
    CardField("age", "age"),
    CardField("gender", "gender"),
    CardField("height", "height"),
    CardField("city", "city"),
    CardField("categories", "categories", "strings"),
    CardField("experience", "experience", "or_none"),  # "" reads as no experience given
    CardField("main_photo", "main_photo", "file"),
    CardField("main_thumbnail", "main_thumbnail", "file"),
    CardField("promotion_ends", "is_promoted", "promoted"),  # annotated (`with_promotion`)
    CardField("rating", "rating", "float"),
    CardField("reviews_count", "reviews_count"),
)
# The profile's own columns of a card row (the list also annotates `promotion_ends`).
CARD_COLUMNS = tuple(field.column for field in MODEL_CARD if field.render != "promoted")
