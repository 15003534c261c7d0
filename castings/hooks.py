"""What castings plugs into the apps below it (docs/ARCHITECTURE.md, "Layers")."""

from __future__ import annotations

from castings.selectors import accepted_response_exists
from profiles.signals import review_allowed

# A review needs an accepted response on the author's casting.
review_allowed.provide(accepted_response_exists)
