"""Two PRO demo users with a room between them, and the commands for a two-terminal chat.

python manage.py chat_demo            (then run the two printed commands against `make run`)

The WebSocket address is `make run`'s (it writes `var/run-address`) unless `--url` names one.
"""

from __future__ import annotations

import shlex
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Role, User
from accounts.tokens import tokens_for_user
from billing.entitlements import entitlements_for
from billing.services import subscription_grant
from chat.services import chat_room_get_or_create

DEMO_USERS = (
    ("demo-employer@mwork.local", Role.EMPLOYER),
    ("demo-model@mwork.local", Role.MODEL),
)


class Command(BaseCommand):
    help = "Create two demo users with chat access and print two ws_client commands."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="the WebSocket URL (default: make run's address)")

    def handle(self, *args, **options):
        url = options["url"] or _run_address_ws()
        users = []
        for email, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=None, role=role, email_verified=True
                )
            if not entitlements_for(user).chat_access:
                subscription_grant(user=user, plan_name="PRO")
            users.append(user)
        room, _created = chat_room_get_or_create(actor=users[0], participant_id=users[1].id)
        self.stdout.write(f"Room {room.id}. Access tokens live 15 minutes; run this again then.\n")
        for (email, _role), user in zip(DEMO_USERS, users, strict=True):
            token = tokens_for_user(user).access_token
            self.stdout.write(f"\n# terminal for {email}")
            self.stdout.write(
                f"{shlex.quote(sys.executable)} -m chat.ws_client --url {url} "
                f"--token {token} --room {room.id}"
            )


def _run_address_ws() -> str:
    """`ws://HOST:PORT/ws` of the server `make run` started last (127.0.0.1:8000 without one)."""
    try:
        http = (settings.VAR_DIR / "run-address").read_text().strip()
    except OSError:
        http = "http://127.0.0.1:8000"
    return "ws" + http.removeprefix("http") + "/ws"
