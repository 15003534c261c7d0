from __future__ import annotations

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.views import APIView

from mwork.api.exceptions import ValidationFailed
from mwork.api.pagination import paginate
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import api_schema, envelope, item_envelope, list_envelope
from notifications import selectors, services
from notifications.serializers import (
    DeviceOutputSerializer,
    DeviceRegisterInputSerializer,
    NotificationListQuerySerializer,
    NotificationOutputSerializer,
    NotificationPreferenceSerializer,
)


def _payloads(rows) -> list[dict]:
    language = translation.get_language()  # the answer's language (docs/i18n.md)
    return [row.as_payload(language=language) for row in rows]


class NotificationListView(APIView):
    @api_schema(
        summary="List my notifications, newest first",
        parameters=[
            NotificationListQuerySerializer,
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to 100, default 20"),
            OpenApiParameter("offset", OpenApiTypes.INT, description="default 0"),
        ],
        responses={
            200: list_envelope(
                "NotificationsList",
                "notifications",
                NotificationOutputSerializer,
                unread_count=serializers.IntegerField(),
            )
        },
        errors=(400, 401, 429),
    )
    def get(self, request):
        query = NotificationListQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationFailed(details=query.errors)
        body = paginate(
            request,
            selectors.notification_list(user=request.user, **query.validated_data),
            key="notifications",
            serialize=_payloads,
        )
        body["unread_count"] = selectors.notification_unread_count(user_id=request.user.id)
        return ok(body)


class NotificationReadView(APIView):
    @api_schema(
        summary="Mark one of my notifications read",
        request=None,
        responses={
            200: item_envelope("NotificationsRead", "notification", NotificationOutputSerializer)
        },
        errors=(401, 404, 429),
    )
    def post(self, request, notification_id):
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
        language = translation.get_language()
        return ok({"notification": notification.as_payload(language=language)})


class NotificationReadAllView(APIView):
    @api_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: envelope("NotificationsReadAll", {"updated": serializers.IntegerField()})},
        errors=(401, 429),
    )
    def post(self, request):
        return ok({"updated": services.notification_mark_all_read(user=request.user)})


class NotificationPreferenceView(APIView):
    @api_schema(
        summary="My notification preferences (created with defaults on first read)",
        responses={
            200: item_envelope(
                "NotificationsPreferences", "preferences", NotificationPreferenceSerializer
            )
        },
        errors=(401, 429),
    )
    def get(self, request):
        preference = services.notification_preference_get(user=request.user)
        return ok({"preferences": NotificationPreferenceSerializer.render(preference)})

    @api_schema(
        summary="Update my notification preferences (partial: only the fields sent change)",
        request=NotificationPreferenceSerializer,
        responses={
            200: item_envelope(
                "NotificationsPreferencesUpdate", "preferences", NotificationPreferenceSerializer
            )
        },
        errors=(400, 401, 429),
    )
    def put(self, request):
        payload = NotificationPreferenceSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        preference = services.notification_preference_update(
            user=request.user, **payload.validated_data
        )
        return ok({"preferences": NotificationPreferenceSerializer.render(preference)})


class DeviceRegisterView(APIView):
    @api_schema(
        summary="Register or refresh a push token (201 new for me, 200 already mine)",
        request=DeviceRegisterInputSerializer,
        responses={
            200: item_envelope("NotificationsDeviceRefreshed", "device", DeviceOutputSerializer),
            201: item_envelope("NotificationsDeviceRegistered", "device", DeviceOutputSerializer),
        },
        errors=(400, 401, 429),
    )
    def post(self, request):
        payload = DeviceRegisterInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        device, is_new = services.device_register(user=request.user, **payload.validated_data)
        body = {"device": DeviceOutputSerializer(device).data}
        return created(body) if is_new else ok(body)


class DeviceDeleteView(APIView):
    @api_schema(
        summary="Unregister one of my push devices",
        responses={204: None},
        errors=(401, 404, 429),
    )
    def delete(self, request, device_id):
        services.device_delete(user=request.user, device_id=device_id)
        return no_content()
