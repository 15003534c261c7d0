"""The socket server's garbage collector (mwork/asgi.py): the imports' objects are frozen and a
full collection waits for FULL_COLLECTION_AFTER young ones — in a fresh interpreter, as uvicorn
and daphne start it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, json
import mwork.asgi
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "after": mwork.asgi.FULL_COLLECTION_AFTER}))
"""


def test_the_asgi_process_freezes_its_imports_and_collects_fully_a_hundred_times_less_often():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mwork.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    young, middle, full = state["threshold"]
    assert (young, middle) == (700, 10)  # Python's defaults, unchanged
    assert full == state["after"] == 1000
    assert state["frozen"] > 50_000  # Django, DRF, Channels and the apps
