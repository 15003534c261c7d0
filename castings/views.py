"""Castings and responses endpoints: validate → selector → one service → envelope."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from castings import employer_trust, selectors, services
from castings.serializers import (
    AuditionCreateInputSerializer,
    AuditionDeclineInputSerializer,
    AuditionListQuerySerializer,
    AuditionOutputSerializer,
    AuditionUpdateInputSerializer,
    CastingInputSerializer,
    CastingInviteInputSerializer,
    CastingInviteOutputSerializer,
    CastingListQuerySerializer,
    CastingOutputSerializer,
    CastingResponseListQuerySerializer,
    CastingResponseOutputSerializer,
    CastingStatusInputSerializer,
    EmployerReviewCreateInputSerializer,
    EmployerReviewOutputSerializer,
    MyCastingsQuerySerializer,
    MyResponseOutputSerializer,
    ResponseBulkStatusInputSerializer,
    ResponseBulkStatusOutputSerializer,
    ResponseListQuerySerializer,
    ResponseNoteInputSerializer,
    ResponseNoteOutputSerializer,
    ResponseOutputSerializer,
    ResponseStatusInputSerializer,
    ResponseSubmitInputSerializer,
    SavedCastingOutputSerializer,
    response_data,
)
from castings.signals import casting_viewed
from mwork.api.negotiation import JsonOnlyNegotiation, csv_attachment
from mwork.api.pagination import count_cache_key, paginate
from mwork.api.permissions import IsEmployer, IsModel
from mwork.api.ratelimit import client_ip
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import api_schema, envelope, item_envelope, list_envelope
from mwork.api.serializers import validated_query
from profiles.selectors import employer_profile_get


def _castings(cards: Any) -> list[dict[str, Any]]:
    # many=True: a ListSerializer, whose .data is a ReturnList (the stubs say ReturnDict).
    return cast(list[dict[str, Any]], CastingOutputSerializer(cards, many=True).data)


def _casting(card: dict[str, Any]) -> dict[str, Any]:
    return {"casting": CastingOutputSerializer(card).data}


class _MethodPermissionsView(APIView):
    """One path, several operations with their own permission classes."""

    method_permissions: dict[str, list[type]] = {}

    def get_permissions(self):
        classes = self.method_permissions.get(self.request.method, [IsAuthenticated])
        return [permission() for permission in classes]


class CastingListCreateView(_MethodPermissionsView):
    method_permissions = {"GET": [AllowAny], "POST": [IsEmployer]}

    @api_schema(
        operation_id="castings_list",
        summary="List castings (public: active, or completed/cancelled by `status`)",
        responses={200: list_envelope("CastingsList", "castings", CastingOutputSerializer)},
        errors=(400, 429),
        parameters=[CastingListQuerySerializer],
    )
    def get(self, request):
        filters = selectors.CastingFilters(**validated_query(request, CastingListQuerySerializer))
        queryset = selectors.casting_list_public_cards(filters=filters)
        # The same castings for every caller (docs/API.md §6): one count for all of them.
        count_key = count_cache_key("castings", filters)
        # A search's matches are rechecked row by row in the table (visibility, the owner):
        # counted up to the search cap, as the catalogue's search (docs/API.md §3).
        count_cap = (
            settings.PAGINATION_SEARCH_COUNT_CAP if selectors.searches_text(filters) else None
        )
        return ok(
            paginate(
                request,
                queryset,
                key="castings",
                serialize=_castings,
                count_cap=count_cap,
                count_key=count_key,
            )
        )

    @api_schema(
        operation_id="castings_create",
        summary="Post a casting (employer or agency with an employer profile)",
        request=CastingInputSerializer,
        responses={201: item_envelope("CastingsCreated", "casting", CastingOutputSerializer)},
        errors=(400, 401, 403, 429),
    )
    def post(self, request):
        serializer = CastingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        casting = services.casting_create(
            actor=request.user, status=data["status"] or "active", **data["fields"]
        )
        return created(
            _casting(selectors.casting_get_card(user=request.user, casting_id=casting.id))
        )


class CastingDetailView(_MethodPermissionsView):
    method_permissions = {"GET": [AllowAny]}

    @api_schema(
        operation_id="castings_retrieve",
        summary="One casting (drafts only for their owner)",
        responses={200: item_envelope("CastingsDetail", "casting", CastingOutputSerializer)},
        errors=(404, 429),
    )
    def get(self, request, casting_id: UUID):
        card = selectors.casting_get_card(user=request.user, casting_id=casting_id)
        body = _casting(card)
        casting = selectors.casting_reference(card=card)
        casting_viewed.send(
            sender=type(casting), casting=casting, viewer=request.user, address=client_ip(request)
        )
        return ok(body)

    @api_schema(
        operation_id="castings_update",
        summary="Update a casting (owner; partial)",
        # Partial: documented without required fields (found by the contract fuzzer).
        request=CastingInputSerializer(partial=True),
        responses={200: item_envelope("CastingsUpdated", "casting", CastingOutputSerializer)},
        errors=(400, 401, 403, 404, 422, 429),
    )
    def put(self, request, casting_id: UUID):
        casting = selectors.casting_get_for_owner(user=request.user, casting_id=casting_id)
        serializer = CastingInputSerializer(
            data=request.data, partial=True, context={"casting": casting}
        )
        serializer.is_valid(raise_exception=True)
        services.casting_update(casting=casting, **serializer.validated_data["fields"])
        return ok(_casting(selectors.casting_get_card(user=request.user, casting_id=casting_id)))

    @api_schema(
        operation_id="castings_destroy",
        summary="Delete a casting (owner)",
        responses={204: None},
        errors=(401, 403, 404, 429),
    )
    def delete(self, request, casting_id: UUID):
        casting = selectors.casting_get_for_owner(user=request.user, casting_id=casting_id)
        services.casting_delete(casting=casting)
        return no_content()


class CastingStatusView(APIView):
    @api_schema(
        operation_id="castings_status_update",
        summary="Change a casting's status (owner): draft→active|cancelled, "
        "active→completed|cancelled",
        request=CastingStatusInputSerializer,
        responses={200: item_envelope("CastingsStatus", "casting", CastingOutputSerializer)},
        errors=(400, 401, 403, 404, 422, 429),
    )
    def patch(self, request, casting_id: UUID):
        serializer = CastingStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        casting = selectors.casting_get_for_owner(user=request.user, casting_id=casting_id)
        services.casting_change_status(casting=casting, status=serializer.validated_data["status"])
        return ok(_casting(selectors.casting_get_card(user=request.user, casting_id=casting_id)))


class MyCastingsView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="castings_my_list",
        summary="The caller's castings, drafts included",
        responses={200: list_envelope("CastingsMine", "castings", CastingOutputSerializer)},
        errors=(400, 401, 403, 429),
        parameters=[MyCastingsQuerySerializer],
    )
    def get(self, request):
        status = validated_query(request, MyCastingsQuerySerializer).get("status")
        queryset = selectors.casting_list_owned(user=request.user, status=status)
        return ok(paginate(request, queryset, key="castings", serialize=_castings))


class SavedCastingsView(APIView):
    @api_schema(
        operation_id="castings_saved_list",
        summary="Castings the caller saved",
        responses={200: list_envelope("CastingsSaved", "castings", CastingOutputSerializer)},
        errors=(400, 401, 429),
    )
    def get(self, request):
        queryset = selectors.casting_list_saved(user=request.user)
        return ok(paginate(request, queryset, key="castings", serialize=_castings))


class CastingSaveView(APIView):
    @api_schema(
        operation_id="castings_save_create",
        summary="Save a casting (201; 200 when already saved)",
        responses={
            201: item_envelope("CastingsSave", "saved", SavedCastingOutputSerializer),
            200: item_envelope("CastingsSaveAgain", "saved", SavedCastingOutputSerializer),
        },
        errors=(401, 404, 429),
    )
    @extend_schema(request=None)
    def post(self, request, casting_id: UUID):
        casting = selectors.casting_get(user=request.user, casting_id=casting_id)
        saved, was_created = services.casting_save(user=request.user, casting=casting)
        data = {"saved": SavedCastingOutputSerializer(saved).data}
        return created(data) if was_created else ok(data)

    @api_schema(
        operation_id="castings_save_destroy",
        summary="Remove a casting from the saved ones",
        responses={204: None},
        errors=(401, 404, 429),
    )
    def delete(self, request, casting_id: UUID):
        casting = selectors.casting_get(user=request.user, casting_id=casting_id)
        services.casting_unsave(user=request.user, casting=casting)
        return no_content()


class CastingResponsesView(APIView):
    content_negotiation_class = JsonOnlyNegotiation

    @api_schema(
        operation_id="castings_responses_list",
        summary="Responses to a casting (its owner and team) with the team's notes; filters, "
        "ordering, and `format=csv` (BUSINESS) to export the filtered list",
        description=(
            "Withdrawn responses only by `status`. `min_age`/`max_age`, `min_height`/"
            "`max_height` and `city` filter on the applicant, `has_note` on the team's note; "
            "`ordering` is `created_at`/`-created_at` (applied; default newest first) or "
            "`rating`/`-rating`. `format=csv` answers text/csv with every filtered row (at "
            "most 10,000): response_id, status, applied_at, model_id, name, age, height, city, "
            "rating, matches_requirements, submitted_by, note, message, portfolio_links; below "
            'BUSINESS it is 403 SUBSCRIPTION_LIMIT with `{"feature": "responses_export"}`.'
        ),
        responses={
            (200, "application/json"): list_envelope(
                "CastingsResponses", "responses", CastingResponseOutputSerializer
            ),
            (200, "text/csv"): OpenApiTypes.STR,
        },
        errors=(400, 401, 403, 404, 429),
        parameters=[CastingResponseListQuerySerializer],
    )
    def get(self, request, casting_id: UUID):
        query = validated_query(request, CastingResponseListQuerySerializer)
        output = query.pop("format", "json")
        casting = selectors.casting_get_for_owner(user=request.user, casting_id=casting_id)
        filters = selectors.ResponseFilters(**query)
        if output == "csv":
            rows = selectors.response_export_rows(casting=casting, filters=filters)
            return csv_attachment(
                filename=f"mwork-responses-{casting.id}.csv",
                columns=selectors.RESPONSE_EXPORT_COLUMNS,
                rows=rows,
            )
        queryset = selectors.response_list_for_casting(casting=casting, filters=filters)

        def serialize(rows):
            return CastingResponseOutputSerializer(
                rows, many=True, context={"casting": casting}
            ).data

        return ok(paginate(request, queryset, key="responses", serialize=serialize))

    @api_schema(
        operation_id="castings_responses_create",
        summary="Apply to a casting (model with a profile; plan limit applies)",
        request=ResponseSubmitInputSerializer,
        responses={
            201: item_envelope("CastingsResponseCreated", "response", ResponseOutputSerializer)
        },
        errors=(400, 401, 403, 404, 409, 422, 429),
    )
    def post(self, request, casting_id: UUID):
        serializer = ResponseSubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The casting and the caller's own profile in one read (an agency submitting a roster
        # model has none: the service reads that model's profile).
        casting, applicant = selectors.casting_get_to_apply(
            user=request.user, casting_id=casting_id
        )
        response = services.response_submit(
            actor=request.user, casting=casting, applicant=applicant, **serializer.validated_data
        )
        return created({"response": response_data(response)})


class CastingResponsesBulkStatusView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="castings_responses_bulk_status",
        summary="Move up to 200 responses of a casting to one status in one transaction "
        "(casting owner and team): all or none; each model is notified once",
        request=ResponseBulkStatusInputSerializer,
        responses={200: envelope("CastingsResponsesBulk", ResponseBulkStatusOutputSerializer)},
        errors=(400, 401, 403, 404, 422, 429),
    )
    def post(self, request, casting_id: UUID):
        serializer = ResponseBulkStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        casting = selectors.casting_get_for_owner(user=request.user, casting_id=casting_id)
        responses = services.response_bulk_change_status(
            casting=casting,
            response_ids=data["response_ids"],
            status=data["status"],
            message=data["message"],
            notify_model=data["notify"],
        )
        return ok(
            ResponseBulkStatusOutputSerializer(
                {"updated": len(responses), "responses": responses}
            ).data
        )


class CastingInvitesView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="castings_invites_create",
        summary="Invite a model to apply (casting owner and team); counted on the "
        "organization's plan: FREE 0, PRO 20, BUSINESS 200 a month",
        description=(
            "The model is notified; its later response to the casting carries `invited: true` "
            "in the owner's list. 409 when the model was already invited or already applied; "
            '403 SUBSCRIPTION_LIMIT `{"feature": "casting_invites", "limit", "used", "plan"}` '
            "past the month's allowance."
        ),
        request=CastingInviteInputSerializer,
        responses={201: item_envelope("CastingsInvite", "invite", CastingInviteOutputSerializer)},
        errors=(400, 401, 403, 404, 409, 422, 429),
    )
    def post(self, request, casting_id: UUID):
        serializer = CastingInviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        casting = selectors.casting_get_for_owner(user=request.user, casting_id=casting_id)
        invite = services.casting_invite_create(
            actor=request.user,
            casting=casting,
            model_profile_id=serializer.validated_data["model_id"],
            message=serializer.validated_data["message"],
        )
        return created({"invite": CastingInviteOutputSerializer(invite).data})


class MyResponsesView(APIView):
    permission_classes = [IsModel]

    @api_schema(
        operation_id="responses_my_list",
        summary="The caller's applications",
        responses={
            200: list_envelope("CastingsMyResponses", "responses", MyResponseOutputSerializer)
        },
        errors=(400, 401, 403, 429),
        parameters=[ResponseListQuerySerializer],
    )
    def get(self, request):
        status = validated_query(request, ResponseListQuerySerializer).get("status")
        queryset = selectors.response_list_for_model(user=request.user, status=status)
        return ok(
            paginate(
                request,
                queryset,
                key="responses",
                serialize=lambda rows: MyResponseOutputSerializer(rows, many=True).data,
            )
        )


class ResponseStatusView(APIView):
    @api_schema(
        operation_id="responses_status_update",
        summary="Move a response (casting owner and team): pending→shortlisted|accepted|rejected, "
        "shortlisted→accepted|rejected, accepted→rejected; a shortlist reaches the model only "
        "with notify: true",
        request=ResponseStatusInputSerializer,
        responses={
            200: item_envelope("CastingsResponseStatus", "response", ResponseOutputSerializer)
        },
        errors=(400, 401, 403, 404, 422, 429),
    )
    def patch(self, request, response_id: UUID):
        serializer = ResponseStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = selectors.response_get_for_casting_owner(
            user=request.user, response_id=response_id
        )
        response = services.response_change_status(
            response=response,
            status=serializer.validated_data["status"],
            notify_model=serializer.validated_data["notify"],
        )
        return ok({"response": ResponseOutputSerializer(response).data})


class ResponseNoteView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="responses_note_update",
        summary="Write the team's private note on a response (casting owner and team; never "
        "shown to the model); a blank note removes it",
        request=ResponseNoteInputSerializer,
        responses={
            200: item_envelope("CastingsResponseNote", "note", ResponseNoteOutputSerializer)
        },
        errors=(400, 401, 403, 404, 429),
    )
    def put(self, request, response_id: UUID):
        serializer = ResponseNoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = selectors.response_get_for_casting_owner(
            user=request.user, response_id=response_id
        )
        note = services.response_note_set(
            actor=request.user, response=response, note=serializer.validated_data["note"]
        )
        return ok(
            {
                "note": ResponseNoteOutputSerializer(
                    {
                        "response_id": response.id,
                        "note": note.text if note is not None else None,
                        "updated_at": note.updated_at if note is not None else None,
                    }
                ).data
            }
        )


class ResponseDetailView(APIView):
    @api_schema(
        operation_id="responses_destroy",
        summary="Withdraw a pending response (its author); it still counts against the plan",
        responses={204: None},
        errors=(401, 403, 404, 422, 429),
    )
    def delete(self, request, response_id: UUID):
        response = selectors.response_get_for_applicant(user=request.user, response_id=response_id)
        services.response_withdraw(response=response)
        return no_content()


# ------------------------------------------------------------------------------------------
# Auditions
# ------------------------------------------------------------------------------------------
def _audition(audition: Any) -> dict[str, Any]:
    return {"audition": AuditionOutputSerializer(audition).data}


class ResponseAuditionsView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="responses_auditions_create",
        summary="Invite an applicant to an audition or callback (casting owner and team); the "
        "model is notified",
        request=AuditionCreateInputSerializer,
        responses={
            201: item_envelope("CastingsAuditionCreated", "audition", AuditionOutputSerializer)
        },
        errors=(400, 401, 403, 404, 422, 429),
    )
    def post(self, request, response_id: UUID):
        serializer = AuditionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = selectors.response_get_for_casting_owner(
            user=request.user, response_id=response_id
        )
        audition = services.audition_create(
            actor=request.user, response=response, **serializer.validated_data
        )
        return created(_audition(audition))


class AuditionListView(APIView):
    @api_schema(
        operation_id="auditions_list",
        summary="The caller's auditions, soonest first: a model's invitations, or those of the "
        "castings of the caller's organization",
        parameters=[AuditionListQuerySerializer],
        responses={200: list_envelope("CastingsAuditions", "auditions", AuditionOutputSerializer)},
        errors=(400, 401, 429),
    )
    def get(self, request):
        status = validated_query(request, AuditionListQuerySerializer).get("status")
        queryset = selectors.audition_list_for_user(user=request.user, status=status)
        return ok(
            paginate(
                request,
                queryset,
                key="auditions",
                serialize=lambda rows: AuditionOutputSerializer(rows, many=True).data,
            )
        )


class AuditionDetailView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="auditions_update",
        summary="Change an audition (casting owner and team); moving it or changing the place "
        "asks the model again and notifies it",
        request=AuditionUpdateInputSerializer,
        responses={
            200: item_envelope("CastingsAuditionUpdated", "audition", AuditionOutputSerializer)
        },
        errors=(400, 401, 403, 404, 422, 429),
    )
    def patch(self, request, audition_id: UUID):
        serializer = AuditionUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        audition = selectors.audition_get_for_team(user=request.user, audition_id=audition_id)
        audition = services.audition_update(audition=audition, **serializer.validated_data)
        return ok(_audition(audition))


class AuditionCancelView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="auditions_cancel",
        summary="Call an audition off (casting owner and team); the model is notified",
        request=None,
        responses={
            200: item_envelope("CastingsAuditionCancelled", "audition", AuditionOutputSerializer)
        },
        errors=(401, 403, 404, 422, 429),
    )
    def post(self, request, audition_id: UUID):
        audition = selectors.audition_get_for_team(user=request.user, audition_id=audition_id)
        return ok(_audition(services.audition_cancel(audition=audition)))


class AuditionConfirmView(APIView):
    permission_classes = [IsModel]

    @api_schema(
        operation_id="auditions_confirm",
        summary="Confirm an audition invitation (the invited model)",
        request=None,
        responses={
            200: item_envelope("CastingsAuditionConfirmed", "audition", AuditionOutputSerializer)
        },
        errors=(401, 403, 404, 422, 429),
    )
    def post(self, request, audition_id: UUID):
        audition = selectors.audition_get_for_model(user=request.user, audition_id=audition_id)
        return ok(_audition(services.audition_answer(audition=audition, confirm=True)))


class AuditionDeclineView(APIView):
    permission_classes = [IsModel]

    @api_schema(
        operation_id="auditions_decline",
        summary="Decline an audition invitation, with an optional reason (the invited model)",
        request=AuditionDeclineInputSerializer,
        responses={
            200: item_envelope("CastingsAuditionDeclined", "audition", AuditionOutputSerializer)
        },
        errors=(400, 401, 403, 404, 422, 429),
    )
    def post(self, request, audition_id: UUID):
        serializer = AuditionDeclineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        audition = selectors.audition_get_for_model(user=request.user, audition_id=audition_id)
        audition = services.audition_answer(
            audition=audition, confirm=False, reason=serializer.validated_data["reason"]
        )
        return ok(_audition(audition))


# ------------------------------------------------------------------------------------------
# Reviews of employers (docs/TRUST.md)
# ------------------------------------------------------------------------------------------
class EmployerReviewListCreateView(_MethodPermissionsView):
    method_permissions = {"GET": [AllowAny], "POST": [IsModel]}

    @api_schema(
        operation_id="profiles_employers_reviews_list",
        summary="Reviews of an employer by models they accepted (public)",
        responses={
            200: list_envelope(
                "ProfilesEmployerReviewList", "reviews", EmployerReviewOutputSerializer
            )
        },
        errors=(400, 404, 429),
        parameters=[
            OpenApiParameter("limit", int, description="Items per page (default 20, max 100)."),
            OpenApiParameter("offset", int, description="Offset (default 0)."),
        ],
    )
    def get(self, request, profile_id):
        employer = employer_profile_get(profile_id=profile_id)
        body = paginate(
            request,
            employer_trust.employer_review_list(employer=employer),
            key="reviews",
            serialize=lambda rows: EmployerReviewOutputSerializer(rows, many=True).data,
        )
        return ok(body)

    @api_schema(
        operation_id="profiles_employers_reviews_create",
        summary="Review an employer after an accepted response whose shoot date has passed "
        "(once per casting; docs/API.md §13)",
        request=EmployerReviewCreateInputSerializer,
        responses={
            201: item_envelope(
                "ProfilesEmployerReviewCreate", "review", EmployerReviewOutputSerializer
            )
        },
        errors=(400, 401, 403, 404, 409, 422),
    )
    def post(self, request, profile_id):
        employer = employer_profile_get(profile_id=profile_id)
        data = EmployerReviewCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = employer_trust.employer_review_create(
            author=request.user, employer=employer, **data.validated_data
        )
        review = employer_trust.employer_review_list(employer=employer).get(pk=review.pk)
        return created({"review": EmployerReviewOutputSerializer(review).data})
