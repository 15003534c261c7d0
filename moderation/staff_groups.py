"""The staff groups of the back office and the permissions each one holds.

- **Moderators**: users (view), profiles, castings, photos and chat (view, change, delete —
  what those apps' admins allow), reports (view, resolve/dismiss), blocks and the audit log
  (view), plus `moderation.can_ban_users` and `moderation.can_enforce`. No billing.
- **Finance**: plans, packages, subscriptions, payments (view, add, change; never delete).
  No users, no bans, no moderation.
- **Support**: view every model of every MWork app, change nothing.

Groups are synchronised after every `migrate` (a `post_migrate` receiver in `apps.py`), so
they also pick up the models of apps added later; `manage.py sync_staff_groups` does the same
by hand. Synchronising sets each group's permissions to exactly this table (idempotent).
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

MODERATORS = "Moderators"
FINANCE = "Finance"
SUPPORT = "Support"

PROJECT_APPS = (
    "accounts",
    "moderation",
    "billing",
    "notifications",
    "profiles",
    "media",
    "castings",
    "chat",
)

ALL = "*"  # every model of the app

# group → {(app_label, model or ALL): actions}, plus extra "app_label.codename" permissions.
GROUP_PERMISSIONS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    MODERATORS: {
        # View only: `change_user` would let a moderator edit groups (their own too).
        # Bans go through `moderation.can_ban_users`.
        ("accounts", "user"): ("view",),
        ("profiles", ALL): ("view", "change", "delete"),
        ("castings", ALL): ("view", "change", "delete"),
        ("media", ALL): ("view", "change", "delete"),
        ("chat", ALL): ("view", "change", "delete"),
        ("moderation", "report"): ("view", "change"),
        ("moderation", "block"): ("view",),
        ("moderation", "auditlogentry"): ("view",),
    },
    FINANCE: {
        ("billing", ALL): ("view", "add", "change"),
    },
    SUPPORT: {(app_label, ALL): ("view",) for app_label in PROJECT_APPS},
}

EXTRA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    MODERATORS: ("moderation.can_ban_users", "moderation.can_enforce"),
    FINANCE: (),
    SUPPORT: (),
}


def _model_names(app_label: str, model: str) -> list[str]:
    try:
        config = global_apps.get_app_config(app_label)
    except LookupError:  # the app is not installed (yet)
        return []
    if model != ALL:
        return [model]
    return [m._meta.model_name for m in config.get_models()]


def group_permission_codes(group: str) -> set[tuple[str, str]]:
    """`{(app_label, codename)}` the group should hold, from the tables above."""
    codes: set[tuple[str, str]] = set()
    for (app_label, model), actions in GROUP_PERMISSIONS[group].items():
        for model_name in _model_names(app_label, model):
            codes.update((app_label, f"{action}_{model_name}") for action in actions)
    for extra in EXTRA_PERMISSIONS[group]:
        app_label, codename = extra.split(".", 1)
        codes.add((app_label, codename))
    return codes


def staff_groups_sync(*, using: str = "default") -> dict[str, int]:
    """Create or update the three staff groups with exactly their permissions.

    Permissions that do not exist yet (an app without migrations) are skipped silently; the
    next `migrate` adds them. Returns `{group: number of permissions}`.
    """
    result: dict[str, int] = {}
    with transaction.atomic(using=using):
        for name in GROUP_PERMISSIONS:
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
