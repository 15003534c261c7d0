"""Every staff write in the admin leaves one audit entry per object: change-form saves, inline
rows, deletes and adds (actions are covered for every action by test_admin_policy.py). A ban
stops auto-renewal and pending renewals; renewals skip inactive users."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment, PaymentStatus, Subscription
from billing.services import subscriptions_renew_due
from moderation.models import AuditAction, AuditLogEntry
from moderation.services import user_ban
from moderation.staff_policy import FINANCE, MODERATORS, SUPERUSER
from moderation.tests.admin_world import build_admin_world, staff_user
from profiles.models import ModelProfile, Review, WorkExperience

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_world(media_root, no_ratelimit):
    return build_admin_world()


def _form_data(response) -> dict:
    """The change form's current values as the browser would post them (form + inlines)."""
    data: dict = {}

    def add(form) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or getattr(field, "disabled", False):
                continue
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.MultiWidget):  # split date and time
                with timezone.override(ZoneInfo(settings.PLATFORM_TIME_ZONE)):  # as the admin
                    parts = field.widget.decompress(value)
                for i, (widget, part) in enumerate(zip(field.widget.widgets, parts, strict=True)):
                    data[f"{key}_{i}"] = widget.format_value(part) or ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    return data


def test_change_form_save_writes_one_entry_with_the_changed_fields(admin_world, client):
    moderator = staff_user(MODERATORS)
    profile = admin_world.world.a.model_profile
    client.force_login(moderator)
    url = reverse("admin:profiles_modelprofile_change", args=[profile.pk])
    data = _form_data(client.get(url))
    data["name"] = "Renamed By Staff"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action) == (moderator, AuditAction.OBJECT_CHANGE)
    assert (entry.target_type, entry.target_id) == ("profiles.modelprofile", str(profile.pk))
    assert entry.changes["name"] == [profile.name, "Renamed By Staff"]
    assert set(entry.changes) <= {"name", "completeness"}


def test_saving_an_unchanged_form_writes_nothing(admin_world, client):
    client.force_login(staff_user(MODERATORS))
    url = reverse("admin:profiles_modelprofile_change", args=[admin_world.world.a.model_profile.pk])

    response = client.post(url, _form_data(client.get(url)))

    assert response.status_code == 302
    assert not AuditLogEntry.objects.exists()


def test_inline_row_deleted_from_the_profile_page_is_audited(admin_world, client):
    moderator = staff_user(MODERATORS)
    profile = admin_world.world.a.model_profile
    experience = admin_world.world.a.work_experience
    client.force_login(moderator)
    url = reverse("admin:profiles_modelprofile_change", args=[profile.pk])
    data = _form_data(client.get(url))
    prefix = next(k for k in data if k.endswith("-id") and data[k] == str(experience.pk))
    data[prefix.replace("-id", "-DELETE")] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    assert not WorkExperience.objects.filter(pk=experience.pk).exists()
    entry = AuditLogEntry.objects.get(action=AuditAction.OBJECT_DELETE)
    assert entry.target_type == "profiles.workexperience"
    assert entry.target_id == str(experience.pk)
    assert entry.target_label == str(experience)
    assert entry.changes["company"] == [experience.company, None]


def test_delete_keeps_a_readable_label(admin_world, client):
    moderator = staff_user(MODERATORS)
    review = admin_world.world.a.review
    label = str(review)
    client.force_login(moderator)

    response = client.post(
        reverse("admin:profiles_review_delete", args=[review.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Review.objects.filter(pk=review.pk).exists()
    entry = AuditLogEntry.objects.get(action=AuditAction.OBJECT_DELETE)
    assert (entry.actor, entry.target_label) == (moderator, label)
    assert entry.changes["rating"] == [review.rating, None]
    listing = client.get(reverse("admin:moderation_auditlogentry_changelist"))
    assert listing.status_code == 200


def test_finance_grant_is_audited(admin_world, client, make_user):
    finance = staff_user(FINANCE)
    customer = make_user(role="employer")
    client.force_login(finance)

    response = client.post(
        reverse("admin:billing_subscription_add"),
        {"user": str(customer.pk), "plan_name": "BUSINESS", "billing_period": "monthly"},
    )

    assert response.status_code == 302
    subscription = Subscription.objects.get(user=customer)
    entry = AuditLogEntry.objects.get(action=AuditAction.SUBSCRIPTION_GRANT)
    assert (entry.actor, entry.target_id) == (finance, str(subscription.pk))
    assert entry.changes["plan_id"][1] == subscription.plan_id


def test_user_groups_change_is_audited_and_is_active_is_read_only(admin_world, client):
    root = staff_user(SUPERUSER)
    target = admin_world.world.a.employer
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    data = _form_data(client.get(url))
    support = Group.objects.get(name="Support")
    data["groups"] = [str(support.pk)]
    data.pop("is_active", None)  # not a field of the form: the ban/unban actions own it

    response = client.post(url, {**data, "is_active": ""})

    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.is_active  # unticking did nothing
    entry = AuditLogEntry.objects.get(action=AuditAction.OBJECT_CHANGE)
    assert entry.changes["groups"] == [[], [str(support.pk)]]


def test_ban_stops_auto_renewal_and_pending_renewals(admin_world):
    moderator = staff_user(MODERATORS)
    subscription = admin_world.world.a.subscription
    user = subscription.user
    Subscription.objects.filter(pk=subscription.pk).update(auto_renew=True)
    pending = Payment.objects.create(
        user=user,
        purpose="subscription",
        plan=subscription.plan,
        billing_period="monthly",
        amount=1000,
        parent=admin_world.world.a.payment,
        status=PaymentStatus.PENDING,
    )

    user_ban(actor=moderator, user=user, reason="Fraud")

    assert not Subscription.objects.get(pk=subscription.pk).auto_renew
    assert Payment.objects.get(pk=pending.pk).status == PaymentStatus.CANCELLED
    entry = AuditLogEntry.objects.get(action=AuditAction.USER_BAN)
    assert entry.data["auto_renew_stopped"] >= 1
    assert entry.data["renewal_payments_cancelled"] == 1


def test_renewals_skip_inactive_users(admin_world):
    subscription = admin_world.world.a.subscription
    Subscription.objects.filter(pk=subscription.pk).update(
        auto_renew=True,
        recurring_payment=admin_world.world.a.payment,
        expires_at=timezone.now() + dt.timedelta(hours=2),
    )
    type(subscription.user).objects.filter(pk=subscription.user_id).update(is_active=False)
    payments = Payment.objects.count()

    charged = subscriptions_renew_due()

    assert charged == 0
    assert Payment.objects.count() == payments
    assert ModelProfile.objects.exists()
