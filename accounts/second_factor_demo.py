"""Demo second factor: the demo reviewer, demo facility staff and demo operator get an
authenticator with a known secret, so a newcomer can sign in to the console and the
Django admin. DEBUG only."""

from base64 import b32encode
from binascii import unhexlify

from django.conf import settings
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

DEMO_DEVICE_NAME = "Demo authenticator"
# The RFC 6238 test key ("12345678901234567890"): public on purpose, demo only.
DEMO_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_SECRET = b32encode(unhexlify(DEMO_KEY_HEX)).decode()


def demo_console_users():
    """The demo reviewer, staff and operator that exist (facilities may not be seeded)."""
    return (
        User.objects.filter(email__endswith="demo.visits")
        .filter(Q(is_reviewer=True) | Q(staff_memberships__isnull=False) | Q(is_staff=True))
        .distinct()
        .order_by("email")
    )


def seed(*, password):
    """Give every demo console account a confirmed authenticator with the known secret.
    Returns (label, description) lines to print. `password` is unused: the accounts and
    facilities demos set the passwords."""
    if not settings.DEBUG:
        return []
    users = list(demo_console_users())
    for user in users:
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEMO_DEVICE_NAME,
            defaults={"key": DEMO_KEY_HEX, "confirmed": True},
        )
    if not users:
        return []
    return [
        (
            "second factor",
            f"console and admin accounts ({len(users)}): `python manage.py demo_totp` prints the "
            f"current code, or add the secret {DEMO_SECRET} to an authenticator app",
        )
    ]
