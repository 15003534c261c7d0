"""What billing adds to the apps below it (docs/ARCHITECTURE.md, "Layers"): the `subscription`
part of `/auth/me`, which `accounts` serves."""

from __future__ import annotations

from accounts.selectors import ME_SECTIONS
from accounts.serializers import ME_SECTION_SERIALIZERS
from billing.selectors import subscription_summary
from billing.serializers import MeSubscriptionOutputSerializer

ME_SECTIONS["subscription"] = lambda user: subscription_summary(user=user)
ME_SECTION_SERIALIZERS["subscription"] = MeSubscriptionOutputSerializer
