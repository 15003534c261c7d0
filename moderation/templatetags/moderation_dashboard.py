"""`{% moderation_dashboard %}`: today's numbers and 30-day charts on the admin index."""

from __future__ import annotations

from typing import Any

from django import template

from moderation.charts import stacked_bar_chart
from moderation.selectors import dashboard_stats

register = template.Library()

# (key, title, permission needed to see it or None, unit)
CHARTS = (
    ("signups", "Sign-ups by role", "accounts.view_user", ""),
    ("castings", "Castings posted", None, ""),
    ("responses", "Responses", None, ""),
    ("messages", "Chat messages", None, ""),
    ("revenue", "Revenue by plan, ₸", "billing.view_payment", " ₸"),
    ("reports", "Reports filed", "moderation.view_report", ""),
)


@register.inclusion_tag("admin/moderation/dashboard.html", takes_context=True)
def moderation_dashboard(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {"visible": False}
    stats = dashboard_stats()

    def allowed(permission: str | None) -> bool:
        return permission is None or user.has_perm(permission)

    charts = [
        {
            "key": key,
            "title": title,
            "svg": stacked_bar_chart(
                chart_id=key,
                title=title,
                days=stats["days"],
                series=stats["series"][key],
                unit=unit,
            ),
        }
        for key, title, permission, unit in CHARTS
        if allowed(permission)
    ]
    today = stats["today"]
    numbers = [
        (key, label, today[key])
        for key, label, permission in (
            ("signups", "Sign-ups", "accounts.view_user"),
            ("castings", "Castings posted", None),
            ("responses", "Responses", None),
            ("messages", "Messages", None),
            ("revenue", "Revenue, ₸", "billing.view_payment"),
            ("open_reports", "Open reports", "moderation.view_report"),
        )
        if allowed(permission)
    ]
    return {"visible": True, "today": today["date"], "numbers": numbers, "charts": charts}
