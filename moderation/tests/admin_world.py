"""The back office's fixture world: every kind of object the admin shows, in the states its
actions act on, plus a staff user of each policy role.

Built on the security suite's two-party world (the apps' own services), with what the admin
needs on top: reports on all six target types and one whose target is gone, a banned user,
hidden/promoted/verified profiles, a hidden casting, a payment with a refund due.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from agencies.models import OrganizationInvitation, OrganizationMember
from billing.models import Payment
from castings.models import Casting
from moderation.models import Report
from moderation.staff_groups import staff_groups_sync
from moderation.staff_policy import GROUPS, SUPERUSER
from mwork.tests.security.world import World, build_world
from profiles.models import EmployerProfile, ModelProfile
from safety.models import TargetKind
from safety.services import content_scan, flag_record

NO_GROUP = "staff in no group"
ROLES = (SUPERUSER, *GROUPS, NO_GROUP)


@dataclass
class AdminWorld:
    world: World
    reports: dict[str, Report] = field(default_factory=dict)
    banned: User | None = None


def staff_user(role: str, **fields: Any) -> User:
    """An active staff user holding one policy role (or none)."""
    user = UserFactory(role="admin", is_staff=True, is_superuser=role == SUPERUSER, **fields)
    if role in GROUPS:
        if not Group.objects.filter(name=role).exists():
            staff_groups_sync()
        user.groups.add(Group.objects.get(name=role))
    return user


def build_admin_world() -> AdminWorld:
    world = build_world()
    a, b = world.a, world.b
    reporter = b.model
    targets = {
        TargetKind.USER: (a.employer.pk, a.employer),
        TargetKind.MODEL_PROFILE: (a.model_profile.pk, a.model),
        TargetKind.EMPLOYER_PROFILE: (a.employer_profile.pk, a.employer),
        TargetKind.CASTING: (a.casting.pk, a.employer),
        TargetKind.MESSAGE: (a.message.pk, a.employer),
        TargetKind.PHOTO: (a.photo.pk, a.model),
    }
    admin_world = AdminWorld(world=world)
    for kind, (target_id, owner) in targets.items():
        admin_world.reports[kind] = Report.objects.create(
            reporter=reporter,
            target_type=kind,
            target_id=target_id,
            target_user=owner,
            reason="abuse",
            comment=f"Report on a {kind}",
        )
    admin_world.reports["deleted"] = Report.objects.create(
        reporter=reporter,
        target_type=TargetKind.CASTING,
        target_id=uuid.uuid4(),  # its casting was deleted since
        target_user=None,
        reason="spam",
        comment="The casting is gone",
    )
    admin_world.banned = UserFactory(role="model", is_active=False, email="banned@example.kz")
    # An account pending deletion (privacy's scheduled deletions and their "Purge now").
    UserFactory(
        role="model",
        is_active=False,
        email="leaving@example.kz",
        purge_at=timezone.now() + dt.timedelta(days=30),
    )
    UserFactory(role="model", email_verified=False, email="unverified@example.kz")
    ModelProfile.objects.filter(pk=b.model_profile.pk).update(is_hidden=True)
    ModelProfile.objects.filter(pk=a.model_profile.pk).update(
        promoted_until=timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    )
    EmployerProfile.objects.filter(pk=b.employer_profile.pk).update(is_verified=True)
    Casting.objects.filter(pk=b.casting.pk).update(is_hidden=True)
    Payment.objects.filter(pk=a.payment.pk).update(refund_due=True)
    organization = OrganizationMember.objects.get(pk=a.organization_member.pk).organization
    OrganizationInvitation.objects.create(
        organization=organization,
        email="invited.manager@example.kz",
        invited_by=a.employer,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    # An automatic flag on a visible casting (the safety queue's actions act on it).
    text = "Write to me on t.me/castings_kz"
    flag_record(
        kind=TargetKind.CASTING,
        target_id=a.casting.pk,
        target_user=a.employer,
        text=text,
        result=content_scan(kind=TargetKind.CASTING, text=text),
        held=False,
    )
    AccessAttempt.objects.create(
        username="locked@example.kz",
        ip_address="203.0.113.7",
        user_agent="test",
        path_info="/admin/login/",
        failures_since_start=9,
        get_data="",
        post_data="",
        http_accept="",
    )
    return admin_world


def snapshot(labels: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the given models, for "nothing changed" checks."""
    from django.apps import apps

    rows: dict[str, list[dict[str, Any]]] = {}
    for label in labels:
        model: type[models.Model] = apps.get_model(label)
        rows[label] = list(model.objects.order_by("pk").values())
    return rows
