"""The `/api/v1/auth/...` endpoints (docs/API.md §4)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts import selectors, services
from accounts.consents import ConsentEvidence
from accounts.serializers import (
    EmailVerifyInputSerializer,
    LoginOutputSerializer,
    PasswordChangeInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    TokenPairOutputSerializer,
    TokenRefreshInputSerializer,
    UserLoginInputSerializer,
    UserLogoutInputSerializer,
    UserMeOutputSerializer,
    UserOutputSerializer,
    UserRegisterInputSerializer,
)
from mwork.api.ratelimit import ApiRateLimit, AuthRateLimit, client_ip
from mwork.api.responses import created, ok
from mwork.api.schema import api_schema, envelope, item_envelope, message_envelope

# Auth endpoints count against both the general API limit and RATELIMIT_AUTH per address.
AUTH_THROTTLES = [ApiRateLimit, AuthRateLimit]

VERIFICATION_SENT = _("If your e-mail address is not verified yet, a new link is on its way.")
RESET_SENT = _("If an account with this e-mail exists, a password reset link is on its way.")


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def consent_evidence(request) -> ConsentEvidence:
    """The address and user agent an acceptance is recorded with."""
    address = client_ip(request)
    return ConsentEvidence(
        ip_address=None if address == "0.0.0.0" else address,  # noqa: S104 - the unknown marker
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _token_pair(refresh) -> dict:
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


class _PublicAuthView(APIView):
    """Anonymous auth endpoints. No authentication at all: a stale `Authorization` header
    (an expired access token) must not stop a client from logging in or refreshing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES


class UserRegisterView(_PublicAuthView):
    @api_schema(
        request=UserRegisterInputSerializer,
        responses={201: item_envelope("AccountsRegister", "user", UserOutputSerializer)},
        errors=(400, 409, 429),
        summary="Create an account (model, employer or agency); sends a verification e-mail",
    )
    def post(self, request):
        user = services.user_register(
            **_validated(UserRegisterInputSerializer, request), evidence=consent_evidence(request)
        )
        return created({"user": UserOutputSerializer(user).data})


class UserLoginView(_PublicAuthView):
    @api_schema(
        request=UserLoginInputSerializer,
        responses={200: envelope("AccountsLogin", LoginOutputSerializer)},
        errors=(400, 401, 403, 429),
        summary="Log in with e-mail and password",
        description="401 INVALID_CREDENTIALS for an unknown e-mail or a wrong password alike; "
        "403 ACCOUNT_DISABLED for a banned account (only after the correct password).",
    )
    def post(self, request):
        user, refresh = services.user_login(**_validated(UserLoginInputSerializer, request))
        return ok({**_token_pair(refresh), "user": UserOutputSerializer(user).data})


class TokenRefreshView(_PublicAuthView):
    @api_schema(
        request=TokenRefreshInputSerializer,
        responses={200: envelope("AccountsRefresh", TokenPairOutputSerializer)},
        errors=(400, 401, 429),
        summary="Exchange a refresh token for a new access and refresh token (rotation)",
        description="The presented refresh token stops working. Presenting an already rotated "
        "refresh token again answers 401 INVALID_TOKEN and signs the user out everywhere.",
    )
    def post(self, request):
        data = _validated(TokenRefreshInputSerializer, request)
        _user, refresh = services.token_refresh(refresh_token=data["refresh_token"])
        return ok(_token_pair(refresh))


class UserLogoutView(APIView):
    @api_schema(
        request=UserLogoutInputSerializer,
        responses={200: message_envelope("AccountsLogout")},
        errors=(400, 401, 429),
        summary="Log out: revokes this access token and the given refresh token",
    )
    def post(self, request):
        data = _validated(UserLogoutInputSerializer, request)
        services.user_logout(
            user=request.user,
            access_token=request.auth,
            refresh_token=data.get("refresh_token") or None,
        )
        return ok(message=_("Logged out successfully"))


class UserMeView(APIView):
    @api_schema(
        responses={200: item_envelope("AccountsMe", "user", UserMeOutputSerializer)},
        errors=(401, 429),
        summary="The signed-in user with its subscription and consents",
    )
    def get(self, request):
        return ok({"user": UserMeOutputSerializer(selectors.user_me(user=request.user)).data})


class EmailVerifyView(_PublicAuthView):
    @api_schema(
        request=EmailVerifyInputSerializer,
        responses={200: item_envelope("AccountsVerifyEmail", "user", UserOutputSerializer)},
        errors=(400, 429),
        summary="Confirm an e-mail address with the token from the verification link",
        description="A bad, expired (48 h) or already used token is a 400 VALIDATION_ERROR "
        "with details.token.",
    )
    def post(self, request):
        user = services.email_verify(**_validated(EmailVerifyInputSerializer, request))
        return ok({"user": UserOutputSerializer(user).data})


class EmailVerificationResendView(APIView):
    throttle_classes = AUTH_THROTTLES

    @api_schema(
        request=None,
        responses={200: message_envelope("AccountsResendVerification")},
        errors=(401, 429),
        summary="Send the verification e-mail again (same answer whatever the state)",
    )
    def post(self, request):
        services.email_verification_resend(user=request.user)
        return ok(message=VERIFICATION_SENT)


class PasswordResetView(_PublicAuthView):
    @api_schema(
        request=PasswordResetInputSerializer,
        responses={200: message_envelope("AccountsPasswordReset")},
        errors=(400, 429),
        summary="E-mail a password reset link (same answer whether the address exists or not)",
    )
    def post(self, request):
        services.password_reset_request(**_validated(PasswordResetInputSerializer, request))
        return ok(message=RESET_SENT)


class PasswordResetConfirmView(_PublicAuthView):
    @api_schema(
        request=PasswordResetConfirmInputSerializer,
        responses={200: message_envelope("AccountsPasswordResetConfirm")},
        errors=(400, 429),
        summary="Set a new password with the token from the reset link",
        description="Every token of the user is revoked. A bad, expired (1 h) or already used "
        "token is a 400 VALIDATION_ERROR with details.token.",
    )
    def post(self, request):
        services.password_reset_confirm(**_validated(PasswordResetConfirmInputSerializer, request))
        return ok(message=_("Password has been reset. Log in with the new password."))


class PasswordChangeView(APIView):
    throttle_classes = AUTH_THROTTLES

    @api_schema(
        request=PasswordChangeInputSerializer,
        responses={200: envelope("AccountsChangePassword", TokenPairOutputSerializer)},
        errors=(400, 401, 429),
        summary="Change the password of the signed-in user",
        description="Every other session is signed out; the answer carries a fresh token pair "
        "for this one. A wrong old_password is a 400 VALIDATION_ERROR (details.old_password).",
    )
    def post(self, request):
        refresh = services.password_change(
            user=request.user, **_validated(PasswordChangeInputSerializer, request)
        )
        return ok(_token_pair(refresh))
