"""`{% moderation_dashboard %}`: today's numbers and 30-day charts on the admin index.

Every number and every day's bars link to the admin list they count, filtered the same way
(the dashboard's filters in `moderation.selectors` become changelist query parameters).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from moderation.charts import stacked_bar_chart
from moderation.selectors import REVENUE, SIGNUPS, dashboard_stats
from mwork.formats import thousands

register = template.Library()


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def _params(filters: dict[str, Any]) -> dict[str, str]:
    """ORM filters as admin changelist parameters (`is_staff=False` → `is_staff=0`)."""
    return {key: _query_value(value) for key, value in filters.items()}


# key → (model label, date field or None, fixed changelist parameters)
TARGETS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "signups": ("accounts.user", "created_at", _params(SIGNUPS)),
    "castings": ("castings.casting", "created_at", {}),
    "responses": ("castings.response", "applied_at", {}),
    "messages": ("chat.message", "created_at", {}),
    "revenue": ("billing.payment", "paid_at", _params(REVENUE)),
    "reports": ("moderation.report", "created_at", {"status": "all"}),
    "open_reports": ("moderation.report", None, {"status": "open"}),
}

# (key, title, permission needed to see it or None, unit)
CHARTS = (
    ("signups", _("Sign-ups by role"), "accounts.view_user", ""),
    ("castings", _("Castings posted"), None, ""),
    ("responses", _("Responses"), None, ""),
    ("messages", _("Chat messages"), None, ""),
    ("revenue", _("Revenue by plan, ₸"), "billing.view_payment", " ₸"),
    ("reports", _("Reports filed"), "moderation.view_report", ""),
)
NUMBERS = (
    ("signups", _("Sign-ups"), "accounts.view_user"),
    ("castings", _("Castings posted"), None),
    ("responses", _("Responses"), None),
    ("messages", _("Messages"), None),
    ("revenue", _("Revenue, ₸"), "billing.view_payment"),
    ("open_reports", _("Open reports"), "moderation.view_report"),
)


def changelist_url(user: Any, key: str, day: dt.date | None = None) -> str:
    """The admin list behind one dashboard number ("" when `user` may not view it)."""
    label, date_field, params = TARGETS[key]
    app_label, model_name = label.split(".")
    if not user.has_perm(f"{app_label}.view_{model_name}"):
        return ""
    try:
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:  # the app is not installed (yet)
        return ""
    query = dict(params)
    if day is not None and date_field is not None:
        # `__date` is taken in the active time zone: the admin's, the platform's (Asia/Almaty).
        query[f"{date_field}__date"] = day.isoformat()
    return f"{url}?{urlencode(query)}" if query else url


@register.inclusion_tag("admin/moderation/dashboard.html", takes_context=True)
def moderation_dashboard(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {"visible": False}
    stats = dashboard_stats()

    def allowed(permission: str | None) -> bool:
        return permission is None or user.has_perm(permission)

    def day_link(key: str):
        if not changelist_url(user, key):
            return None
        return lambda day: changelist_url(user, key, day)

    charts = [
        {
            "key": key,
            "title": title,
            "svg": stacked_bar_chart(
                chart_id=key,
                title=str(title),
                days=stats["days"],
                series=stats["series"][key],
                unit=unit,
                day_url=day_link(key),
            ),
        }
        for key, title, permission, unit in CHARTS
        if allowed(permission)
    ]
    today = stats["today"]
    numbers = [
        {
            "key": key,
            "label": label,
            "value": thousands(today[key]),
            "url": changelist_url(user, key, None if key == "open_reports" else today["date"]),
        }
        for key, label, permission in NUMBERS
        if allowed(permission)
    ]
    return {"visible": True, "today": today["date"], "numbers": numbers, "charts": charts}
