"""403 and 404 inside the back office are admin pages, not the API's JSON envelope.

`mwork/urls.py` points `handler403`/`handler404` here; anything outside `/admin/` (or a
visitor who is not staff) still gets the JSON envelope from `mwork.api.handlers`.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mwork.api.handlers import json_page_not_found, json_permission_denied


def _is_back_office(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return request.path.startswith("/admin/") and bool(user and user.is_active and user.is_staff)


def _page(
    request: HttpRequest, status: int, title: str | Promise, text: str | Promise
) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": title, "error_text": text}
    response = TemplateResponse(request, "admin/mwork_error.html", context, status=status)
    return response.render()


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_back_office(request):
        return _page(
            request,
            403,
            _("Not allowed"),
            _("Your staff role does not allow this page or action (see the staff policy)."),
        )
    return json_permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_back_office(request):
        return _page(request, 404, _("Not found"), _("This page or object does not exist."))
    return json_page_not_found(request, exception)
