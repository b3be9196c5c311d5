"""Test helpers for the console: sign in with the second factor passed, pending items."""

from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
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


NEW_PASSWORD = "a long passphrase for the console 9"


def set_password_by_link(client, user, password=NEW_PASSWORD):
    """Follow the link a console user is emailed to choose a password (the staff
    invitation or "Forgot your password?") and choose one; returns the last response."""
    link = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    form_page = client.get(link, follow=True)
    return client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


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
