"""A `Slot`: one function a lower app calls and an app above it provides.

The layers (docs/ARCHITECTURE.md, "Layers") let an app import only the apps below it. When a
lower app needs an answer only an upper app has (may this employer review that model? castings
knows), it declares a slot in its `signals.py`; the upper app fills it from its `hooks.py`,
imported by its AppConfig.ready(). Notifications without an answer are Django signals instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Slot:
    def __init__(self, name: str) -> None:
        self.name = name
        self._provider: Callable[..., Any] | None = None

    def provide(self, provider: Callable[..., Any]) -> Callable[..., Any]:
        """Fill the slot (usable as a decorator); the last provider wins."""
        self._provider = provider
        return provider

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._provider is None:
            raise ImproperlyConfigured(f"Nothing provides {self.name}: is the app installed?")
        return self._provider(*args, **kwargs)
