"""The profiles' one field specification: the model profile (its catalogue card and its
detail) and the employer profile.

Each field is named once, in the API's order: the column (or attribute path) its value is read
from, its key in the API (inside `group` when there is one), whether the owner sets it through
POST/PUT, whether it counts towards a model profile's completeness, and how it is rendered.
What derives from it:

- the catalogue selector's columns (`CARD_COLUMNS`, `selectors.model_profile_card_list`) and
  the card builder (`serializers.model_card_data`);
- the detail builder (`serializers.model_profile_detail_data`) and the employer builder
  (`serializers.employer_profile_data`, which `EmployerProfileOutputSerializer` renders with);
- the services' editable fields and completeness (`MODEL_EDITABLE_FIELDS`,
  `EMPLOYER_EDITABLE_FIELDS`, `COMPLETENESS_FIELDS`).

The serializer classes stay the documented shapes (OpenAPI, with their validation rules for
input); tests hold the card, detail, employer and input serializers to this specification
(`profiles/tests/test_output_parity.py`), as `castings/card.py` does for castings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MEASUREMENTS = "measurements"

Render = Literal[
    "as_is",
    "id",  # str(uuid)
    "file",  # storage name → URL (None when empty)
    "float",  # Decimal → float
    "float_or_none",
    "strings",  # a JSON list → list of str
    "or_none",  # "" reads as not given
    "datetime",  # mwork.api.formats.format_datetime
    "promoted",  # `promotion_ends` (with_promotion) still running → bool
    "promoted_until",  # `promotion_ends` while it runs, else None
    "photos",  # the detail's photos
    "work_experience",  # the detail's work experience
    "agency",  # the detail's annotated agency columns
]


@dataclass(frozen=True)
class ProfileField:
    key: str  # key in the API, inside `group` when there is one
    column: str = ""  # what the value is read from (default: `key`); a dotted attribute path
    group: str | None = None
    editable: bool = False  # set by the owner through POST/PUT
    completes: bool = False  # counts towards a model profile's completeness (docs/API.md §5)
    render: Render = "as_is"
    card: bool = False  # on the catalogue card (`GET /profiles/models` items)
    detail: bool = True  # in the model detail (`GET /profiles/models/:id`, `/profiles/me`)
    contact: bool = False  # shown to signed-in callers only (null to anonymous ones)

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", self.key)


MODEL_PROFILE: tuple[ProfileField, ...] = (
    ProfileField("id", render="id", card=True),
    ProfileField("user_id", render="id", card=True),
    ProfileField("name", editable=True, completes=True, card=True),
    ProfileField("bio", editable=True, completes=True),
    ProfileField("age", editable=True, completes=True, card=True),
    ProfileField("gender", editable=True, completes=True, card=True),
    ProfileField("height", editable=True, completes=True, card=True),
    ProfileField("weight", editable=True, completes=True),
    ProfileField("bust", group=MEASUREMENTS, editable=True, completes=True),
    ProfileField("waist", group=MEASUREMENTS, editable=True, completes=True),
    ProfileField("hips", group=MEASUREMENTS, editable=True, completes=True),
    ProfileField("shoe_size", editable=True, completes=True),
    ProfileField("clothing_size", editable=True, completes=True, render="or_none"),
    ProfileField("hair_color", editable=True, completes=True),
    ProfileField("eye_color", editable=True, completes=True),
    ProfileField("skin_tone", editable=True, completes=True),
    ProfileField("city", editable=True, completes=True, card=True),
    ProfileField("country", editable=True),
    ProfileField("languages", editable=True, completes=True, render="strings"),
    ProfileField("categories", editable=True, completes=True, render="strings", card=True),
    ProfileField("experience", editable=True, completes=True, render="or_none", card=True),
    ProfileField("can_travel", editable=True),
    ProfileField("main_photo", render="file", card=True),
    ProfileField("main_thumbnail", render="file", card=True, detail=False),
    ProfileField("photos", render="photos"),
    ProfileField("work_experience", render="work_experience"),
    # `promotion_ends` is annotated (`selectors.with_promotion`), not a column
    ProfileField("is_promoted", "promotion_ends", render="promoted", card=True),
    ProfileField("promoted_until", "promotion_ends", render="promoted_until"),
    ProfileField("rating", render="float", card=True),
    ProfileField("reviews_count", card=True),
    ProfileField("completeness"),
    ProfileField("is_hidden"),
    ProfileField("agency", render="agency"),
    ProfileField("created_at", render="datetime"),
    ProfileField("updated_at", render="datetime"),
)

EMPLOYER_PROFILE: tuple[ProfileField, ...] = (
    ProfileField("id", render="id"),
    ProfileField("user_id", render="id"),
    ProfileField("company_name", editable=True),
    ProfileField("description", editable=True),
    ProfileField("website", editable=True),
    ProfileField("contact_person", editable=True, contact=True),
    ProfileField("phone", editable=True, contact=True),
    ProfileField("city", editable=True),
    ProfileField("country", editable=True),
    ProfileField("avatar", render="file"),
    ProfileField("is_verified"),
    ProfileField("created_at", render="datetime"),
    # Trust figures (docs/TRUST.md): denormalised columns, no query per request.
    ProfileField("rating", render="float"),
    ProfileField("reviews_count"),
    ProfileField("member_since", "user.created_at", render="datetime"),
    ProfileField("castings_posted"),
    ProfileField("verified", "is_verified"),
    ProfileField("response_rate", render="float_or_none"),
)

MODEL_CARD = tuple(field for field in MODEL_PROFILE if field.card)
MODEL_DETAIL = tuple(field for field in MODEL_PROFILE if field.detail)
# The profile's own columns of a card row (the list also annotates `promotion_ends`).
CARD_COLUMNS = tuple(field.column for field in MODEL_CARD if field.render != "promoted")
# Columns the owner sets through POST/PUT (the input serializers accept exactly these).
MODEL_EDITABLE_FIELDS = tuple(field.column for field in MODEL_PROFILE if field.editable)
EMPLOYER_EDITABLE_FIELDS = tuple(field.column for field in EMPLOYER_PROFILE if field.editable)
# Fields that count towards completeness (docs/API.md §5), with the photo share on top.
COMPLETENESS_FIELDS = tuple(field.column for field in MODEL_PROFILE if field.completes)
