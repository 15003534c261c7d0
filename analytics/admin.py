"""Read-only back office views of the analytics rollup (the beat job writes it)."""

from __future__ import annotations

from django.contrib import admin

from analytics.models import DailyViewStat, RollupState


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
