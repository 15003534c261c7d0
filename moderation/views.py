"""Reports and blocks: `/api/v1/reports`, `/api/v1/users/:id/block`, `/api/v1/users/blocked`."""

from __future__ import annotations

from rest_framework.views import APIView

from accounts import services as accounts_services
from moderation import selectors, services
from moderation.serializers import (
    BlockedUserOutputSerializer,
    ReportCreateInputSerializer,
    ReportOutputSerializer,
    blocked_user_data,
)
from mwork.api.pagination import paginate
from mwork.api.ratelimit import ApiRateLimit, _ScopedRateLimit
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import api_schema, item_envelope, list_envelope


class ReportRateLimit(_ScopedRateLimit):
    """RATELIMIT_REPORT per user: reports are reviewed by people, so flooding is abuse too."""

    scope = "report"
    rate_setting = "RATELIMIT_REPORT"


class ReportCreateView(APIView):
    throttle_classes = [ApiRateLimit, ReportRateLimit]

    @api_schema(
        request=ReportCreateInputSerializer,
        responses={201: item_envelope("ModerationReport", "report", ReportOutputSerializer)},
        errors=(400, 401, 404, 409, 429),
        summary="Report a user, profile, casting, chat message or photo to the moderators",
        description="404 when the target does not exist or is not visible to the caller; "
        "409 DUPLICATE_RESOURCE while the caller's previous report on it is still open.",
    )
    def post(self, request):
        serializer = ReportCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_create(reporter=request.user, **serializer.validated_data)
        return created({"report": ReportOutputSerializer(report).data})


def _block_item(block) -> dict:
    return {"user": blocked_user_data(block)}


class UserBlockView(APIView):
    @api_schema(
        request=None,
        responses={
            201: item_envelope("ModerationBlockCreated", "user", BlockedUserOutputSerializer),
            200: item_envelope("ModerationBlockExisting", "user", BlockedUserOutputSerializer),
        },
        errors=(400, 401, 404),
        summary="Block a user: no chat between you, and you disappear from each other's lists",
        description="201 on a new block, 200 when already blocked; 400 for yourself.",
    )
    def post(self, request, user_id):
        target = selectors.user_get_for_block(user_id=user_id)
        block, was_created = accounts_services.block_create(blocker=request.user, blocked=target)
        block = selectors.block_list_for_user(user=request.user).get(pk=block.pk)
        data = _block_item(block)
        return created(data) if was_created else ok(data)

    @api_schema(
        request=None,
        responses={204: None},
        errors=(401, 404),
        summary="Unblock a user (204 also when there was no block)",
    )
    def delete(self, request, user_id):
        target = selectors.user_get_for_block(user_id=user_id)
        accounts_services.block_delete(blocker=request.user, blocked=target)
        return no_content()


class BlockedUserListView(APIView):
    @api_schema(
        responses={
            200: list_envelope("ModerationBlockedUsers", "users", BlockedUserOutputSerializer)
        },
        errors=(400, 401),
        summary="The users you blocked, newest first",
    )
    def get(self, request):
        queryset = selectors.block_list_for_user(user=request.user)
        body = paginate(
            request,
            queryset,
            key="users",
            serialize=lambda blocks: [blocked_user_data(block) for block in blocks],
        )
        return ok(body)
