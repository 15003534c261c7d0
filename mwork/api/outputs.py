"""A resource's answers, declared once for the bodies and their schema (docs/API.md §3).

The owner-scoped collections (saved searches, agency and team invitations, the roster…) answer
with two shapes: one object, `{"<item>": {...}}` (create, update, retrieve, accept), and a page
of them, `{"<items>": [...], "pagination": {...}}` (the owner's list). `Output` holds the
serializer and both keys, and gives the view the bodies and `api_schema` the envelopes
documenting exactly them, so a body's key and its documented key cannot drift:

    INVITATIONS = Output(InvitationOutputSerializer, item="invitation", items="invitations")

    @api_schema(responses={200: INVITATIONS.page_envelope("AgenciesInvitationList")}, ...)
    def get(self, request):
        return ok(INVITATIONS.page(request, selectors.invitation_list_for_user(...)))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import QuerySet
from rest_framework import serializers

from mwork.api.pagination import paginate
from mwork.api.schema import item_envelope, list_envelope


@dataclass(frozen=True)
class Output:
    serializer: type[serializers.BaseSerializer[Any]]
    item: str = ""  # the key of one object
    items: str = ""  # the key of a page of them

    def one(self, obj: Any) -> dict[str, Any]:
        """`{item: <obj serialized>}`."""
        return {self.item: self.serializer(obj).data}

    def many(self, rows: Iterable[Any]) -> list[dict[str, Any]]:
        # many=True: a ListSerializer, whose .data is a ReturnList (the stubs say ReturnDict).
        return cast(list[dict[str, Any]], self.serializer(rows, many=True).data)

    def page(self, request: Any, queryset: QuerySet[Any], **options: Any) -> dict[str, Any]:
        """A page of `queryset` under `items` (`mwork.api.pagination.paginate`, `options`
        passed on)."""
        return paginate(request, queryset, key=self.items, serialize=self.many, **options)

    def one_envelope(self, name: str) -> serializers.Serializer:
        """The schema of `one()` inside the success envelope."""
        return item_envelope(name, self.item, self.serializer)

    def page_envelope(self, name: str, **extra: serializers.Field) -> serializers.Serializer:
        """The schema of `page()` inside the success envelope (limit/offset documented)."""
        return list_envelope(name, self.items, self.serializer, **extra)
