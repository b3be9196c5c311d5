import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor_demo import DEMO_DEVICE_NAME, DEMO_SECRET


class Command(BaseCommand):
    help = "Print the current second-factor code of each demo console account. DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp only runs with DEBUG on: demo codes are not secret.")
        devices = list(
            TOTPDevice.objects.filter(name=DEMO_DEVICE_NAME, confirmed=True)
            .select_related("user")
            .order_by("user__email")
        )
        if not devices:
            raise CommandError("No demo console accounts. Run `manage.py seed_demo` first.")
        now = time.time()
        width = max(len(device.user.email) for device in devices)
        for device in devices:
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            totp.time = now
            code = str(totp.token()).zfill(device.digits)
            self.stdout.write(f"  {device.user.email.ljust(width)}  {code}")
        seconds_left = int(30 - now % 30)
        self.stdout.write(
            f"Codes change in {seconds_left} s; each code works once per account. "
            f"Secret for an authenticator app: {DEMO_SECRET}"
        )
