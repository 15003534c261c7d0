import pytest
from django.apps import apps

from accounts.tokens import user_from_access_token
from conftest import access_token_for
from moderation import services
from moderation.models import AuditLogEntry, Report, ReportStatus
from moderation.tests.factories import ReportFactory
from mwork.api.exceptions import InvalidState, InvalidToken, PermissionDenied

pytestmark = pytest.mark.django_db


def _entry(action):
    return AuditLogEntry.objects.get(action=action)


def test_user_ban_revokes_tokens_hides_profile_cancels_castings_and_audits(
    make_staff, make_model_profile, make_employer_profile, make_casting
):
    moderator = make_staff("Moderators")
    profile = make_model_profile()
    offender = profile.user
    token = access_token_for(offender)
    report = ReportFactory(target_user=offender)
    employer = make_employer_profile().user
    active, draft = make_casting(owner=employer), make_casting(owner=employer, status="draft")
    done = make_casting(owner=employer, status="completed")

    services.user_ban(actor=moderator, user=offender, reason="Spam", report=report)
    services.user_ban(actor=moderator, user=employer, reason="Fake castings")

    offender.refresh_from_db()
    assert not offender.is_active
    with pytest.raises(InvalidToken):
        user_from_access_token(token)
    profile.refresh_from_db()
    assert profile.is_hidden
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED
    assert report.resolved_by == moderator
    Casting = apps.get_model("castings", "Casting")
    assert Casting.objects.get(pk=active.pk).status == "cancelled"
    assert Casting.objects.get(pk=draft.pk).status == "cancelled"
    assert Casting.objects.get(pk=done.pk).status == "completed"
    entries = AuditLogEntry.objects.filter(action="user_ban").order_by("created_at", "id")
    assert [(e.actor, e.target_id, e.reason) for e in entries] == [
        (moderator, str(offender.id), "Spam"),
        (moderator, str(employer.id), "Fake castings"),
    ]
    assert entries[0].data["hidden_model_profile_id"] == str(profile.id)
    assert entries[0].data["report_id"] == str(report.id)
    assert sorted(entries[1].data["cancelled_casting_ids"]) == sorted(
        [str(active.id), str(draft.id)]
    )


def test_user_ban_twice_is_invalid_state(make_staff, make_user):
    moderator, offender = make_staff("Moderators"), make_user()
    services.user_ban(actor=moderator, user=offender, reason="Spam")

    with pytest.raises(InvalidState):
        services.user_ban(actor=moderator, user=offender, reason="Spam")
    assert AuditLogEntry.objects.count() == 1


def test_staff_accounts_and_self_cannot_be_banned(make_staff):
    moderator, colleague = make_staff("Moderators"), make_staff("Support")

    for target in (moderator, colleague):
        with pytest.raises(PermissionDenied):
            services.user_ban(actor=moderator, user=target, reason="x")
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("group", ["Finance", "Support", None])
def test_enforcement_refused_without_the_permission(
    group, make_staff, make_user, make_casting, make_photo, make_message
):
    actor = make_staff(group)
    offender = make_user()
    casting, photo = make_casting(), make_photo()
    message = make_message(sender=offender, other=make_user())
    report = ReportFactory(target_user=offender)

    calls = [
        lambda: services.user_ban(actor=actor, user=offender, reason="x"),
        lambda: services.casting_hide(actor=actor, casting=casting, reason="x"),
        lambda: services.photo_remove(actor=actor, photo=photo, reason="x"),
        lambda: services.message_delete(actor=actor, message=message, reason="x"),
        lambda: services.report_resolve(actor=actor, report=report),
        lambda: services.report_dismiss(actor=actor, report=report),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()

    offender.refresh_from_db()
    assert offender.is_active
    casting.refresh_from_db()
    assert not casting.is_hidden
    assert type(photo).objects.filter(pk=photo.pk).exists()
    assert type(message).objects.filter(pk=message.pk).exists()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.OPEN
    assert not AuditLogEntry.objects.exists()


def test_casting_hide_audited(make_staff, make_casting):
    moderator, casting = make_staff("Moderators"), make_casting()
    report = ReportFactory(target_type="casting", target_id=casting.id, target_user=casting.owner)

    services.casting_hide(actor=moderator, casting=casting, reason="Scam", report=report)

    casting.refresh_from_db()
    assert casting.is_hidden
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RESOLVED
    entry = _entry("casting_hide")
    assert (entry.actor, entry.target_type, entry.target_id, entry.reason) == (
        moderator,
        "casting",
        str(casting.id),
        "Scam",
    )
    assert entry.data["title"] == casting.title


def test_photo_remove_audited(make_staff, make_photo, django_capture_on_commit_callbacks):
    moderator, photo = make_staff("Moderators"), make_photo()

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_remove(actor=moderator, photo=photo, reason="Nudity")

    assert not type(photo).objects.filter(pk=photo.pk).exists()
    entry = _entry("photo_remove")
    assert (entry.actor, entry.target_id, entry.reason) == (moderator, str(photo.id), "Nudity")
    assert entry.data["profile_id"] == str(photo.profile_id)


def test_message_delete_audited_and_keeps_the_text(make_staff, make_user, make_message):
    moderator = make_staff("Moderators")
    message = make_message(sender=make_user(), other=make_user(), content="Pay me first")

    services.message_delete(actor=moderator, message=message, reason="Fraud")

    assert not type(message).objects.filter(pk=message.pk).exists()
    entry = _entry("message_delete")
    assert (entry.actor, entry.target_id, entry.reason) == (moderator, str(message.id), "Fraud")
    assert entry.data["content"] == "Pay me first"
    assert entry.data["room_id"] == str(message.room_id)


@pytest.mark.parametrize(
    "service,status,action",
    [
        (services.report_resolve, ReportStatus.RESOLVED, "report_resolve"),
        (services.report_dismiss, ReportStatus.DISMISSED, "report_dismiss"),
    ],
)
def test_report_close_audited_once(make_staff, service, status, action):
    moderator, report = make_staff("Moderators"), ReportFactory()

    service(actor=moderator, report=report, note="Checked")

    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.resolved_by, stored.resolution_note) == (
        status,
        moderator,
        "Checked",
    )
    assert stored.resolved_at is not None
    entry = _entry(action)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        moderator,
        "report",
        str(report.id),
    )
    with pytest.raises(InvalidState):
        service(actor=moderator, report=report)
    assert AuditLogEntry.objects.count() == 1
