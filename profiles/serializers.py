"""Input and output shapes of the profiles API (docs/API.md §5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from mwork.api.bounds import BoundedDateField
from mwork.api.formats import format_datetime
from mwork.api.serializers import QuerySerializer
from mwork.storage import storage_url
from profiles.card import EMPLOYER_PROFILE, MODEL_CARD, MODEL_DETAIL
from profiles.models import (
    BIO_MAX_LENGTH,
    LANGUAGES_MAX_ITEMS,
    MODEL_RANGES,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    REVIEW_COMMENT_MAX_LENGTH,
    Category,
    ClothingSize,
    EmployerProfile,
    Experience,
    Gender,
    ModelProfile,
)
from profiles.selectors import (
    ORDERING_FIELDS,
    ModelProfileDetail,
    agency_of_profile,
    is_promoted,
    promoted_until,
    user_display,
)


def _range_field(name: str, **kwargs: Any) -> serializers.IntegerField:
    low, high = MODEL_RANGES[name]
    return serializers.IntegerField(min_value=low, max_value=high, **kwargs)


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------
class ModelProfileCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(min_length=NAME_MIN_LENGTH, max_length=NAME_MAX_LENGTH)
    bio = serializers.CharField(max_length=BIO_MAX_LENGTH, required=False, allow_blank=True)
    age = _range_field("age")
    gender = serializers.ChoiceField(choices=Gender.choices)
    height = _range_field("height", required=False, allow_null=True)
    weight = _range_field("weight", required=False, allow_null=True)
    bust = _range_field("bust", required=False, allow_null=True)
    waist = _range_field("waist", required=False, allow_null=True)
    hips = _range_field("hips", required=False, allow_null=True)
    shoe_size = _range_field("shoe_size", required=False, allow_null=True)
    clothing_size = serializers.ChoiceField(
        choices=ClothingSize.choices, required=False, allow_blank=True
    )
    hair_color = serializers.CharField(max_length=30, required=False, allow_blank=True)
    eye_color = serializers.CharField(max_length=30, required=False, allow_blank=True)
    skin_tone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(max_length=100, required=False)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=50),
        max_length=LANGUAGES_MAX_ITEMS,
        required=False,
    )
    categories = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=len(Category.values), required=False
    )
    experience = serializers.ChoiceField(
        choices=Experience.choices, required=False, allow_blank=True
    )
    can_travel = serializers.BooleanField(required=False)

    def validate_languages(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(item.strip() for item in value if item.strip()))

    def validate_categories(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(Category.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown categories: {unknown}. Choose from {choices}.").format(
                    unknown=", ".join(unknown), choices=", ".join(Category.values)
                )
            )
        return list(dict.fromkeys(value))


class ModelProfileUpdateInputSerializer(ModelProfileCreateInputSerializer):
    """Every field optional: `PUT` is a partial update (docs/API.md §5)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class EmployerProfileCreateInputSerializer(serializers.Serializer):
    company_name = serializers.CharField(min_length=2, max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    contact_person = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.RegexField(
        r"^\+?[0-9][0-9 ()\-]{5,18}[0-9]$",
        max_length=20,
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("Enter a phone number such as +77771234567.")},
        help_text="7 to 15 digits (E.164), written with an optional leading +, spaces, "
        "parentheses and dashes, e.g. +7 777 123-45-67; empty to clear.",
    )
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(max_length=100, required=False)

    def validate_phone(self, value: str) -> str:
        digits = sum(char.isdigit() for char in value)
        if value and not 7 <= digits <= 15:  # E.164 allows at most 15 digits
            raise serializers.ValidationError(_("A phone number has 7 to 15 digits."))
        return value


class EmployerProfileUpdateInputSerializer(EmployerProfileCreateInputSerializer):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ModelListQuerySerializer(QuerySerializer):
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    min_age = serializers.IntegerField(min_value=0, max_value=200, required=False)
    max_age = serializers.IntegerField(min_value=0, max_value=200, required=False)
    min_height = serializers.IntegerField(min_value=0, max_value=400, required=False)
    max_height = serializers.IntegerField(min_value=0, max_value=400, required=False)
    city = serializers.CharField(max_length=100, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    experience = serializers.ChoiceField(choices=Experience.choices, required=False)
    search = serializers.CharField(max_length=100, required=False)
    ordering = serializers.ChoiceField(
        choices=[*ORDERING_FIELDS, *(f"-{field}" for field in ORDERING_FIELDS)], required=False
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # `?city=` (empty) means "no filter", like an absent parameter.
        cleaned = {key: data.get(key) for key in self.fields if data.get(key) not in (None, "")}
        return super().to_internal_value(cleaned)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        for low, high in (("min_age", "max_age"), ("min_height", "max_height")):
            if low in attrs and high in attrs and attrs[low] > attrs[high]:
                errors[high] = [_("Must be greater than or equal to {field}.").format(field=low)]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WorkExperienceInputSerializer(serializers.Serializer):
    company = serializers.CharField(max_length=200)
    position = serializers.CharField(max_length=200)
    # Within mwork.api.bounds' window: a year-1 or year-9999 date is a 400, not stored.
    start_date = BoundedDateField()
    end_date = BoundedDateField(
        required=False, allow_null=True, help_text="Not before start_date; null while ongoing."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end_date")
        if end is not None and end < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": [_("Must not be before start_date.")]})
        return attrs


class ReviewCreateInputSerializer(serializers.Serializer):
    casting_id = serializers.UUIDField()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=REVIEW_COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


# ---------------------------------------------------------------------------------------------
# Output (plain serializers over prefetched/annotated rows: no query per row)
# ---------------------------------------------------------------------------------------------
class ModelProfileListItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    age = serializers.IntegerField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    height = serializers.IntegerField(allow_null=True)
    city = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    experience = serializers.ChoiceField(choices=Experience.choices, allow_null=True)
    main_photo = serializers.SerializerMethodField()
    main_thumbnail = serializers.SerializerMethodField()
    is_promoted = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    reviews_count = serializers.IntegerField()

    def get_main_photo(self, obj: ModelProfile) -> str | None:
        return storage_url(obj.main_photo)

    def get_main_thumbnail(self, obj: ModelProfile) -> str | None:
        return storage_url(obj.main_thumbnail)

    def get_is_promoted(self, obj: ModelProfile) -> bool:
        return is_promoted(obj)

    def get_rating(self, obj: ModelProfile) -> float:
        return float(obj.rating)

    def to_representation(self, instance: ModelProfile) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["experience"] = data["experience"] or None
        return data


class PromotedModelItemSerializer(ModelProfileListItemSerializer):
    promoted_until = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_promoted_until(self, obj: ModelProfile) -> str | None:
        return format_datetime(promoted_until(obj))


def _promotion_ends_running(ends: datetime | None, now: datetime) -> datetime | None:
    return ends if ends is not None and ends > now else None


# ---------------------------------------------------------------------------------------------
# Answers as plain dicts (the catalogue, search, the model detail, the employer profile), built
# from the field specification (`profiles.card`)
#
# The serializer classes in this module stay the documented shape (OpenAPI, the agencies
# roster, the promoted list); these builders produce the same dicts, key for key and in the
# same order, without DRF's per-field machinery, which cost several times the SQL of these
# requests. profiles/tests/test_output_parity.py and test_field_specification.py pin both to
# each other.
# ---------------------------------------------------------------------------------------------
# How a field of `profiles.card` is written from its stored value (None: as it is).
_RENDER: dict[str, Callable[[Any], Any] | None] = {
    "as_is": None,
    "id": str,
    "file": storage_url,
    "float": float,
    "float_or_none": lambda value: None if value is None else float(value),
    "strings": lambda values: [str(value) for value in values],
    "or_none": lambda value: value or None,
    "datetime": format_datetime,
}
# (key, column, render, is the promotion) per field of `profiles.card.MODEL_CARD`, in order.
_CARD_PLAN = tuple(
    (field.key, field.column, _RENDER.get(field.render), field.render == "promoted")
    for field in MODEL_CARD
)


def model_card_data(row: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """`ModelProfileListItemSerializer`'s output from a `selectors.model_profile_card_list`
    row, by the card's field specification (`profiles.card`)."""
    out: dict[str, Any] = {}
    for key, column, render, promotion in _CARD_PLAN:
        value = row[column]
        if promotion:
            value = _promotion_ends_running(value, now) is not None
        elif render is not None:
            value = render(value)
        out[key] = value
    return out


def model_card_list_data(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [model_card_data(row, now=now) for row in rows]


def _photo_data(photo: dict[str, Any]) -> dict[str, Any]:  # a `ModelProfileDetail` photo row
    return {
        "id": str(photo["id"]),
        "url": storage_url(photo["image"]),
        "thumbnail_url": storage_url(photo["thumbnail"]),
        "is_main": photo["is_main"],
        "order": photo["order"],
    }


def _work_experience_data(item: dict[str, Any]) -> dict[str, Any]:  # a `ModelProfileDetail` row
    end_date = item["end_date"]
    return {
        "id": str(item["id"]),
        "company": item["company"],
        "position": item["position"],
        "start_date": item["start_date"].isoformat(),
        "end_date": end_date.isoformat() if end_date is not None else None,
    }


def _agency_data(profile: Any) -> dict[str, Any] | None:  # the detail query annotates it
    """`selectors.agency_of_profile`'s shape from the columns the detail query
    annotates (`selectors.ModelProfileDetail`)."""
    if profile.agency_user_id is None:
        return None
    employer_id = profile.agency_profile_id
    return {
        "id": str(employer_id) if employer_id is not None else None,
        "user_id": str(profile.agency_user_id),
        "company_name": profile.agency_company_name,
    }


# The detail's values that are not one column: (the detail, its promotion's end while it runs).
_DetailPart = Callable[[ModelProfileDetail, datetime | None], Any]
_DETAIL_PARTS: dict[str, _DetailPart] = {
    "photos": lambda detail, _until: [_photo_data(photo) for photo in detail.photos],
    "work_experience": lambda detail, _until: [
        _work_experience_data(item) for item in detail.work_experience
    ],
    "agency": lambda detail, _until: _agency_data(detail.profile),
    "promoted": lambda _detail, until: until is not None,
    "promoted_until": lambda _detail, until: format_datetime(until),
}
# (group, key, column, render, part) per field of `profiles.card.MODEL_DETAIL`, in order.
_DETAIL_PLAN = tuple(
    (
        field.group,
        field.key,
        field.column,
        _RENDER.get(field.render),
        _DETAIL_PARTS.get(field.render),
    )
    for field in MODEL_DETAIL
)


def model_profile_detail_data(detail: ModelProfileDetail) -> dict[str, Any]:
    """`ModelProfileDetailSerializer`'s output from a `selectors.model_profile_get` result, by
    the detail's field specification (`profiles.card`)."""
    profile = detail.profile
    running_until = _promotion_ends_running(
        getattr(profile, "promotion_ends", None), timezone.now()
    )
    out: dict[str, Any] = {}
    for group, key, column, render, part in _DETAIL_PLAN:
        if part is not None:
            value = part(detail, running_until)
        else:
            value = getattr(profile, column)
            if render is not None:
                value = render(value)
        if group is None:
            out[key] = value
        elif group in out:
            out[group][key] = value
        else:
            out[group] = {key: value}
    return out


# (key, read, render, a contact detail) per field of `profiles.card.EMPLOYER_PROFILE`, in order.
_EMPLOYER_PLAN = tuple(
    (field.key, attrgetter(field.column), _RENDER.get(field.render), field.contact)
    for field in EMPLOYER_PROFILE
)


def employer_profile_data(profile: EmployerProfile, *, show_contacts: bool) -> dict[str, Any]:
    """`EmployerProfileOutputSerializer`'s output, by the employer's field specification
    (`profiles.card`). Contact details are for signed-in callers only (no scraping by
    anonymous ones): null unless `show_contacts`."""
    out: dict[str, Any] = {}
    for key, read, render, contact in _EMPLOYER_PLAN:
        if contact and not show_contacts:
            out[key] = None
            continue
        value = read(profile)
        if render is not None and value is not None:
            value = render(value)
        out[key] = value
    return out


class MeasurementsSerializer(serializers.Serializer):
    bust = serializers.IntegerField(allow_null=True)
    waist = serializers.IntegerField(allow_null=True)
    hips = serializers.IntegerField(allow_null=True)


class PhotoItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    is_main = serializers.BooleanField()
    order = serializers.IntegerField()

    def get_url(self, obj: Any) -> str | None:
        return storage_url(obj.image)

    def get_thumbnail_url(self, obj: Any) -> str | None:
        return storage_url(obj.thumbnail)


class WorkExperienceOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    company = serializers.CharField()
    position = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class AgencySummaryOutputSerializer(serializers.Serializer):
    """`agency {id, user_id, company_name}`: `id` is the agency's employer profile id."""

    id = serializers.UUIDField(allow_null=True)
    user_id = serializers.UUIDField()
    company_name = serializers.CharField(allow_null=True)


class ModelProfileDetailSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    bio = serializers.CharField()
    age = serializers.IntegerField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    height = serializers.IntegerField(allow_null=True)
    weight = serializers.IntegerField(allow_null=True)
    measurements = serializers.SerializerMethodField()
    shoe_size = serializers.IntegerField(allow_null=True)
    clothing_size = serializers.ChoiceField(choices=ClothingSize.choices, allow_null=True)
    hair_color = serializers.CharField()
    eye_color = serializers.CharField()
    skin_tone = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    experience = serializers.ChoiceField(choices=Experience.choices, allow_null=True)
    can_travel = serializers.BooleanField()
    main_photo = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    work_experience = serializers.SerializerMethodField()
    is_promoted = serializers.SerializerMethodField()
    promoted_until = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    reviews_count = serializers.IntegerField()
    completeness = serializers.IntegerField()
    is_hidden = serializers.BooleanField()
    agency = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(
        AgencySummaryOutputSerializer(allow_null=True, help_text="The model's agency, or null.")
    )
    def get_agency(self, obj: ModelProfile) -> dict[str, Any] | None:
        return agency_of_profile(obj)

    @extend_schema_field(MeasurementsSerializer)
    def get_measurements(self, obj: ModelProfile) -> dict[str, int | None]:
        return {"bust": obj.bust, "waist": obj.waist, "hips": obj.hips}

    def get_main_photo(self, obj: ModelProfile) -> str | None:
        return storage_url(obj.main_photo)

    @extend_schema_field(PhotoItemSerializer(many=True))
    def get_photos(self, obj: ModelProfile) -> list[dict[str, Any]]:
        photos = getattr(obj, "photos", None)
        if photos is None:
            return []
        # many=True: a ListSerializer, whose .data is a ReturnList (the stubs say ReturnDict).
        return cast(list[dict[str, Any]], PhotoItemSerializer(photos.all(), many=True).data)

    @extend_schema_field(WorkExperienceOutputSerializer(many=True))
    def get_work_experience(self, obj: ModelProfile) -> list[dict[str, Any]]:
        rows = WorkExperienceOutputSerializer(obj.work_experience.all(), many=True).data
        return cast(list[dict[str, Any]], rows)  # a ReturnList, as above

    def get_is_promoted(self, obj: ModelProfile) -> bool:
        return is_promoted(obj)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_promoted_until(self, obj: ModelProfile) -> str | None:
        return format_datetime(promoted_until(obj))

    def get_rating(self, obj: ModelProfile) -> float:
        return float(obj.rating)

    def to_representation(self, instance: ModelProfile) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["experience"] = data["experience"] or None
        data["clothing_size"] = data["clothing_size"] or None
        return data


class EmployerProfileOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    company_name = serializers.CharField()
    description = serializers.CharField()
    website = serializers.CharField()
    contact_person = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    city = serializers.CharField()
    country = serializers.CharField()
    avatar = serializers.SerializerMethodField()
    is_verified = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    # Trust figures (docs/TRUST.md): denormalised columns, no query per request.
    rating = serializers.SerializerMethodField()
    reviews_count = serializers.IntegerField()
    member_since = serializers.DateTimeField(source="user.created_at")
    castings_posted = serializers.IntegerField()
    verified = serializers.BooleanField(source="is_verified")
    response_rate = serializers.SerializerMethodField()

    def get_avatar(self, obj: EmployerProfile) -> str | None:
        return storage_url(obj.avatar)

    def get_rating(self, obj: EmployerProfile) -> float:
        return float(obj.rating)

    def get_response_rate(self, obj: EmployerProfile) -> float | None:
        """Share (0 to 1) of the last 90 days' responses answered within 7 days; null if none."""
        return None if obj.response_rate is None else float(obj.response_rate)

    def to_representation(self, instance: EmployerProfile) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Contact details are for signed-in users only (no scraping by anonymous callers).
        if not self.context.get("show_contacts", False):
            data["contact_person"] = None
            data["phone"] = None
        return data


class ReviewAuthorSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    profile_id = serializers.UUIDField()
    casting_id = serializers.UUIDField()
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(ReviewAuthorSerializer)
    def get_author(self, obj: Any) -> dict[str, Any]:
        return {"id": str(obj.author_id), **user_display(obj.author)}


class ProfileMeModelSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["model"])
    profile = ModelProfileDetailSerializer()


class ProfileMeEmployerSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["employer"])
    profile = EmployerProfileOutputSerializer()


# `/profiles/me` data: the profile's shape depends on `type` (a discriminated oneOf).
PROFILE_ME_SCHEMA = PolymorphicProxySerializer(
    component_name="ProfilesMeData",
    serializers={"model": ProfileMeModelSerializer, "employer": ProfileMeEmployerSerializer},
    resource_type_field_name="type",
)
