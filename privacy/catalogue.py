"""Every place personal data lives, and what deletion and export do with it.

One specification drives both the purge (`privacy.services.account_purge`) and the data export
(`privacy.exports`); `privacy/tests/test_catalogue.py` walks every model and fails when a
foreign key to a user or a profile is missing here. docs/PRIVACY.md explains the choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What the purge does with the rows that point at the user through `lookup`.
DELETE = "delete"
KEEP = "keep"  # kept, pointing at the anonymised tombstone user


@dataclass(frozen=True)
class PersonalData:
    model: str  # "app_label.ModelName"
    lookup: str  # the foreign key to the user or profile
    export: str | None  # the JSON file name in the archive; None = explicitly excluded
    purge: str | dict[str, Any]  # DELETE, KEEP, or field values to set (anonymise in place)
    why: str = ""  # why it is excluded from the export or kept at purge
    user_path: str = field(default="")  # lookup from the model to the user, if not `lookup`

    @property
    def path_to_user(self) -> str:
        return self.user_path or self.lookup


# The purge runs these in order: children before parents.
CATALOGUE: tuple[PersonalData, ...] = (
    PersonalData(
        "accounts.Consent",
        "user",
        "consents",
        {"ip_address": None, "user_agent": ""},
        why="kept as proof of what was accepted; address and user agent erased",
    ),
    PersonalData("privacy.DataExport", "user", None, DELETE, why="the archives themselves"),
    PersonalData("media.Photo", "profile", "photos", DELETE, user_path="profile__user"),
    PersonalData(
        "profiles.WorkExperience", "profile", "work_experience", DELETE, user_path="profile__user"
    ),
    PersonalData(
        "profiles.Review", "profile", "reviews_received", DELETE, user_path="profile__user"
    ),
    PersonalData(
        "profiles.Review", "author", "reviews_given", KEEP, why="shown as by a deleted user"
    ),
    PersonalData(
        "castings.Response",
        "model_profile",
        "responses",
        DELETE,
        user_path="model_profile__user",
    ),
    PersonalData(
        "castings.Response",
        "submitted_by",
        "responses_submitted",
        {"submitted_by": None},
        why="the response belongs to the model; the agency reference is cleared",
    ),
    PersonalData(
        "castings.ResponseNote",
        "updated_by",
        None,
        {"updated_by": None},
        why="the casting team's private note about an applicant: the team's record, not theirs",
    ),
    PersonalData(
        "castings.Audition",
        "created_by",
        None,
        {"created_by": None},
        why="the casting team's audition invitation to an applicant: kept for the applicant",
    ),
    PersonalData(
        "castings.CastingInvite",
        "model_profile",
        "casting_invites_received",
        DELETE,
        user_path="model_profile__user",
    ),
    PersonalData(
        "castings.CastingInvite",
        "invited_by",
        "casting_invites_sent",
        {"invited_by": None},
        why="the invitation belongs to the invited model; the sender reference is cleared",
    ),
    PersonalData(
        "castings.EmployerReview",
        "author",
        "employer_reviews_given",
        KEEP,
        why="shown as by a deleted user; the employer's rating stays honest",
    ),
    PersonalData(
        "castings.EmployerReview",
        "employer",
        "employer_reviews_received",
        DELETE,
        user_path="employer__user",
    ),
    PersonalData("castings.SavedCasting", "user", "saved_castings", DELETE),
    PersonalData(
        "castings.Casting",
        "owner",
        "castings",
        KEEP,
        why="closed at deletion; other people's responses and chats refer to it",
    ),
    PersonalData(
        "agencies.AgencyInvitation",
        "model_profile",
        "agency_invitations_received",
        DELETE,
        user_path="model_profile__user",
    ),
    PersonalData("agencies.AgencyInvitation", "agency", "agency_invitations_sent", DELETE),
    PersonalData(
        "agencies.RosterMembership",
        "model_profile",
        "agency_membership",
        DELETE,
        user_path="model_profile__user",
    ),
    PersonalData("agencies.RosterMembership", "agency", "agency_roster", DELETE),
    PersonalData(
        "agencies.OrganizationMember",
        "added_by",
        None,
        {"added_by": None},
        why="a record of the organization's owner, about someone else's membership",
    ),
    PersonalData("agencies.OrganizationMember", "user", "organization_memberships", DELETE),
    PersonalData("agencies.OrganizationInvitation", "invited_by", "team_invitations_sent", DELETE),
    PersonalData(
        "agencies.OrganizationInvitation", "answered_by", "team_invitations_answered", DELETE
    ),
    PersonalData("agencies.Organization", "owner", "organization", DELETE),
    PersonalData(
        "analytics.ProfileView",
        "profile",
        None,
        DELETE,
        user_path="profile__user",
        why="views by others, kept 90 days only to count each viewer once a day",
    ),
    PersonalData(
        "analytics.ProfileView",
        "viewer",
        None,
        DELETE,
        why="kept 90 days only to count each viewer once a day",
    ),
    PersonalData(
        "analytics.CastingView",
        "viewer",
        None,
        DELETE,
        why="kept 90 days only to count each viewer once a day",
    ),
    PersonalData("analytics.DailyViewStat", "owner", "view_statistics", DELETE),
    PersonalData(
        "searches.SavedSearchMatch",
        "model_profile",
        None,
        DELETE,
        user_path="model_profile__user",
        why="an employer's saved-search results that named the profile: the employer's record",
    ),
    PersonalData("searches.SavedSearch", "user", "saved_searches", DELETE),
    PersonalData("profiles.ModelProfile", "user", "model_profile", DELETE),
    PersonalData("profiles.EmployerProfile", "user", "employer_profile", DELETE),
    PersonalData("billing.Subscription", "user", "subscriptions", DELETE),
    PersonalData("billing.ResponseCredit", "user", "response_credits", DELETE),
    PersonalData("billing.ResponseUsage", "user", "response_usage", DELETE),
    PersonalData(
        "billing.Payment",
        "user",
        "payments",
        KEEP,
        why="accounting and fiscal law; the user reference is the anonymised tombstone",
    ),
    PersonalData(
        "chat.Message",
        "sender",
        "messages",
        KEEP,
        why="the other party keeps the conversation, shown as from a deleted user",
    ),
    PersonalData(
        "chat.Membership",
        "user",
        None,
        KEEP,
        why="read state only; the room stays for the other party",
    ),
    PersonalData("accounts.Block", "blocker", "blocks", DELETE),
    PersonalData(
        "accounts.Block", "blocked", None, DELETE, why="other people's choice, not theirs"
    ),
    PersonalData("moderation.Report", "reporter", "reports_made", KEEP, why="moderation record"),
    PersonalData(
        "moderation.Report",
        "target_user",
        None,
        KEEP,
        why="moderation record about them; staff notes, kept for abuse handling",
    ),
    PersonalData("moderation.Report", "resolved_by", None, KEEP, why="staff work record"),
    PersonalData("moderation.AuditLogEntry", "actor", None, KEEP, why="staff work record"),
    PersonalData(
        "safety.Flag",
        "target_user",
        None,
        KEEP,
        why="moderation record about them (the flagged text), kept for abuse handling",
    ),
    PersonalData("safety.Flag", "counterpart", None, KEEP, why="moderation record"),
    PersonalData("safety.Flag", "decided_by", None, KEEP, why="staff work record"),
    PersonalData(
        "safety.TrustFacts", "user", None, DELETE, why="derived counters, not their own data"
    ),
    PersonalData(
        "safety.DailyUsage", "user", None, DELETE, why="today's counters, not their own data"
    ),
    PersonalData("notifications.Notification", "user", "notifications", DELETE),
    PersonalData(
        "notifications.NotificationPreference", "user", "notification_preferences", DELETE
    ),
    PersonalData("notifications.Device", "user", "devices", DELETE),
    PersonalData(
        "token_blacklist.OutstandingToken", "user", None, DELETE, why="session bookkeeping"
    ),
    PersonalData("admin.LogEntry", "user", None, KEEP, why="staff work record"),
    PersonalData("accounts.User_groups", "user", None, DELETE, why="staff roles"),
    PersonalData("accounts.User_user_permissions", "user", None, DELETE, why="staff rights"),
    # Staff second factors, when django-otp is installed.
    PersonalData("otp_totp.TOTPDevice", "user", None, DELETE, why="staff login secret"),
    PersonalData("otp_static.StaticDevice", "user", None, DELETE, why="staff login secret"),
)

# The models personal data hangs off: a foreign key to one of these is personal data.
SUBJECT_MODELS = ("accounts.User", "profiles.ModelProfile", "profiles.EmployerProfile")
