"""Thin views of the profiles API: validate → selector → one service → envelope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from mwork.api.exceptions import NotFound
from mwork.api.pagination import Page, count_cache_key, paginate
from mwork.api.permissions import IsEmployer, IsModel
from mwork.api.ratelimit import client_ip
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import api_schema, envelope, item_envelope, list_envelope
from profiles import selectors, services
from profiles.serializers import (
    PROFILE_ME_SCHEMA,
    EmployerProfileCreateInputSerializer,
    EmployerProfileOutputSerializer,
    EmployerProfileUpdateInputSerializer,
    ModelListQuerySerializer,
    ModelProfileCreateInputSerializer,
    ModelProfileDetailSerializer,
    ModelProfileListItemSerializer,
    ModelProfileUpdateInputSerializer,
    PromotedModelItemSerializer,
    ReviewCreateInputSerializer,
    ReviewOutputSerializer,
    WorkExperienceInputSerializer,
    WorkExperienceOutputSerializer,
    employer_profile_data,
    model_card_list_data,
    model_profile_detail_data,
)
from profiles.signals import model_profile_viewed

PROMOTED_DEFAULT_LIMIT = 10
PROMOTED_MAX_LIMIT = 50

_PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Items per page (default 20, max 100)."),
    OpenApiParameter("offset", int, description="Offset (default 0)."),
]
_MODEL_LIST_PARAMETERS = [
    *_PAGE_PARAMETERS,
    OpenApiParameter("gender", str, enum=["male", "female", "other"]),
    OpenApiParameter("min_age", int),
    OpenApiParameter("max_age", int),
    OpenApiParameter("min_height", int, description="Centimetres."),
    OpenApiParameter("max_height", int, description="Centimetres."),
    OpenApiParameter("city", str, description="Case-insensitive exact city name."),
    OpenApiParameter("category", str, enum=["fashion", "commercial", "editorial", "runway"]),
    OpenApiParameter("experience", str, enum=["beginner", "intermediate", "experienced"]),
    OpenApiParameter("search", str, description="Name and bio; misspelt names match too."),
    OpenApiParameter(
        "ordering",
        str,
        enum=["created_at", "-created_at", "rating", "-rating", "height", "-height", "age", "-age"],
    ),
]


if TYPE_CHECKING:
    _View = APIView
else:
    _View = object


class _PublicReadMixin(_View):
    """GET is public (a token still identifies the caller); other methods need a token."""

    write_permission: type = IsAuthenticated

    def get_permissions(self) -> list[Any]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [self.write_permission()]


def _model_detail(detail: selectors.ModelProfileDetail) -> dict[str, Any]:
    return model_profile_detail_data(detail)


def _employer_data(profile: Any, request: Any) -> dict[str, Any]:
    show_contacts = bool(request.user and request.user.is_authenticated)
    return employer_profile_data(profile, show_contacts=show_contacts)


# ---------------------------------------------------------------------------------------------
# Model profiles
# ---------------------------------------------------------------------------------------------
class ModelProfileListCreateView(_PublicReadMixin, APIView):
    write_permission = IsModel

    @api_schema(
        summary="List model profiles (catalogue) with filters, search and ordering",
        operation_id="profiles_models_list",
        parameters=_MODEL_LIST_PARAMETERS,
        responses={
            200: list_envelope("ProfilesModelList", "models", ModelProfileListItemSerializer)
        },
        errors=(400, 429),
    )
    def get(self, request):
        query = ModelListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = selectors.ModelFilters(**query.validated_data)
        queryset, similar = selectors.model_profile_card_search(
            filters=filters, viewer=request.user
        )
        # A signed-in viewer does not see the profiles blocked either way: their own count.
        viewer = request.user.pk if request.user.is_authenticated else None
        body = paginate(
            request,
            queryset,
            key="models",
            serialize=model_card_list_data,
            count_cap=settings.PAGINATION_SEARCH_COUNT_CAP if filters.search else None,
            fallback=similar,
            count_key=count_cache_key("models", filters, scope=viewer),
        )
        return ok(body)

    @api_schema(
        summary="Create the caller's model profile (role model)",
        request=ModelProfileCreateInputSerializer,
        responses={
            201: item_envelope("ProfilesModelCreate", "model", ModelProfileDetailSerializer)
        },
        errors=(400, 401, 403, 409),
    )
    def post(self, request):
        data = ModelProfileCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.model_profile_create(user=request.user, **data.validated_data)
        profile = selectors.model_profile_get_detail_for_owner(profile=profile)
        return created({"model": _model_detail(profile)})


class ModelProfilePromotedView(APIView):
    permission_classes = [AllowAny]

    @api_schema(
        summary="Promoted (featured) model profiles",
        parameters=[OpenApiParameter("limit", int, description="Default 10, max 50.")],
        responses={
            200: envelope(
                "ProfilesModelPromoted",
                {
                    "models": serializers.ListField(child=PromotedModelItemSerializer()),
                    "promoted_until": serializers.DateTimeField(allow_null=True),
                },
            )
        },
        errors=(400, 429),
    )
    def get(self, request):
        page = Page.from_request(
            request, default_limit=PROMOTED_DEFAULT_LIMIT, max_limit=PROMOTED_MAX_LIMIT
        )
        rows = list(selectors.model_profile_list_promoted(viewer=request.user)[: page.limit])
        items = PromotedModelItemSerializer(rows, many=True).data
        latest = max((item["promoted_until"] for item in items), default=None)
        return ok({"models": items, "promoted_until": latest})


class ModelProfileDetailView(_PublicReadMixin, APIView):
    @api_schema(
        summary="A model profile with measurements, photos and work experience",
        responses={
            200: item_envelope("ProfilesModelDetail", "model", ModelProfileDetailSerializer)
        },
        errors=(404, 429),
    )
    def get(self, request, profile_id):
        detail = selectors.model_profile_get(profile_id=profile_id, viewer=request.user)
        body = {"model": _model_detail(detail)}
        profile = detail.profile
        model_profile_viewed.send(
            sender=type(profile), profile=profile, viewer=request.user, address=client_ip(request)
        )
        return ok(body)

    @api_schema(
        summary="Update the caller's model profile (partial; owner only)",
        request=ModelProfileUpdateInputSerializer,
        responses={
            200: item_envelope("ProfilesModelUpdate", "model", ModelProfileDetailSerializer)
        },
        errors=(400, 401, 403, 404),
    )
    def put(self, request, profile_id):
        profile = selectors.model_profile_get_for_owner(user=request.user, profile_id=profile_id)
        data = ModelProfileUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.model_profile_update(profile=profile, **data.validated_data)
        profile = selectors.model_profile_get_detail_for_owner(profile=profile)
        return ok({"model": _model_detail(profile)})

    @api_schema(
        summary="Same as PUT (partial update; owner only)",
        request=ModelProfileUpdateInputSerializer,
        responses={200: item_envelope("ProfilesModelPatch", "model", ModelProfileDetailSerializer)},
        errors=(400, 401, 403, 404),
    )
    def patch(self, request, profile_id):
        return self.put(request, profile_id)


class WorkExperienceCreateView(APIView):
    @api_schema(
        summary="Add a work-experience entry to the caller's model profile",
        request=WorkExperienceInputSerializer,
        responses={
            201: item_envelope(
                "ProfilesWorkExperienceCreate", "work_experience", WorkExperienceOutputSerializer
            )
        },
        errors=(400, 401, 403, 404),
    )
    def post(self, request, profile_id):
        profile = selectors.model_profile_get_for_owner(user=request.user, profile_id=profile_id)
        data = WorkExperienceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.work_experience_add(profile=profile, **data.validated_data)
        return created({"work_experience": WorkExperienceOutputSerializer(item).data})


class WorkExperienceDeleteView(APIView):
    @api_schema(
        summary="Delete a work-experience entry of the caller's model profile",
        responses={204: None},
        errors=(401, 403, 404),
    )
    def delete(self, request, profile_id, item_id):
        profile = selectors.model_profile_get_for_owner(user=request.user, profile_id=profile_id)
        item = selectors.work_experience_get(profile=profile, item_id=item_id)
        services.work_experience_delete(item=item)
        return no_content()


class ReviewListCreateView(_PublicReadMixin, APIView):
    write_permission = IsEmployer

    @api_schema(
        summary="Reviews of a model profile (public)",
        parameters=_PAGE_PARAMETERS,
        responses={200: list_envelope("ProfilesReviewList", "reviews", ReviewOutputSerializer)},
        errors=(400, 404, 429),
    )
    def get(self, request, profile_id):
        profile = selectors.model_profile_get_visible(profile_id=profile_id)
        body = paginate(
            request,
            selectors.review_list(profile=profile),
            key="reviews",
            serialize=lambda rows: ReviewOutputSerializer(rows, many=True).data,
        )
        return ok(body)

    @api_schema(
        summary="Review a model after accepting their response to your casting (once per casting)",
        request=ReviewCreateInputSerializer,
        responses={201: item_envelope("ProfilesReviewCreate", "review", ReviewOutputSerializer)},
        errors=(400, 401, 403, 404, 409),
    )
    def post(self, request, profile_id):
        profile = selectors.model_profile_get_visible(profile_id=profile_id)
        data = ReviewCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(author=request.user, profile=profile, **data.validated_data)
        review = selectors.review_list(profile=profile).get(pk=review.pk)
        return created({"review": ReviewOutputSerializer(review).data})


# ---------------------------------------------------------------------------------------------
# Employer profiles and /me
# ---------------------------------------------------------------------------------------------
class EmployerProfileCreateView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        summary="Create the caller's employer profile (role employer or agency)",
        request=EmployerProfileCreateInputSerializer,
        responses={
            201: item_envelope(
                "ProfilesEmployerCreate", "employer", EmployerProfileOutputSerializer
            )
        },
        errors=(400, 401, 403, 409),
    )
    def post(self, request):
        data = EmployerProfileCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.employer_profile_create(user=request.user, **data.validated_data)
        return created({"employer": _employer_data(profile, request)})


class EmployerProfileDetailView(_PublicReadMixin, APIView):
    @api_schema(
        summary="An employer profile (contact details only for signed-in callers)",
        responses={
            200: item_envelope(
                "ProfilesEmployerDetail", "employer", EmployerProfileOutputSerializer
            )
        },
        errors=(404, 429),
    )
    def get(self, request, profile_id):
        profile = selectors.employer_profile_get(profile_id=profile_id)
        return ok({"employer": _employer_data(profile, request)})

    @api_schema(
        summary="Update the caller's employer profile (partial; owner only)",
        request=EmployerProfileUpdateInputSerializer,
        responses={
            200: item_envelope(
                "ProfilesEmployerUpdate", "employer", EmployerProfileOutputSerializer
            )
        },
        errors=(400, 401, 403, 404),
    )
    def put(self, request, profile_id):
        profile = selectors.employer_profile_get_for_owner(user=request.user, profile_id=profile_id)
        data = EmployerProfileUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.employer_profile_update(profile=profile, **data.validated_data)
        return ok({"employer": _employer_data(profile, request)})

    @api_schema(
        summary="Same as PUT (partial update; owner only)",
        request=EmployerProfileUpdateInputSerializer,
        responses={
            200: item_envelope("ProfilesEmployerPatch", "employer", EmployerProfileOutputSerializer)
        },
        errors=(400, 401, 403, 404),
    )
    def patch(self, request, profile_id):
        return self.put(request, profile_id)


class ProfileMeView(APIView):
    @api_schema(
        summary="The caller's own profile: {type: model|employer, profile}",
        responses={200: envelope("ProfilesMe", PROFILE_ME_SCHEMA)},
        errors=(401, 404),
    )
    def get(self, request):
        kind, profile = selectors.profile_for_user(user=request.user)
        if kind == "model":
            return ok({"type": "model", "profile": _model_detail(profile)})
        if kind == "employer":
            return ok({"type": "employer", "profile": _employer_data(profile, request)})
        raise NotFound()
