import secrets

from django.core.management.base import BaseCommand, CommandError

from moderation.staff_groups import staff_user_create
from moderation.staff_policy import ROLES
from mwork.api.exceptions import ValidationFailed


class Command(BaseCommand):
    help = (
        "Create a staff account of one role of the staff policy: "
        "`create_staff --group Finance --email anna@mwork.kz` (a password is generated and "
        "printed once unless --password is given)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--group", required=True, choices=ROLES, help="policy role")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", default="", help="default: a generated one")

    def handle(self, *args, **options) -> None:
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            user = staff_user_create(
                email=options["email"], role=options["group"], password=password
            )
        except ValidationFailed as error:
            raise CommandError(f"{error.message}: {error.details}") from None
        self.stdout.write(f"{user.email}: staff, {options['group']}")
        if not options["password"]:
            self.stdout.write(f"password: {password}")
