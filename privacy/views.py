"""The privacy endpoints: account deletion and restore, legal documents and consents, data
export (docs/PRIVACY.md)."""

from __future__ import annotations

from django.http import FileResponse
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts import consents
from accounts.deletion import account_restore
from accounts.serializers import (
    ConsentOutputSerializer,
    LoginOutputSerializer,
    UserOutputSerializer,
)
from accounts.views import (
    AUTH_THROTTLES,
    UserMeView,
    _PublicAuthView,
    _token_pair,
    _validated,
    consent_evidence,
)
from mwork.api.exceptions import NotFound
from mwork.api.ratelimit import ApiRateLimit
from mwork.api.responses import created, ok
from mwork.api.schema import api_schema, envelope, item_envelope
from privacy import exports, selectors, services
from privacy.serializers import (
    AccountDeleteInputSerializer,
    AccountDeleteOutputSerializer,
    AccountRestoreInputSerializer,
    ConsentAcceptInputSerializer,
    ConsentWithdrawInputSerializer,
    ConsentWithdrawOutputSerializer,
    ExportCreatedOutputSerializer,
    ExportOutputSerializer,
    LegalDocumentListOutputSerializer,
)


def _scheduled(user) -> dict:
    return AccountDeleteOutputSerializer({"status": "scheduled", "purge_at": user.purge_at}).data


class AccountView(UserMeView):
    """GET: the signed-in user (accounts); DELETE: schedule the account's deletion."""

    def get_throttles(self):
        # DELETE checks a password: the login limit. GET /auth/me is an ordinary read.
        if self.request.method == "DELETE":
            return [throttle() for throttle in AUTH_THROTTLES]
        return super().get_throttles()

    @api_schema(
        request=AccountDeleteInputSerializer,
        responses={200: envelope("AccountsDelete", AccountDeleteOutputSerializer)},
        errors=(400, 401, 422, 429),
        summary="Delete my account: everything is hidden at once and erased at purge_at",
        description="Every token is revoked and every socket closed; profiles disappear, "
        "active castings are cancelled, pending responses withdrawn and auto-renewal stopped. "
        "An e-mail links to the restore page. A wrong password is a 400 (details.password).",
    )
    def delete(self, request):
        data = _validated(AccountDeleteInputSerializer, request)
        user = services.account_deletion_schedule(user=request.user, password=data["password"])
        return ok(_scheduled(user))


class AccountRestoreView(_PublicAuthView):
    @api_schema(
        request=AccountRestoreInputSerializer,
        responses={200: envelope("AccountsRestore", LoginOutputSerializer)},
        errors=(400, 401, 429),
        summary="Undo a scheduled account deletion; answers like login",
        description="Tokens issued before the deletion stay revoked; castings stay cancelled. "
        "401 INVALID_CREDENTIALS for a wrong password or an account not pending deletion.",
    )
    def post(self, request):
        user, refresh = account_restore(**_validated(AccountRestoreInputSerializer, request))
        return ok({**_token_pair(refresh), "user": UserOutputSerializer(user).data})


class LegalDocumentListView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ApiRateLimit]

    @api_schema(
        responses={200: envelope("LegalDocuments", LegalDocumentListOutputSerializer)},
        errors=(429,),
        summary="The current versions of the legal documents (terms, privacy, marketing)",
    )
    def get(self, request):
        documents = consents.legal_documents_current()
        return ok(LegalDocumentListOutputSerializer({"documents": documents}).data)


class ConsentAcceptView(APIView):
    @api_schema(
        request=ConsentAcceptInputSerializer,
        responses={201: item_envelope("ConsentAccept", "consent", ConsentOutputSerializer)},
        errors=(400, 401, 404, 429),
        summary="Accept the current version of a legal document",
        description="An older version is a 400 VALIDATION_ERROR (details.version).",
    )
    def post(self, request):
        consent = services.consent_accept(
            user=request.user,
            evidence=consent_evidence(request),
            **_validated(ConsentAcceptInputSerializer, request),
        )
        return created({"consent": ConsentOutputSerializer(consent).data})


class ConsentWithdrawView(APIView):
    throttle_classes = AUTH_THROTTLES

    @api_schema(
        request=ConsentWithdrawInputSerializer,
        responses={200: envelope("ConsentWithdraw", ConsentWithdrawOutputSerializer)},
        errors=(400, 401, 404, 422, 429),
        summary="Withdraw a consent; withdrawing `privacy` schedules the account's deletion",
        description="For `privacy` the password is required, as for DELETE /auth/me, and the "
        "answer carries the scheduled deletion.",
    )
    def delete(self, request, document: str):
        data = _validated(ConsentWithdrawInputSerializer, request)
        user = services.consent_withdraw(
            user=request.user, document=document, password=data["password"]
        )
        return ok(
            {
                "document": document,
                "withdrawn": True,
                "deletion": _scheduled(user) if user is not None else None,
            }
        )


class DataExportCreateView(APIView):
    @api_schema(
        request=None,
        responses={202: envelope("DataExportCreate", ExportCreatedOutputSerializer)},
        errors=(401, 429),
        summary="Request an archive of my data (one a day); ready when notified",
        description="429 RATE_LIMIT_EXCEEDED with retry_after when one was requested in the "
        "last 24 hours.",
    )
    def post(self, request):
        export = services.data_export_request(user=request.user)
        return ok({"export_id": str(export.pk), "status": export.status}, status=202)


class DataExportDetailView(APIView):
    @api_schema(
        responses={200: envelope("DataExport", ExportOutputSerializer)},
        errors=(401, 404, 429),
        summary="State of an export; download_url (valid until expires_at) once ready",
    )
    def get(self, request, export_id):
        export = selectors.data_export_get_for_owner(user=request.user, export_id=export_id)
        export.download_url = exports.download_url(
            export=export, base_url=request.build_absolute_uri("/")
        )
        return ok(ExportOutputSerializer(export).data)


class DataExportDownloadView(APIView):
    """The signed link itself is the credential (it is e-mailed); it dies at `expires_at`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ApiRateLimit]

    @api_schema(
        responses={(200, "application/zip"): bytes},
        errors=(404, 429),
        summary="Download an export archive through its signed link",
    )
    def get(self, request, token: str):
        export_id = exports.download_token_export_id(token)
        export = selectors.data_export_get_by_id(export_id=export_id) if export_id else None
        if export is None:
            raise NotFound()
        return FileResponse(
            exports.export_storage().open(export.file, "rb"),
            as_attachment=True,
            filename=f"mwork-data-{export.created_at:%Y%m%d}.zip",
            content_type="application/zip",
        )
