"""DRF authentication: `Authorization: Bearer <access JWT>` through `user_from_access_token`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.tokens import user_from_access_token
from mwork.api.exceptions import InvalidToken
from mwork.i18n import use_user_language


class AccessTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise InvalidToken(_("Authorization header must be 'Bearer <token>'."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise InvalidToken() from None
        user, token = user_from_access_token(raw)
        use_user_language(request._request, user)  # the user is known only from here on
        return user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing.
        return 'Bearer realm="api"'


class AccessTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents `AccessTokenAuthentication` in the OpenAPI schema as a bearer JWT."""

    target_class = "accounts.authentication.AccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme word, not a secret
            bearer_format="JWT",
        )
