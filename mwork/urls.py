"""Root URLs. Each app owns `<app>/urls.py`, included under /api/v1/ (docs/API.md §1)."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from mwork.api.handlers import json_page_not_found
from mwork.api.views import HealthView, PingView

# The back office's name on every admin page (Django's default says "Django administration").
admin.site.site_header = "MWork"
admin.site.site_title = "MWork"
admin.site.index_title = _("Back office")

api_v1: list[URLPattern | URLResolver] = [
    path("health", HealthView.as_view(), name="health"),
    path("ping", PingView.as_view(), name="ping"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Django tries the patterns in order, each app's in turn: the busiest routes (chat,
    # castings, the catalogue) first, so they are found in ~10-40 tries instead of ~90
    # (a resolve of a chat path cost 60 µs, of /ping 12). No path matches two patterns
    # (mwork/tests/test_urls.py), so the order decides nothing else.
    path("", include("chat.urls")),
    path("", include("castings.urls")),
    path("", include("profiles.urls")),
    path("", include("media.urls")),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("notifications.urls")),
    path("", include("agencies.urls")),
    path("", include("analytics.urls")),
    path("", include("searches.urls")),
    path("", include("moderation.urls")),
    path("", include("privacy.urls")),
    # Unknown paths and malformed ids under /api/v1 answer the JSON envelope in DEBUG too,
    # where Django would show its HTML debug page instead of calling handler404.
    # Exempt from CSRF like the API's own views: a POST to an unknown path is a 404, not a 403.
    re_path(r"^.*$", csrf_exempt(json_page_not_found)),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="docs"), name="root"),
    path("api/v1", RedirectView.as_view(pattern_name="docs")),
    path("api/v1/", include(api_v1)),
    path("", include("billing.webhook_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's switcher
]

if not settings.R2_BUCKET:
    # Local media on the embedded default (R2 serves its own files in production).
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler400 = "mwork.api.handlers.json_bad_request"
handler403 = "moderation.admin_errors.permission_denied"  # admin pages in /admin/, else JSON
handler404 = "moderation.admin_errors.page_not_found"
handler500 = "mwork.api.handlers.json_server_error"
