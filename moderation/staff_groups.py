"""Synchronise the Django staff groups with the policy (`moderation.staff_policy`).

Groups are synchronised after every `migrate` (a `post_migrate` receiver in `apps.py`), so
they also pick up the models of apps added later; `manage.py sync_staff_groups` does the same
by hand. Synchronising sets each group's permissions to exactly the policy (idempotent).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from accounts.models import Role, User, normalize_email
from moderation.audit import audit_log_write
from moderation.models import AuditAction
from moderation.staff_policy import (
    FINANCE,
    GROUPS,
    MODERATORS,
    ROLES,
    SUPERUSER,
    SUPPORT,
    group_permission_codes,
)
from mwork.api.exceptions import ValidationFailed

__all__ = [
    "FINANCE",
    "MODERATORS",
    "SUPPORT",
    "group_permission_codes",
    "staff_groups_sync",
    "staff_user_create",
]


def staff_groups_sync(*, using: str = "default") -> dict[str, int]:
    """Create or update the three staff groups with exactly their permissions.

    Permissions that do not exist yet (an app without migrations) are skipped silently; the
    next `migrate` adds them. Returns `{group: number of permissions}`.
    """
    result: dict[str, int] = {}
    with transaction.atomic(using=using):
        for name in GROUPS:
            wanted = group_permission_codes(name)
            labels = {app_label for app_label, _ in wanted}
            candidates = Permission.objects.using(using).filter(content_type__app_label__in=labels)
            permissions = [
                p
                for p in candidates.select_related("content_type")
                if (p.content_type.app_label, p.codename) in wanted
            ]
            group, _ = Group.objects.using(using).get_or_create(name=name)
            group.permissions.set(permissions)
            result[name] = len(permissions)
    return result


def staff_user_create(*, email: str, role: str, password: str) -> User:
    """Create an active staff account holding one policy role (a group, or `superuser`).

    An existing account with that e-mail is made staff of that role instead (its password is
    set too). Raises `ValidationFailed` for an unknown role or a password the validators reject.
    """
    if role not in ROLES:
        raise ValidationFailed.for_field("role", f"One of: {', '.join(ROLES)}.")
    email = normalize_email(email)
    try:
        validate_password(password, User(email=email))
    except DjangoValidationError as error:
        raise ValidationFailed.for_field("password", " ".join(error.messages)) from None
    staff_groups_sync()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, role=Role.ADMIN)
        else:
            user.set_password(password)
        user.role = Role.ADMIN
        user.is_staff = True
        user.is_active = True
        user.email_verified = True
        user.is_superuser = role == SUPERUSER
        user.save()
        if role in GROUPS:
            user.groups.add(Group.objects.get(name=role))
        audit_log_write(
            actor=None,  # a command run on the server
            action=AuditAction.STAFF_CREATE,
            target_type="accounts.user",
            target_id=user.pk,
            target_label=user.email,
            data={"role": role},
        )
    return user
