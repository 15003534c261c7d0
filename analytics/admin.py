"""Read-only back office views of the analytics rollup (the beat job writes it)."""

from __future__ import annotations

from django.contrib import admin

from analytics.models import DailyViewStat, RollupState
from moderation.admin_policy import PolicyAdmin as _ReadOnly  # the policy grants view only


@admin.register(DailyViewStat)
class DailyViewStatAdmin(_ReadOnly):
    list_display = ("day", "kind", "object_id", "owner", "dimension", "value", "views")
    list_filter = ("kind", "dimension", "day")
    list_select_related = ("owner",)
    search_fields = ("owner__email", "object_id")
    date_hierarchy = "day"


@admin.register(RollupState)
class RollupStateAdmin(_ReadOnly):
    list_display = ("rolled_through", "updated_at")
