"""Back-office middleware: the admin shows every time in the platform's zone (Asia/Almaty)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone


class AdminTimeZoneMiddleware:
    """Activates PLATFORM_TIME_ZONE for admin pages; the API keeps writing UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(reverse("admin:index")):
            return self.get_response(request)
        with timezone.override(ZoneInfo(settings.PLATFORM_TIME_ZONE)):
            return self.get_response(request)
