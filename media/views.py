"""Photo endpoints: thin views over `media.selectors` and `media.services`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from media import selectors, services
from media.serializers import (
    PhotoListQuerySerializer,
    PhotoOutputSerializer,
    PhotoReorderInputSerializer,
    PhotoUpdateInputSerializer,
    PhotoUploadInputSerializer,
    serialize_photos,
)
from mwork.api.pagination import paginate
from mwork.api.ratelimit import ApiRateLimit, UploadRateLimit
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import api_schema, item_envelope, list_envelope


class PhotoCollectionView(APIView):
    """`GET /photos?profile_id=` (public) and `POST /photos` (upload, rate-limited)."""

    throttle_classes = [ApiRateLimit, UploadRateLimit]

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        # The upload limit counts uploads only; reading a portfolio is an ordinary API call.
        if self.request.method == "POST":
            return [ApiRateLimit(), UploadRateLimit()]
        return [ApiRateLimit()]

    @api_schema(
        summary="List a profile's photos",
        description="Public. Photos in display order. 404 for hidden or unknown profiles.",
        parameters=[
            PhotoListQuerySerializer,
            OpenApiParameter("limit", int, description="Page size, default 20, at most 100."),
            OpenApiParameter("offset", int, description="Rows to skip, default 0."),
        ],
        responses={200: list_envelope("MediaPhotoList", "photos", PhotoOutputSerializer)},
        errors=(400, 404, 429),
    )
    def get(self, request):
        query = PhotoListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        photos = selectors.photo_list_for_profile(
            profile_id=query.validated_data["profile_id"], user=request.user
        )
        return ok(paginate(request, photos, key="photos", serialize=serialize_photos))

    @api_schema(
        summary="Upload a portfolio photo",
        description=(
            "Multipart: `file` (JPEG, PNG, WebP or HEIC; at most 10 MB and 40 megapixels), "
            "`is_main`, `order`. The image is auto-rotated, stripped of all metadata, "
            "re-encoded as JPEG with its long side at most 2560 px, and gets a 400 px "
            "thumbnail. The first photo becomes main. Counts against the plan's photo quota."
        ),
        request={"multipart/form-data": PhotoUploadInputSerializer},
        responses={201: item_envelope("MediaPhotoUpload", "photo", PhotoOutputSerializer)},
        # 404: an agency's `model_id` that is not on its roster.
        errors=(400, 401, 403, 404, 413, 429),
    )
    def post(self, request):
        data = PhotoUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.photo_upload(actor=request.user, **data.validated_data)
        return created({"photo": PhotoOutputSerializer(photo).data})


class PhotoDetailView(APIView):
    """`PUT /photos/:id` (is_main, order) and `DELETE /photos/:id` by the owner."""

    permission_classes = [IsAuthenticated]

    @api_schema(
        summary="Update a photo's main mark or order",
        description=(
            "Partial update by the owner. `is_main: true` moves the main mark to this photo; "
            "`is_main: false` on the main photo is refused (mark another photo as main)."
        ),
        request=PhotoUpdateInputSerializer,
        responses={200: item_envelope("MediaPhotoUpdate", "photo", PhotoOutputSerializer)},
        errors=(400, 401, 403, 404, 429),
    )
    def put(self, request, photo_id):
        data = PhotoUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = selectors.photo_get_for_owner(user=request.user, photo_id=photo_id)
        photo = services.photo_update(actor=request.user, photo=photo, **data.validated_data)
        return ok({"photo": PhotoOutputSerializer(photo).data})

    @api_schema(
        summary="Delete a photo",
        description="The owner deletes a photo; deleting the main photo promotes the next one.",
        responses={204: None},
        errors=(401, 403, 404, 429),
    )
    def delete(self, request, photo_id):
        photo = selectors.photo_get_for_owner(user=request.user, photo_id=photo_id)
        services.photo_delete(actor=request.user, photo=photo)
        return no_content()


class PhotoReorderView(APIView):
    """`POST /photos/reorder {photo_ids}`: the full new order of the caller's photos."""

    permission_classes = [IsAuthenticated]

    @api_schema(
        summary="Reorder your photos",
        description=(
            "`photo_ids` must list every photo of your profile exactly once; each photo's "
            "`order` becomes its position in the list. Answers the photos in the new order."
        ),
        request=PhotoReorderInputSerializer,
        responses={
            200: item_envelope("MediaPhotoReorder", "photos", PhotoOutputSerializer(many=True))
        },
        errors=(400, 401, 403, 429),
    )
    def post(self, request):
        data = PhotoReorderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.photos_reorder(actor=request.user, **data.validated_data)
        return ok({"photos": serialize_photos(photos)})
