"""The staff policy of the back office, as data: who may see and do what.

One table per concern, read by everything else:

- `MODEL_ACCESS`: per admin model (and per editable inline model), what each staff role may do
  in the admin — `v`iew, `a`dd, `c`hange, `d`elete. The admin's `has_*_permission` answers
  from it (`moderation.admin_policy.PolicyAdmin`), and the Django groups get exactly these
  permissions (`staff_groups_sync`). A model missing here is invisible to everyone.
- `CAPABILITIES`: the state-changing operations that are not plain edits (ban, enforce,
  refund…). Every admin action declares the capability it needs (`permissions=[<cap>]`); each
  capability is a Django permission on `moderation.Report` (`moderation.<codename>`), which the
  services check too.
- `ROLE_CAPABILITIES`: which role holds which capability.

Roles are the three staff groups plus `superuser` (Django's `is_superuser`). A staff user in
no group can log in and sees nothing. Holding several groups gives the union.
`manage.py staff_policy --markdown` prints the tables docs/BACK_OFFICE.md shows; a test keeps
them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

SUPERUSER = "superuser"
MODERATORS = "Moderators"
FINANCE = "Finance"
SUPPORT = "Support"

GROUPS = (MODERATORS, FINANCE, SUPPORT)
ROLES = (SUPERUSER, *GROUPS)
# Roles that must sign in with an authenticator code when ADMIN_2FA_REQUIRED is on.
SECOND_FACTOR_ROLES = frozenset({SUPERUSER, FINANCE})

VERBS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


@dataclass(frozen=True)
class Capability:
    codename: str  # the Django permission on moderation.Report
    description: str


# name → permission. The names are what admin actions declare in `permissions=[...]`.
CAPABILITIES: dict[str, Capability] = {
    "ban": Capability(
        "can_ban_users", "Can ban and unban users (revokes tokens, hides profile, cancels castings)"
    ),
    "enforce": Capability(
        "can_enforce", "Can hide castings and profiles, remove photos and delete messages"
    ),
    "resolve": Capability("can_resolve_reports", "Can resolve and dismiss reports"),
    "publish": Capability("can_publish_castings", "Can publish and cancel castings"),
    "verify": Capability("can_verify", "Can mark companies and e-mail addresses verified"),
    "promote": Capability("can_promote", "Can grant and end staff promotion of profiles"),
    "grant_subscription": Capability(
        "can_grant_subscription", "Can grant a subscription (and pick its user)"
    ),
    "extend_subscription": Capability("can_extend_subscription", "Can extend subscriptions"),
    "cancel_subscription": Capability("can_cancel_subscription", "Can cancel subscriptions"),
    "refund": Capability("can_refund", "Can record refunds made in Robokassa"),
    "manage_agencies": Capability(
        "can_manage_agencies", "Can remove managers, cancel invitations and end roster links"
    ),
    "announce": Capability("can_announce", "Can send announcements to users"),
    "unlock_logins": Capability("can_unlock_logins", "Can lift admin login lockouts"),
    "review": Capability(
        "can_review_flags",
        "Can approve or reject automatically flagged and held content (safety rules)",
    ),
    "purge": Capability(
        "can_purge_accounts",
        "Can erase a scheduled account's personal data at once (before its purge date)",
    ),
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    SUPERUSER: frozenset(CAPABILITIES),
    MODERATORS: frozenset(
        {"ban", "enforce", "resolve", "publish", "verify", "manage_agencies", "review"}
    ),
    FINANCE: frozenset(
        {"grant_subscription", "extend_subscription", "cancel_subscription", "refund", "promote"}
    ),
    SUPPORT: frozenset(),
}


def _roles(**letters: str) -> dict[str, str]:
    mapping = {"SU": SUPERUSER, "MOD": MODERATORS, "FIN": FINANCE, "SUP": SUPPORT}
    return {mapping[key]: value for key, value in letters.items() if value}


# app_label.model_name → {role: letters}. Status, visibility and money never change through a
# plain edit: those are capabilities (actions) that go through the services.
MODEL_ACCESS: dict[str, dict[str, str]] = {
    # accounts
    "accounts.user": _roles(SU="vac", MOD="v", SUP="v"),
    "auth.group": _roles(SU="v", SUP="v"),  # synced from this table, never edited by hand
    # A new version is a new row (accepted versions stay as they were: consent evidence).
    "accounts.legaldocument": _roles(SU="va", SUP="v"),
    "accounts.consent": _roles(SU="v", SUP="v"),
    "accounts.block": _roles(SU="v", MOD="v", SUP="v"),
    # moderation
    "moderation.report": _roles(SU="v", MOD="v", SUP="v"),
    "moderation.auditlogentry": _roles(SU="v", MOD="v", FIN="v", SUP="v"),
    # trust and safety: the rule set is plain data staff edit; flags are decided by actions
    "safety.rule": _roles(SU="vacd", MOD="vacd", SUP="v"),
    "safety.flag": _roles(SU="v", MOD="v", SUP="v"),
    "safety.trustfacts": _roles(SU="v", MOD="v", SUP="v"),
    # billing
    "billing.plan": _roles(SU="vac", FIN="vac", SUP="v"),
    "billing.responsepackage": _roles(SU="vac", FIN="vac", SUP="v"),
    "billing.subscription": _roles(SU="va", FIN="va", SUP="v"),
    "billing.payment": _roles(SU="v", FIN="v", SUP="v"),
    "billing.paymentevent": _roles(SU="v", FIN="v", SUP="v"),
    "billing.responsecredit": _roles(SU="v", FIN="v", SUP="v"),
    # notifications
    "notifications.notification": _roles(SU="v", SUP="v"),
    "notifications.notificationpreference": _roles(SU="v", SUP="v"),
    "notifications.device": _roles(SU="v", SUP="v"),
    # profiles and photos
    "profiles.modelprofile": _roles(SU="vc", MOD="vc", FIN="v", SUP="v"),  # FIN: promotion
    "profiles.workexperience": _roles(SU="vacd", MOD="vacd", SUP="v"),  # inline on profiles
    "profiles.employerprofile": _roles(SU="vc", MOD="vc", SUP="v"),
    "profiles.review": _roles(SU="vd", MOD="vd", SUP="v"),
    "media.photo": _roles(SU="v", MOD="v", SUP="v"),
    # castings
    "castings.casting": _roles(SU="vc", MOD="vc", SUP="v"),
    "castings.response": _roles(SU="v", MOD="v", SUP="v"),
    "castings.savedcasting": _roles(SU="v", SUP="v"),
    "castings.employerreview": _roles(SU="vd", MOD="vd", SUP="v"),
    # agencies
    "agencies.organization": _roles(SU="v", MOD="v", SUP="v"),
    "agencies.organizationmember": _roles(SU="v", MOD="v", SUP="v"),
    "agencies.organizationinvitation": _roles(SU="v", MOD="v", SUP="v"),
    "agencies.agencyinvitation": _roles(SU="v", MOD="v", SUP="v"),
    "agencies.rostermembership": _roles(SU="vac", MOD="vac", SUP="v"),
    # analytics
    "analytics.dailyviewstat": _roles(SU="v", SUP="v"),
    "analytics.rollupstate": _roles(SU="v", SUP="v"),
    # chat
    "chat.room": _roles(SU="v", MOD="v", SUP="v"),
    "chat.membership": _roles(SU="v", MOD="v", SUP="v"),  # inline on rooms
    "chat.message": _roles(SU="v", MOD="v", SUP="v"),
    # admin login throttling (django-axes): lockouts are seen here and lifted by an action
    "axes.accessattempt": _roles(SU="v", SUP="v"),
    "axes.accesslog": _roles(SU="v", SUP="v"),
    "axes.accessfailurelog": _roles(SU="v", SUP="v"),
    # privacy: scheduled account deletions (purging at once is the `purge` capability)
    "privacy.scheduleddeletion": _roles(SU="v", MOD="v", SUP="v"),
}


# ---------------------------------------------------------------------------------------------
# Questions the rest of the code asks
# ---------------------------------------------------------------------------------------------
def roles_of(user) -> set[str]:
    """The policy roles of an active staff user (empty for anyone else)."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return set()
    roles = {SUPERUSER} if user.is_superuser else set()
    cached = getattr(user, "_staff_policy_groups", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=GROUPS).values_list("name", flat=True))
        user._staff_policy_groups = cached
    return roles | cached


def model_allows(user, label: str, verb: str) -> bool:
    """May `user` do `verb` (view/add/change/delete) on model `label` in the admin?"""
    letter = verb[0]
    access = MODEL_ACCESS.get(label, {})
    for role in roles_of(user):
        letters = access.get(role, "")
        if letter in letters or (letter == "v" and "c" in letters):
            return True
    return False


def holds(user, capability: str) -> bool:
    """Does `user` hold `capability` (a key of CAPABILITIES)?"""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown staff capability {capability!r}")
    return any(capability in ROLE_CAPABILITIES[role] for role in roles_of(user))


def capability_permission(capability: str) -> str:
    """`moderation.<codename>`: the Django permission behind a capability (services check it)."""
    return f"moderation.{CAPABILITIES[capability].codename}"


def capability_meta_permissions() -> list[tuple[str, str | StrPromise]]:
    """`Meta.permissions` of moderation.Report: one Django permission per capability."""
    return [(cap.codename, cap.description) for cap in CAPABILITIES.values()]


def group_permission_codes(group: str) -> set[tuple[str, str]]:
    """`{(app_label, codename)}` the Django group holds: its model rights and capabilities."""
    codes: set[tuple[str, str]] = set()
    for label, access in MODEL_ACCESS.items():
        letters = access.get(group, "")
        app_label, model_name = label.split(".")
        if "c" in letters and "v" not in letters:
            letters += "v"
        codes.update((app_label, f"{VERBS[letter]}_{model_name}") for letter in letters)
    for capability in ROLE_CAPABILITIES[group]:
        codes.add(("moderation", CAPABILITIES[capability].codename))
    return codes


def policy_markdown() -> str:
    """The policy as two Markdown tables (models, capabilities), as in docs/BACK_OFFICE.md."""
    header = "| model | " + " | ".join(ROLES) + " |"
    lines = [header, "|---" * (len(ROLES) + 1) + "|"]
    for label, access in MODEL_ACCESS.items():
        cells = [
            ", ".join(VERBS[letter] for letter in access.get(role, "")) or "—" for role in ROLES
        ]
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    lines += ["", "| capability | what it allows | " + " | ".join(ROLES) + " |"]
    lines.append("|---" * (len(ROLES) + 2) + "|")
    for name, capability in CAPABILITIES.items():
        cells = ["yes" if name in ROLE_CAPABILITIES[role] else "—" for role in ROLES]
        lines.append(f"| `{name}` | {capability.description} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
