"""Reads of the notifications app."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from mwork.api.exceptions import NotFound
from notifications.models import Device, Notification


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (served by the (user, is_read, created_at) index)."""
    queryset = Notification.objects.filter(user=user)
    if unread_only:
        queryset = queryset.filter(is_read=False)
    return queryset.order_by("-created_at", "-id")


def notification_unread_count(*, user_id: UUID | str) -> int:
    return Notification.objects.filter(user_id=user_id, is_read=False).count()


def notification_get_for_owner(*, user: User, notification_id: UUID | str) -> Notification:
    """Raises NotFound for someone else's notification as for a missing one."""
    try:
        return Notification.objects.get(id=notification_id, user=user)
    except (Notification.DoesNotExist, ValueError) as error:
        raise NotFound(_("Notification not found.")) from error


def device_get_for_owner(*, user: User, device_id: UUID | str) -> Device:
    """Raises NotFound for someone else's device as for a missing one."""
    try:
        return Device.objects.get(id=device_id, user=user)
    except (Device.DoesNotExist, ValueError) as error:
        raise NotFound(_("Device not found.")) from error
