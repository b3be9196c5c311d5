"""The console's second factor: an authenticator app, set up only in a short window after
a console user chose their password through a link emailed to them, and single-use backup
codes kept as keyed hashes. The console sign-in (accounts.console.console_required) sends
console users here until they pass it."""

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from visitation.errors import DomainError
from visitation.keyring import secret_keys

from .models import User

DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
BACKUP_CODE_SALT = "review.backup-code"


def backup_code_digest(code: str, *, key: str | None = None) -> str:
    """What is kept of a backup code: a keyed hash (HMAC-SHA256 with the site's secret key,
    or `key`) in 16 base32 characters, so that a copy of the database gives no code away
    and its codes cannot be guessed offline. Codes made under a key in SECRET_KEY_FALLBACKS
    still work while it is listed. Migration review 0002 holds a copy."""
    digest = salted_hmac(
        BACKUP_CODE_SALT, code.strip().lower(), secret=key, algorithm="sha256"
    ).digest()
    return b32encode(digest[:10]).decode().lower()


ENROLMENT_WINDOW = timedelta(minutes=settings.SECOND_FACTOR_ENROLMENT_MINUTES)


# Set by second_factor_enrolment_start: {"user": pk, "until": POSIX timestamp}.
ENROLMENT_SESSION_KEY = "second_factor_enrolment"


def second_factor_enrolment_open(*, user: User, session, now: datetime) -> bool:
    """Whether this session may set up an authenticator for `user`: only for a while after
    they chose their password through a link emailed to them."""
    mark = session.get(ENROLMENT_SESSION_KEY) or {}
    return mark.get("user") == user.pk and now.timestamp() < mark.get("until", 0)


def has_authenticator(*, user: User) -> bool:
    """Whether a console user has a confirmed authenticator app (backup codes aside)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(*, user: User) -> int:
    """How many of a console user's backup codes are still unused."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_enrolment_start(*, user: User, session, now: datetime) -> None:
    """A console user just chose their password through a link emailed to them: this
    session may set up an authenticator for ENROLMENT_WINDOW (30 minutes by default).
    Set-ups begun before are dropped, since whoever saw their secret may not have owned
    the mailbox."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    session[ENROLMENT_SESSION_KEY] = {
        "user": user.pk,
        "until": (now + ENROLMENT_WINDOW).timestamp(),
    }


def second_factor_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator being set up for a console user who has none confirmed yet: the
    same one on every visit until confirmed, so the QR code does not change under them."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@dataclass
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


def second_factor_confirm(*, user: User, token: str, session) -> Enrolment:
    """Confirm the pending authenticator with a code it shows, make the first set of backup
    codes and close the session's enrolment window. A wrong code counts toward the
    device's throttling, so the check is committed before the refusal is raised."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        accepted = device is not None and device.verify_token(token)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            backup_codes = second_factor_backup_codes_new(user=user)
    if not accepted:
        raise DomainError(_("That code did not match. Enter the 6-digit code your app shows now."))
    session.pop(ENROLMENT_SESSION_KEY, None)
    return Enrolment(device=device, backup_codes=backup_codes)


@transaction.atomic
def second_factor_backup_codes_new(*, user: User) -> list[str]:
    """A new set of single-use backup codes for a console user; every code made before
    stops working. The codes are returned to be shown once."""
    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_digest(code)) for code in codes
    )
    return codes


def _backup_code_kept(*, user: User, code: str) -> str:
    """The digest to check a typed backup code with: the one made under an earlier key if
    that is how this user's code was kept (a key change under way), else the current one.
    One check per attempt, so the device's throttle counts each wrong code once."""
    digests = [backup_code_digest(code, key=key) for key in secret_keys()]
    kept = set(
        StaticToken.objects.filter(device__user=user, token__in=digests).values_list(
            "token", flat=True
        )
    )
    return next((digest for digest in digests if digest in kept), digests[0])


def second_factor_verify(*, user: User, token: str) -> Device:
    """Check a code against the user's confirmed authenticators, or a backup code against
    their backup codes (a used one is gone); returns the device that accepted it, for
    django_otp.login. Repeated failures are throttled by the device."""
    backup = not (len(token) == 6 and token.isdigit())
    model = StaticDevice if backup else TOTPDevice
    if backup:
        token = _backup_code_kept(user=user, code=token)
    for device in model.objects.filter(user=user, confirmed=True).order_by("pk"):
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    if backup:
        raise DomainError(
            _(
                "That backup code did not work. Each code works once. "
                "After several wrong codes you must wait a little before you try again."
            )
        )
    raise DomainError(
        _(
            "That code did not work. Wait for the next code in your app and enter it. "
            "After several wrong codes you must wait a little before you try again."
        )
    )
