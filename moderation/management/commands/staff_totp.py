import io

import qrcode
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User, normalize_email


class Command(BaseCommand):
    help = (
        "Enrol an authenticator app (TOTP) for a staff account: prints the otpauth:// link and "
        "its QR code to scan. Replaces the account's earlier authenticator."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(email=normalize_email(options["email"]), is_staff=True).first()
        if user is None:
            raise CommandError("No staff account with that e-mail.")
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        self.stdout.write(device.config_url)
        code = qrcode.QRCode(border=1)
        code.add_data(device.config_url)
        picture = io.StringIO()  # Django's OutputWrapper would end every character with a newline
        code.print_ascii(out=picture)
        self.stdout.write(picture.getvalue(), ending="")
