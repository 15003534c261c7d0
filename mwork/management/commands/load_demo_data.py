"""`manage.py load_demo_data`: the demo catalogue `make run` shows (idempotent).

Each domain owns its demo builder (`<app>/demo.py::load_demo(*, rng)`); this command runs them
bottom-up so later ones find what earlier ones made.
"""

from __future__ import annotations

import importlib
import random

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = ("profiles.demo", "media.demo", "castings.demo", "chat.demo", "agencies.demo")


class Command(BaseCommand):
    help = "Load demo users, profiles, photos, castings and chats (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options):
        rng = random.Random(seed)
        for module_name in DEMO_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                continue  # that domain has no demo data
            with transaction.atomic():
                module.load_demo(rng=rng)
            self.stdout.write(f"demo data: {module_name} loaded")
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Log in as model1@demo.mwork.kz / demo12345")
        )
