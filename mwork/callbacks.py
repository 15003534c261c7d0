"""Callbacks for `transaction.on_commit(..., robust=True)`.

Django logs a robust callback's failure with the callback's `__qualname__`, which a bare
`functools.partial` lacks: the logging itself then raises AttributeError after the commit, and a
request whose data is already stored answers 500. `deferred` is a partial that carries its
function's name, so a failing side effect is logged and nothing else happens.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any


def deferred(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> partial:
    call = partial(func, *args, **kwargs)
    call.__qualname__ = getattr(func, "__qualname__", repr(func))  # type: ignore[attr-defined]
    call.__name__ = getattr(func, "__name__", repr(func))  # type: ignore[attr-defined]
    return call
