"""Input and output shapes of the photo endpoints (docs/API.md §9)."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty

from mwork.api.serializers import QuerySerializer
from mwork.storage import storage_url


@extend_schema_serializer(component_name="MediaPhoto")
class PhotoOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    is_main = serializers.BooleanField()
    order = serializers.IntegerField()

    def get_url(self, photo) -> str | None:
        return storage_url(photo.image)

    def get_thumbnail_url(self, photo) -> str | None:
        return storage_url(photo.thumbnail)


def serialize_photos(photos) -> list[dict]:
    # many=True makes a ListSerializer, whose .data is a ReturnList (the stubs say ReturnDict).
    return cast(list[dict], PhotoOutputSerializer(photos, many=True).data)


@extend_schema_serializer(component_name="MediaPhotoUploadInput")
class PhotoUploadInputSerializer(serializers.Serializer):
    # A plain file field: the image pipeline, not the client's name or type, decides what it is
    # (and reports an empty file itself, under the same `file` key).
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    is_main = serializers.BooleanField(required=False, default=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=10_000)
    # An agency uploading for a roster model that gave photo consent.
    model_id = serializers.UUIDField(required=False)


class OptionalBooleanField(serializers.BooleanField):
    # DRF reads a boolean missing from form data as False (HTML checkbox rules); for a partial
    # update a missing field must stay missing.
    default_empty_html = empty


@extend_schema_serializer(component_name="MediaPhotoUpdateInput")
class PhotoUpdateInputSerializer(serializers.Serializer):
    """At least one of `is_main` and `order`."""

    schema_extra = {"minProperties": 1}  # documented: an empty body is a 400
    is_main = OptionalBooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=10_000)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send is_main and/or order."))
        return attrs


@extend_schema_serializer(component_name="MediaPhotoReorderInput")
class PhotoReorderInputSerializer(serializers.Serializer):
    photo_ids = serializers.ListField(
        child=serializers.UUIDField(), allow_empty=True, max_length=1000
    )


@extend_schema_serializer(component_name="MediaPhotoListQuery")
class PhotoListQuerySerializer(QuerySerializer):
    profile_id = serializers.UUIDField()
