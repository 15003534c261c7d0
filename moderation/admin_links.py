"""Related links on admin change pages: user ↔ profile ↔ castings ↔ responses ↔
subscription ↔ payments ↔ reports ↔ audit entries, each a filtered list or a change page.

A ModelAdmin mixes in `RelatedLinksMixin` and answers `related(obj)` with `Link`s; the change
page shows those the staff member may view (`moderation.staff_policy`) in a bar above the form
(templates/admin/change_form.html). Lists are filtered with plain one-relation lookups
(`?owner=<id>`), which the admin allows without a `list_filter` for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from moderation import staff_policy


@dataclass(frozen=True)
class Link:
    label: Any  # a lazy translation
    model: str  # "app_label.model_name"
    query: dict[str, Any] = field(default_factory=dict)  # a filtered list…
    pk: Any = None  # …or one object's change page


def resolve_links(request: HttpRequest, links: list[Link]) -> list[tuple[str, str]]:
    """`[(label, url)]` of the links the user may open; models without an admin are skipped."""
    resolved = []
    for link in links:
        if not staff_policy.model_allows(request.user, link.model, "view"):
            continue
        app_label, model_name = link.model.split(".")
        try:
            if link.pk is not None:
                url = reverse(f"admin:{app_label}_{model_name}_change", args=[link.pk])
            else:
                url = reverse(f"admin:{app_label}_{model_name}_changelist")
                url += "?" + urlencode({k: str(v) for k, v in link.query.items()})
        except NoReverseMatch:
            continue
        resolved.append((str(link.label), url))
    return resolved


class RelatedLinksMixin:
    """Adds `related_links` to the change page's context from `related(obj)`."""

    def related(self, obj: Any) -> list[Link]:
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["related_links"] = resolve_links(request, self.related(obj))
        return super().change_view(request, object_id, form_url, extra_context)


def reports_on(target_id: Any) -> Link:
    return Link(_("reports on it"), "moderation.report", {"target_id": target_id, "status": "all"})


def reports_against(user_id: Any) -> Link:
    return Link(
        _("reports against the user"),
        "moderation.report",
        {"target_user": user_id, "status": "all"},
    )


def audit_about(target_id: Any) -> Link:
    return Link(_("audit entries"), "moderation.auditlogentry", {"target_id": target_id})
