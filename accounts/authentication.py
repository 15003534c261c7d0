"""DRF authentication: `Authorization: Bearer <access JWT>`, checked as
`accounts.tokens.user_from_access_token` checks it, its denylist read in the round trip that
counts the view's per-user rate limits, and that round trip overlapped with the read of the
token's user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.tokens import access_token_decoded, access_token_user, denylist_key, token_user
from mwork.api.exceptions import InvalidToken
from mwork.api.ratelimit import precount, user_windows
from mwork.i18n import use_user_language
from mwork.ids import parse_uuid
from mwork.ratelimits import checking, uncount


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
        token = access_token_decoded(raw)
        # One round trip reads the token's denylist entry and counts the call in the view's
        # per-user limits, which the throttles then take as counted (a refused token is
        # uncounted): docs/PERFORMANCE.md, "Authentication in one round trip". The token's
        # user is read from PostgreSQL while Redis answers (`checking`; "Tenth round").
        user_id = parse_uuid(token.get("user_id"))
        view = (getattr(request, "parser_context", None) or {}).get("view")
        scoped = user_windows(view, user_id) if user_id is not None else []
        windows = [window for _scope, window in scoped]
        with checking(windows, [denylist_key(token["jti"])]) as answer:
            user = token_user(token)
            (revoked,), usages = answer()
        try:
            user = access_token_user(token, revoked=revoked, user=user)
        except InvalidToken:
            uncount(windows)
            raise
        precount(request, user_id, {scope: u for (scope, _), u in zip(scoped, usages, strict=True)})
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
