"""Demo data for `make run`'s team walkthrough (docs/AGENCIES.md, "Walkthrough").

`load_demo(rng=...)` is idempotent. It adds `colleague@demo.mwork.kz` (password `demo12345`): an
employer account with a profile and no castings and no team, so the walkthrough can invite it
to a demo employer's team, accept, post a casting for the team and leave again.
"""

from __future__ import annotations

import random

from accounts.models import Role, User
from profiles.demo import DEMO_DOMAIN, demo_user_create
from profiles.services import employer_profile_create

COLLEAGUE_EMAIL = f"colleague@{DEMO_DOMAIN}"


def load_demo(*, rng: random.Random) -> None:
    """Create the demo colleague unless it exists."""
    if User.objects.filter(email=COLLEAGUE_EMAIL).exists():
        return
    user = demo_user_create(COLLEAGUE_EMAIL, Role.EMPLOYER)
    employer_profile_create(
        user=user,
        company_name="Aigerim Bekova Production",
        description="Freelance producer: lookbooks and campaigns.",
        contact_person="Aigerim Bekova",
        city="Almaty",
    )
