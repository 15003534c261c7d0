"""Input and output shapes of the castings API (validation only; no business rules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from castings.card import CASTING_CARD, REQUIREMENT_COLUMNS
from castings.models import (
    EMPLOYER_REVIEW_COMMENT_MAX_LENGTH,
    AuditionKind,
    AuditionStatus,
    Casting,
    CastingStatus,
    Category,
    Experience,
    Gender,
    ResponseStatus,
)
from castings.selectors import (
    CASTING_ORDERINGS,
    RESPONSE_ORDERINGS,
    response_matches_requirements,
)
from mwork.api.bounds import PAY_MAX, SHOOT_DATE_MAX_YEARS, BoundedDateTimeField
from mwork.api.formats import format_datetime
from mwork.api.serializers import QuerySerializer
from mwork.storage import storage_url
from profiles.selectors import user_display
from profiles.serializers import ReviewAuthorSerializer

AGE_RANGE = (18, 99)
HEIGHT_RANGE = (100, 250)
MESSAGE_MAX_LENGTH = 2000
BULK_STATUS_MAX_IDS = 200
NOTE_MAX_LENGTH = 2000
PORTFOLIO_LINKS_MAX = 5

_http_url = URLValidator(schemes=["http", "https"])


# ------------------------------------------------------------------------------------------
# Input
# ------------------------------------------------------------------------------------------
def _range_field(low: int, high: int) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=low, max_value=high, required=False, allow_null=True)


class CastingRequirementsInputSerializer(serializers.Serializer):
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_null=True)
    min_age = _range_field(*AGE_RANGE)
    max_age = _range_field(*AGE_RANGE)
    min_height = _range_field(*HEIGHT_RANGE)
    max_height = _range_field(*HEIGHT_RANGE)
    experience = serializers.ChoiceField(
        choices=Experience.choices, required=False, allow_null=True
    )


def _merged(attrs: dict[str, Any], casting: Casting | None, name: str) -> Any:
    if name in attrs:
        return attrs[name]
    return getattr(casting, name) if casting is not None else None


class CastingInputSerializer(serializers.Serializer):
    """POST (full) and PUT (partial) body; ranges are checked against the stored values too."""

    title = serializers.CharField(min_length=5, max_length=200)
    description = serializers.CharField(max_length=5000)
    category = serializers.ChoiceField(choices=Category.choices)
    city = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    # Bounds of mwork.api.bounds: shoot dates at most 5 years ahead, pay at most 100 million ₸.
    shoot_date = BoundedDateTimeField(
        years_ahead_max=SHOOT_DATE_MAX_YEARS, help_text="Must be in the future."
    )
    duration_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    pay_min = serializers.IntegerField(
        min_value=0, max_value=PAY_MAX, required=False, allow_null=True
    )
    pay_max = serializers.IntegerField(
        min_value=0, max_value=PAY_MAX, required=False, allow_null=True
    )
    requirements = CastingRequirementsInputSerializer(required=False)
    status = serializers.ChoiceField(
        choices=[CastingStatus.DRAFT, CastingStatus.ACTIVE], required=False
    )

    def validate_shoot_date(self, value):
        if value <= timezone.now():
            raise serializers.ValidationError(_("Must be in the future."))
        return value

    def validate_status(self, value: str) -> str:
        if self.context.get("casting") is not None:
            raise serializers.ValidationError(
                _("Change the status with PATCH /castings/{id}/status.")
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        casting: Casting | None = self.context.get("casting")
        columns = {
            name: value for name, value in attrs.items() if name not in ("requirements", "status")
        }
        for key, value in (attrs.get("requirements") or {}).items():
            columns[REQUIREMENT_COLUMNS[key]] = value

        errors: dict[str, Any] = {}
        pay_min = _merged(columns, casting, "pay_min")
        pay_max = _merged(columns, casting, "pay_max")
        if pay_min is not None and pay_max is not None and pay_max < pay_min:
            errors["pay_max"] = [
                _("Must be greater than or equal to {field}.").format(field="pay_min")
            ]
        requirement_errors: dict[str, list[str]] = {}
        for low, high in (("min_age", "max_age"), ("min_height", "max_height")):
            low_value = _merged(columns, casting, low)
            high_value = _merged(columns, casting, high)
            if low_value is not None and high_value is not None and high_value < low_value:
                requirement_errors[high] = [
                    _("Must be greater than or equal to {field}.").format(field=low)
                ]
        if requirement_errors:
            errors["requirements"] = requirement_errors
        if errors:
            raise serializers.ValidationError(errors)
        if "address" in columns and columns["address"] is None:
            columns["address"] = ""
        return {"status": attrs.get("status"), "fields": columns}


class CastingStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CastingStatus.choices)


class CastingListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=CastingStatus.choices, required=False)
    city = serializers.CharField(max_length=100, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    min_age = serializers.IntegerField(min_value=0, max_value=150, required=False)
    max_age = serializers.IntegerField(min_value=0, max_value=150, required=False)
    min_height = serializers.IntegerField(min_value=0, max_value=300, required=False)
    max_height = serializers.IntegerField(min_value=0, max_value=300, required=False)
    experience = serializers.ChoiceField(choices=Experience.choices, required=False)
    pay_min = serializers.IntegerField(min_value=0, required=False)
    search = serializers.CharField(max_length=200, required=False, allow_blank=True)
    ordering = serializers.ChoiceField(
        choices=[*CASTING_ORDERINGS, *(f"-{name}" for name in CASTING_ORDERINGS)],
        required=False,
    )


class MyCastingsQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=CastingStatus.choices, required=False)


class ResponseSubmitInputSerializer(serializers.Serializer):
    # An agency submitting a model of its roster; models leave it out.
    model_id = serializers.UUIDField(required=False)
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    portfolio_links = serializers.ListField(
        child=serializers.CharField(max_length=500, trim_whitespace=True),
        max_length=PORTFOLIO_LINKS_MAX,
        required=False,
        default=list,
    )

    def validate_portfolio_links(self, value: list[str]) -> list[str]:
        # One message under `portfolio_links` naming the bad item, rather than per-index keys.
        for position, link in enumerate(value, start=1):
            try:
                _http_url(link)
            except DjangoValidationError:
                raise serializers.ValidationError(
                    _("Link {position} is not an http(s) URL.").format(position=position)
                ) from None
        return value


class ResponseStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            ResponseStatus.ACCEPTED,
            ResponseStatus.REJECTED,
            ResponseStatus.PENDING,
            ResponseStatus.SHORTLISTED,
        ]
    )
    notify = serializers.BooleanField(
        default=False,
        help_text="shortlisted only: tell the model (otherwise it keeps seeing pending); "
        "accepting and rejecting always notify",
    )


class ResponseBulkStatusInputSerializer(serializers.Serializer):
    response_ids = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=BULK_STATUS_MAX_IDS
    )
    status = serializers.ChoiceField(
        choices=[ResponseStatus.SHORTLISTED, ResponseStatus.ACCEPTED, ResponseStatus.REJECTED]
    )
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="sent to every model with the notification",
    )
    notify = serializers.BooleanField(
        default=False, help_text="shortlisted only: tell the models (as the single PATCH)"
    )


AUDITION_HORIZON = timedelta(days=2 * 365)


def _audition_time(value):
    now = timezone.now()
    if value <= now:
        raise serializers.ValidationError(_("Must be in the future."))
    if value > now + AUDITION_HORIZON:
        raise serializers.ValidationError(_("Must be within two years."))
    return value


class AuditionCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AuditionKind.choices)
    starts_at = serializers.DateTimeField(validators=[_audition_time])
    place = serializers.CharField(max_length=255)
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class AuditionUpdateInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False, validators=[_audition_time])
    place = serializers.CharField(max_length=255, required=False)
    message = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True)


class AuditionDeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AuditionListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=AuditionStatus.choices, required=False)


class CastingInviteInputSerializer(serializers.Serializer):
    model_id = serializers.UUIDField(help_text="the model's profile id")
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ResponseListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=ResponseStatus.choices, required=False)


class CastingResponseListQuerySerializer(ResponseListQuerySerializer):
    """The owner's filters on a casting's responses; `format=csv` exports them (BUSINESS)."""

    min_age = serializers.IntegerField(min_value=0, max_value=150, required=False)
    max_age = serializers.IntegerField(min_value=0, max_value=150, required=False)
    min_height = serializers.IntegerField(min_value=0, max_value=300, required=False)
    max_height = serializers.IntegerField(min_value=0, max_value=300, required=False)
    city = serializers.CharField(max_length=100, required=False)
    has_note = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(choices=list(RESPONSE_ORDERINGS), required=False)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")


class ResponseNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, help_text="blank removes the note"
    )


# ------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------
class CastingRequirementsOutputSerializer(serializers.Serializer):
    gender = serializers.ChoiceField(
        choices=Gender.choices, source="required_gender", allow_null=True
    )
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    min_height = serializers.IntegerField(allow_null=True)
    max_height = serializers.IntegerField(allow_null=True)
    experience = serializers.ChoiceField(
        choices=Experience.choices, source="required_experience", allow_null=True
    )


class CastingCreatorOutputSerializer(serializers.Serializer):
    """`creator`: the owner's user id, company name and avatar URL (from the owner)."""

    id = serializers.UUIDField()
    company_name = serializers.CharField(allow_null=True)
    avatar = serializers.CharField(allow_null=True)

    def to_representation(self, owner: Any) -> dict[str, Any]:
        return creator_data(owner)


def creator_data(owner: Any) -> dict[str, Any]:
    """`creator {id, company_name, avatar}` from a select_related employer profile."""
    try:
        profile = owner.employer_profile
    except ObjectDoesNotExist:
        profile = None
    return {
        "id": str(owner.id),
        "company_name": profile.company_name if profile else None,
        "avatar": storage_url(profile.avatar) if profile else None,
    }


# General terms only: naming the rule would teach a scammer what to rephrase.
PENDING_REVIEW_NOTE = _(
    "Your casting is waiting for a moderator: it looks like something our safety rules check "
    "(payments asked of models, card or ID numbers, requests for documents). Only you can see "
    "it until it is approved, usually within a day."
)


class CastingOutputSerializer(serializers.Serializer):
    """The casting card. It renders a card row of `castings.selectors` (`_card_rows`), not a
    model: the fields below document the shape, `casting_card` builds it (see there)."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    city = serializers.CharField()
    address = serializers.CharField()
    shoot_date = serializers.DateTimeField()
    duration_days = serializers.IntegerField()
    pay_min = serializers.IntegerField(allow_null=True)
    pay_max = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=CastingStatus.choices)
    review_note = serializers.CharField(
        allow_null=True,
        help_text="Why a pending_review casting waits (seen only by its owner); null otherwise.",
    )
    requirements = CastingRequirementsOutputSerializer(source="*")
    creator = CastingCreatorOutputSerializer(source="owner")
    responses_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, card: dict[str, Any]) -> dict[str, Any]:
        return casting_card(card)


_RENDER = {"as_is": None, "id": str, "datetime": format_datetime, "file": storage_url}
# (group, key, column, render) per field of `castings.card.CASTING_CARD`, in the card's order.
_CARD_PLAN = tuple(
    (field.group, field.key, field.column, _RENDER[field.render]) for field in CASTING_CARD
)


def casting_card(card: dict[str, Any]) -> dict[str, Any]:
    """`CastingOutputSerializer`'s shape from a card row, as a plain dict, by the card's field
    specification (`castings.card`).

    Per-field DRF machinery (field copies, attribute lookups, one call per field) cost more than
    the page's SQL on the castings list; the row already holds the right types, so
    this only formats ids, datetimes and file URLs. Tests pin this to the serializer.
    """
    out: dict[str, Any] = {}
    for group, key, column, render in _CARD_PLAN:
        value = card[column]
        if render is not None and value is not None:
            value = render(value)
        if group is None:
            out[key] = value
            if key == "status":  # not a column: why a held casting waits (its owner sees it)
                pending = value == CastingStatus.PENDING_REVIEW
                out["review_note"] = str(PENDING_REVIEW_NOTE) if pending else None
        elif group in out:
            out[group][key] = value
        else:
            out[group] = {key: value}
    return out


class CastingSummaryOutputSerializer(serializers.Serializer):
    """The casting inside a model's own response (`/responses/my`)."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    city = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    shoot_date = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=CastingStatus.choices)
    creator = CastingCreatorOutputSerializer(source="owner")


class ApplicantOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    photo = serializers.SerializerMethodField()
    age = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    city = serializers.CharField()
    rating = serializers.FloatField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_photo(self, profile: Any) -> str | None:
        return storage_url(profile.main_thumbnail or profile.main_photo)


class ResponseOutputSerializer(serializers.Serializer):
    """A response as its author sees it."""

    id = serializers.UUIDField()
    casting_id = serializers.UUIDField()
    message = serializers.CharField()
    portfolio_links = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=ResponseStatus.choices)
    applied_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField(allow_null=True)


def response_data(response: Any) -> dict[str, Any]:
    """`ResponseOutputSerializer(response).data` without a serializer pass (apply's hot path:
    the pass cost ~0.5 ms a response, docs/PERFORMANCE.md "Second round"); a test holds the
    two together."""
    return {
        "id": str(response.id),
        "casting_id": str(response.casting_id),
        "message": str(response.message),
        "portfolio_links": [str(link) for link in response.portfolio_links],
        "status": response.status,
        "applied_at": format_datetime(response.applied_at),
        "status_changed_at": format_datetime(response.status_changed_at),
    }


class MyResponseOutputSerializer(ResponseOutputSerializer):
    """A response as its author sees it later: an untold shortlist reads pending."""

    status = serializers.ChoiceField(choices=ResponseStatus.choices, source="status_for_model")
    status_changed_at = serializers.DateTimeField(
        source="status_changed_at_for_model", allow_null=True
    )
    casting = CastingSummaryOutputSerializer()


class SubmittedByOutputSerializer(serializers.Serializer):
    """The agency that submitted the model (`creator`'s shape: user id, company, avatar)."""

    id = serializers.UUIDField()
    company_name = serializers.CharField(allow_null=True)
    avatar = serializers.CharField(allow_null=True)

    def to_representation(self, agency: Any) -> dict[str, Any]:
        return creator_data(agency)


class CastingResponseOutputSerializer(ResponseOutputSerializer):
    """A response as the casting owner sees it, with the applicant and the requirement check."""

    applicant = ApplicantOutputSerializer(source="model_profile")
    submitted_by = SubmittedByOutputSerializer(allow_null=True)
    matches_requirements = serializers.SerializerMethodField()
    invited = serializers.BooleanField(
        help_text="the team invited this model to apply (POST /castings/{id}/invites)"
    )
    shortlist_shared = serializers.BooleanField(
        help_text="shortlisted: whether the model was told (it sees pending otherwise)"
    )
    note = serializers.SerializerMethodField(
        help_text="the team's private note; never shown to the model"
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_note(self, response: Any) -> str | None:
        note = _related_or_none(response, "owner_note")
        return note.text if note is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_matches_requirements(self, response: Any) -> bool:
        return response_matches_requirements(
            casting=self.context["casting"], profile=response.model_profile
        )


class ResponseBulkStatusOutputSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    responses = ResponseOutputSerializer(many=True)


class AuditionCastingOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    company_name = serializers.CharField(allow_null=True)


class AuditionModelOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()


class AuditionOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    response_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=AuditionKind.choices)
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=AuditionStatus.choices)
    decline_reason = serializers.CharField()
    casting = serializers.SerializerMethodField()
    model = AuditionModelOutputSerializer(source="response.model_profile")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(AuditionCastingOutputSerializer)
    def get_casting(self, audition: Any) -> dict[str, Any]:
        casting = audition.response.casting
        return {
            "id": casting.id,
            "title": casting.title,
            "company_name": creator_data(casting.owner)["company_name"],
        }


class CastingInviteOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    casting_id = serializers.UUIDField()
    model_id = serializers.UUIDField(source="model_profile_id")
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class ResponseNoteOutputSerializer(serializers.Serializer):
    response_id = serializers.UUIDField()
    note = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


def _related_or_none(instance: Any, name: str) -> Any:
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


class SavedCastingOutputSerializer(serializers.Serializer):
    casting_id = serializers.UUIDField()
    saved_at = serializers.DateTimeField(source="created_at")


# ---------------------------------------------------------------------------------------------
# Reviews of employers (docs/TRUST.md)
# ---------------------------------------------------------------------------------------------
class EmployerReviewCreateInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=EMPLOYER_REVIEW_COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )
    casting_id = serializers.UUIDField(
        required=False,
        help_text="The casting reviewed; by default the latest eligible one not yet reviewed.",
    )


class EmployerReviewOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    employer_id = serializers.UUIDField()
    casting_id = serializers.UUIDField()
    casting_title = serializers.CharField(source="casting.title")
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(ReviewAuthorSerializer)
    def get_author(self, obj: Any) -> dict[str, Any]:
        return {"id": str(obj.author_id), **user_display(obj.author)}
