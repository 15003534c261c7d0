"""Run the saved-search matching job now (the beat job runs it every minute) and send the
instant alerts: `manage.py match_saved_searches [--lag SECONDS]` (docs/SEARCHES.md)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from searches import services
from searches.models import SearchKind


class Command(BaseCommand):
    help = "Match new castings and profiles against saved searches now; send instant alerts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lag",
            type=int,
            default=None,
            help="Scan up to this many seconds ago (default SAVED_SEARCH_MATCH_LAG_SECONDS).",
        )

    def handle(self, *args, lag: int | None = None, **options):
        window = None if lag is None else timedelta(seconds=lag)
        found = sum(
            services.saved_searches_match(kind=kind, lag=window) for kind in SearchKind.values
        )
        sent = services.saved_search_matches_deliver_instant()
        self.stdout.write(f"{found} new matches, {sent} instant alerts sent")
