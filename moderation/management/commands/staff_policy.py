from django.core.management.base import BaseCommand

from moderation.staff_policy import policy_markdown


class Command(BaseCommand):
    help = "Print the staff policy as the Markdown tables of docs/BACK_OFFICE.md."

    def handle(self, *args, **options) -> None:
        self.stdout.write(policy_markdown(), ending="")
