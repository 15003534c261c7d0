"""The purge at `purge_at`: every table per the catalogue, files, tombstone, reusable e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Consent, User
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import login
from billing.models import Payment
from chat.models import Message
from moderation.models import AuditAction, AuditLogEntry
from privacy import services, tasks
from privacy.catalogue import CATALOGUE, DELETE, KEEP
from privacy.tests.conftest import stored
from profiles.selectors import user_display

pytestmark = pytest.mark.django_db


def _installed(entry):
    try:
        return apps.get_model(entry.model)
    except LookupError:
        return None


def _rows(user):
    return {
        (entry.model, entry.lookup): list(
            model.objects.filter(**{entry.path_to_user: user}).values_list("pk", flat=True)
        )
        for entry in CATALOGUE
        if (model := _installed(entry)) is not None
    }


def _schedule_and_pass_grace(user):
    services.account_deletion_schedule(user=user, password=DEFAULT_PASSWORD)
    User.objects.filter(pk=user.pk).update(purge_at=timezone.now() - dt.timedelta(seconds=1))


def test_purge_job_applies_the_catalogue_to_every_table(
    world, local_storages, django_capture_on_commit_callbacks
):
    user = world.model
    Consent.objects.create(user=user, document="terms", version="1.0", ip_address="10.0.0.9")
    before = _rows(user)
    assert stored(local_storages["default"])
    _schedule_and_pass_grace(user)

    with django_capture_on_commit_callbacks(execute=True):
        purged = tasks.purge_due_accounts.delay().get()

    assert purged == 1
    after = _rows(user)
    for entry in CATALOGUE:
        if _installed(entry) is None:
            continue
        key = (entry.model, entry.lookup)
        if entry.purge == DELETE:
            assert after[key] == [], key
        elif entry.purge == KEEP:
            assert sorted(map(str, after[key])) == sorted(map(str, before[key])), key
        else:  # anonymised in place: the rows no longer point at the user through the lookup
            model = apps.get_model(entry.model)
            for pk in before[key]:
                row = model.objects.filter(pk=pk).values(*entry.purge).first()
                assert row is None or row == entry.purge, key
    assert stored(local_storages["default"]) == []  # photo, thumbnail
    assert Consent.objects.get(user=user).ip_address is None


def test_purge_leaves_an_anonymised_tombstone(world, django_capture_on_commit_callbacks):
    email = world.model.email
    _schedule_and_pass_grace(world.model)

    with django_capture_on_commit_callbacks(execute=True):
        services.accounts_purge_due()

    tombstone = User.objects.get(pk=world.model.pk)
    assert tombstone.email.endswith("@deleted.invalid")
    assert not tombstone.has_usable_password()
    assert (tombstone.is_active, tombstone.purge_at) == (False, None)
    assert tombstone.deleted_at is not None
    # payments kept for the law, pointing at the anonymous tombstone
    assert Payment.objects.get(pk=world.payment.pk).user_id == tombstone.pk
    # messages kept for the other party, from "Deleted user"
    assert Message.objects.get(pk=world.message_from_model.pk).content == "Hello from the model"
    assert user_display(tombstone) == {"name": "Deleted user", "avatar": None}
    reviews = (
        APIClient()
        .get(reverse("profiles:review-list", args=[world.review_given.profile_id]))
        .json()["data"]["reviews"]
    )
    assert reviews[0]["author"]["name"] == "Deleted user"
    # audited
    entry = AuditLogEntry.objects.get(action=AuditAction.ACCOUNT_PURGE)
    assert entry.target_id == str(tombstone.pk)
    assert entry.actor is None
    # the address is free again; the old credentials are dead
    assert login(APIClient(), email).status_code == 401
    registered = APIClient().post(
        reverse("accounts:register"),
        {"email": email, "password": "SecurePass123!", "role": "model"},
        format="json",
    )
    assert registered.status_code == 201


def test_purge_job_skips_accounts_still_in_grace(make_user):
    user = make_user()
    services.account_deletion_schedule(user=user, password=DEFAULT_PASSWORD)

    assert services.accounts_purge_due() == 0

    assert User.objects.get(pk=user.pk).deleted_at is None


def test_purge_is_idempotent(make_user):
    user = make_user()
    _schedule_and_pass_grace(user)
    services.accounts_purge_due()
    email = User.objects.get(pk=user.pk).email

    services.account_purge(user=user)

    assert User.objects.get(pk=user.pk).email == email
    assert AuditLogEntry.objects.filter(action=AuditAction.ACCOUNT_PURGE).count() == 1


def test_staff_purge_refused_without_capability_or_schedule(make_user):
    from accounts.tests.factories import UserFactory
    from mwork.api.exceptions import InvalidState, PermissionDenied

    user = make_user()
    staff = UserFactory(staff=True)
    superuser = UserFactory(staff=True, is_superuser=True)

    with pytest.raises(PermissionDenied):
        services.account_purge(user=user, actor=staff)
    with pytest.raises(InvalidState):
        services.account_purge(user=user, actor=superuser)

    assert User.objects.get(pk=user.pk).deleted_at is None
