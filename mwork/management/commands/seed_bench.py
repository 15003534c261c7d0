"""`manage.py seed_bench --scale N`: benchmark data at national scale (see bench/seed.py).

Scale 1 = 100,000 model profiles, 10,000 employers, 30,000 castings, 300,000 responses,
20,000 chat rooms and 500,000 messages. Safe to run twice: a complete data set at the same
scale is left alone, anything else is replaced.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bench.seed import seed_bench


class Command(BaseCommand):
    help = "Seed benchmark data (COPY on PostgreSQL); idempotent at a given scale."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = national scale")
        parser.add_argument("--seed", type=int, default=2026, help="RNG seed (same data)")
        parser.add_argument(
            "--force", action="store_true", help="rebuild even when the data is complete"
        )

    def handle(self, *args, scale: float, seed: int, force: bool, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be in (0, 10].")
        counts = seed_bench(scale=scale, seed=seed, force=force, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"bench data ready: {counts}"))
