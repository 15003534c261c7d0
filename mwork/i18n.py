"""Which language a request is answered in: the client's, then the user's, then `ru`.

`LocaleMiddleware` activates the language of the `django_language` cookie or of
`Accept-Language` (else LANGUAGE_CODE) and names it in `Content-Language`. The user is known
only after DRF authenticates the token, so `AccessTokenAuthentication` calls
`use_user_language` then: when the client asked for no language we support, the user's
`language` field wins over the default (docs/i18n.md).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_asked(request: HttpRequest) -> str | None:
    """The supported language the client asked for (cookie, then Accept-Language), or None."""
    asked = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if asked:
        return asked
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        asked = _supported(code)
        if asked:
            return asked
    return None


def use_user_language(request: HttpRequest, user) -> None:
    """Answer in `user.language` unless the client asked for a supported language itself."""
    language = _supported(getattr(user, "language", None))
    if language and language_asked(request) is None:
        translation.activate(language)
        request.LANGUAGE_CODE = language
