"""Test helpers for the console: sign in with the second factor passed, pending items."""

from datetime import timedelta

from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PendingSubmissionFactory, UserFactory
from facilities.tests.factories import AccessRequestFactory


def totp_device(user, *, confirmed=True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Test phone", confirmed=confirmed)


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def otp_login(client, user) -> TOTPDevice:
    """Sign `user` in as if they had entered their password and a valid code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def pending_submission(*, hours_ago=1, **kwargs):
    """A submission waiting for review, submitted `hours_ago`."""
    submitted = timezone.now() - timedelta(hours=hours_ago)
    return PendingSubmissionFactory(submitted_at=submitted, **kwargs)


def pending_access_request(*, facility, hours_ago=1, user=None):
    asked = timezone.now() - timedelta(hours=hours_ago)
    access_request = AccessRequestFactory(
        user=user or UserFactory(), facility=facility, due_at=asked + timedelta(hours=24)
    )
    type(access_request).objects.filter(pk=access_request.pk).update(created_at=asked)
    access_request.refresh_from_db()
    return access_request
