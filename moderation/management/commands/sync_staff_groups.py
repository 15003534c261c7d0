from django.core.management.base import BaseCommand

from moderation.staff_groups import staff_groups_sync


class Command(BaseCommand):
    help = (
        "Create or update the Moderators, Finance and Support groups from the staff policy "
        "(moderation/staff_policy.py). Staff accounts: `manage.py create_staff`."
    )

    def handle(self, *args, **options) -> None:
        for group, count in staff_groups_sync().items():
            self.stdout.write(f"{group}: {count} permissions")
