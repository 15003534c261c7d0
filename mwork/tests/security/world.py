"""A small, complete MWork world for the security and fuzz suites.

Two parties, A and B, each with a model (PRO, profile, photo, work experience, review,
notification, device, payment, subscription), an employer (BUSINESS, company profile, an active
casting, a draft casting), an agency, the model's response to the employer's casting (accepted),
a chat room with messages between the two and the model's saved search. Plus a staff user.
Everything is made through the apps' own services or their test factories, inside the calling
test's transaction.

`World.pools` maps path-parameter and body-field names to the real ids that exist, so fuzzers
can reach deep paths instead of 404-ing on random UUIDs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from accounts.tests.factories import UserFactory
from agencies.models import (
    AgencyInvitation,
    OrganizationInvitation,
    OrganizationMember,
    RosterMembership,
)
from agencies.services import (
    agency_invitation_create,
    organization_invitation_accept,
    organization_invitation_create,
    roster_membership_create_by_staff,
)
from billing.services import subscription_grant
from billing.tests.factories import SubscriptionPaymentFactory
from castings.models import Casting, CastingStatus, Response
from castings.services import (
    audition_create,
    casting_create,
    response_change_status,
    response_submit,
)
from chat.models import Message, Room
from chat.services import chat_message_send, chat_room_get_or_create
from media.models import Photo
from media.services import photo_upload
from notifications.models import Device, Notification
from notifications.tests.factories import DeviceFactory, NotificationFactory
from profiles.models import EmployerProfile, ModelProfile, Review, WorkExperience
from profiles.services import (
    employer_profile_create,
    model_profile_create,
    review_create,
    work_experience_add,
)
from searches.services import saved_search_create

PASSWORD = "Str0ng-Passw0rd!"


def jpeg_bytes(size: tuple[int, int] = (64, 48), color=(200, 30, 30), fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


@dataclass
class Party:
    """One side of the world: everything one model and one employer own."""

    label: str
    model: User
    employer: User
    agency: User
    model_profile: ModelProfile
    employer_profile: EmployerProfile
    agency_profile: EmployerProfile
    photo: Photo
    work_experience: WorkExperience
    casting: Casting
    draft: Casting
    response: Response
    review: Review
    room: Room
    message: Message
    notification: Notification
    employer_notification: Notification
    device: Device
    payment: Any
    subscription: Any
    roster_model: User  # a second model, on the agency's roster
    invitee: User  # a third model, with a pending invitation from the agency
    invitation: AgencyInvitation
    roster_link: RosterMembership
    manager: User  # an employer account working for the employer's organization
    organization_member: OrganizationMember
    colleague: User  # an employer account invited to the employer's team, not answered yet
    team_invitation: OrganizationInvitation
    audition: Any  # the employer invited its accepted applicant (the model) to a callback
    saved_search: Any  # the model's saved search of castings in Almaty


@dataclass
class World:
    a: Party
    b: Party
    staff: User
    pools: dict[str, list[str]] = field(default_factory=dict)

    def users(self) -> dict[str, User]:
        """The signed-in identities the fuzzers act as (party A plus staff)."""
        return {
            "model": self.a.model,
            "employer": self.a.employer,
            "agency": self.a.agency,
            "manager": self.a.manager,
            "colleague": self.a.colleague,
            "invitee": self.a.invitee,
            "roster": self.a.roster_model,
            "staff": self.staff,
        }


def _party(label: str) -> Party:
    model = UserFactory(role="model", email=f"model-{label}@example.kz")
    employer = UserFactory(role="employer", email=f"employer-{label}@example.kz")
    agency = UserFactory(role="agency", email=f"agency-{label}@example.kz")
    model_sub = subscription_grant(user=model, plan_name="PRO")
    subscription_grant(user=employer, plan_name="BUSINESS")
    subscription_grant(user=agency, plan_name="PRO")

    model_profile = model_profile_create(
        user=model,
        name=f"Aruzhan {label.upper()}",
        age=24,
        gender="female",
        height=175,
        city="Almaty",
        experience="intermediate",
        categories=["fashion"],
        languages=["Kazakh", "Russian"],
        bio="Fashion model from Almaty.",
    )
    employer_profile = employer_profile_create(
        user=employer,
        company_name=f"Studio {label.upper()}",
        description="A photo studio.",
        website="https://studio.example.kz",
        contact_person="Yerlan Akhmetov",
        phone="+77771234567",
        city="Almaty",
    )
    agency_profile = employer_profile_create(
        user=agency, company_name=f"Agency {label.upper()}", city="Astana"
    )
    photo = photo_upload(
        actor=model,
        file=SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"),
    )
    work_experience = work_experience_add(
        profile=model_profile,
        company="Fashion House Almaty",
        position="Fashion Model",
        start_date=date(2020, 1, 1),
        end_date=date(2023, 12, 31),
    )
    casting_fields = {
        "title": f"Casting call {label.upper()}",
        "description": "Looking for models for a photo shoot.",
        "category": "fashion",
        "city": "Almaty",
        "address": "Dostyk Avenue 123",
        "shoot_date": datetime(2031, 6, 1, 10, 0, tzinfo=UTC),
        "duration_days": 1,
        "pay_min": 50000,
        "pay_max": 100000,
    }
    casting = casting_create(actor=employer, **casting_fields)
    draft = casting_create(
        actor=employer, status=CastingStatus.DRAFT, **{**casting_fields, "title": "Draft"}
    )
    response = response_submit(actor=model, casting=casting, message="I'd love to take part.")
    response = response_change_status(response=response, status="accepted")
    review = review_create(
        author=employer, profile=model_profile, casting_id=casting.id, rating=5, comment="Great."
    )
    room, _ = chat_room_get_or_create(
        actor=employer, participant_id=model.id, casting_id=casting.id
    )
    message = chat_message_send(sender=employer, room=room, content="Hello!")
    notification = NotificationFactory(user=model)
    employer_notification = NotificationFactory(user=employer)
    device = DeviceFactory(user=model, token=f"fcm-token-{label}")
    payment = SubscriptionPaymentFactory(user=model)

    roster_model = UserFactory(role="model", email=f"roster-{label}@example.kz")
    roster_profile = model_profile_create(
        user=roster_model, name=f"Dana {label.upper()}", age=22, gender="female", city="Almaty"
    )
    roster_link = roster_membership_create_by_staff(agency=agency, model_profile=roster_profile)
    invitee = UserFactory(role="model", email=f"invitee-{label}@example.kz")
    invitee_profile = model_profile_create(
        user=invitee, name=f"Madina {label.upper()}", age=23, gender="female", city="Almaty"
    )
    invitation = agency_invitation_create(actor=agency, model_profile_id=invitee_profile.id)
    manager = UserFactory(role="employer", email=f"manager-{label}@example.kz")
    organization_member = organization_invitation_accept(
        actor=manager,
        invitation=organization_invitation_create(actor=employer, email=manager.email),
    )
    colleague = UserFactory(role="employer", email=f"colleague-{label}@example.kz")
    team_invitation = organization_invitation_create(actor=employer, email=colleague.email)
    audition = audition_create(
        actor=employer,
        response=response,
        kind="callback",
        starts_at=datetime(2031, 5, 20, 11, 0, tzinfo=UTC),
        place="Dostyk Avenue 123",
    )
    saved_search = saved_search_create(
        user=model,
        kind="castings",
        name=f"Almaty {label.upper()}",
        filters={"city": "Almaty"},
        frequency="instant",
    )
    return Party(
        label=label,
        model=model,
        employer=employer,
        agency=agency,
        model_profile=model_profile,
        employer_profile=employer_profile,
        agency_profile=agency_profile,
        photo=photo,
        work_experience=work_experience,
        casting=casting,
        draft=draft,
        response=response,
        review=review,
        room=room,
        message=message,
        notification=notification,
        employer_notification=employer_notification,
        device=device,
        payment=payment,
        subscription=model_sub,
        roster_model=roster_model,
        invitee=invitee,
        invitation=invitation,
        roster_link=roster_link,
        manager=manager,
        organization_member=organization_member,
        colleague=colleague,
        team_invitation=team_invitation,
        audition=audition,
        saved_search=saved_search,
    )


def build_world() -> World:
    a = _party("a")
    b = _party("b")
    staff = UserFactory(role="admin", is_staff=True, email="staff@example.kz")
    world = World(a=a, b=b, staff=staff)
    parties = (a, b)
    world.pools = {
        "casting_id": [str(p.casting.id) for p in parties] + [str(p.draft.id) for p in parties],
        "response_id": [str(p.response.id) for p in parties],
        "room_id": [str(p.room.id) for p in parties],
        "profile_id": [str(p.model_profile.id) for p in parties]
        + [str(p.employer_profile.id) for p in parties],
        "item_id": [str(p.work_experience.id) for p in parties],
        "photo_id": [str(p.photo.id) for p in parties],
        "notification_id": [str(p.notification.id) for p in parties],
        "device_id": [str(p.device.id) for p in parties],
        "order_id": [str(p.payment.pk) for p in parties],
        "user_id": [str(u.id) for p in parties for u in (p.model, p.employer, p.manager)],
        "invitation_id": [str(p.invitation.id) for p in parties]
        + [str(p.team_invitation.id) for p in parties],
        "model_id": [str(p.roster_link.model_profile_id) for p in parties]
        + [str(p.model_profile.id) for p in parties],
        "participant_id": [str(u.id) for p in parties for u in (p.model, p.employer)],
        "target_id": [str(p.model.id) for p in parties] + [str(p.casting.id) for p in parties],
        "photo_ids": [str(p.photo.id) for p in parties],
        "audition_id": [str(p.audition.id) for p in parties],
        "search_id": [str(p.saved_search.id) for p in parties],
    }
    return world
