import io
from datetime import date, timedelta
from pathlib import Path

import factory
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from accounts.models import (
    IdentityDecision,
    IdentityStatus,
    IdentitySubmission,
    IdType,
    User,
)
from accounts.reasons import IdentityReason, IdentitySubReason

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    # Names no search in a test types by accident (a random "Smith" once joined a search
    # for Smith); zero-padded so they sort in the order they were made.
    first_name = factory.Sequence(lambda n: f"Given{n:05d}")
    last_name = factory.Sequence(lambda n: f"Family{n:05d}")
    date_of_birth = date(1985, 6, 15)
    street_address = "12 Main Street"
    city = "Springfield"
    state = "IL"
    zip_code = "62701"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def stored_path(field) -> Path:
    """Where the default private storage (a folder) keeps a file field's file."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / field.name


def photo_bytes(width=800, height=600, fmt="JPEG", color=(120, 140, 160), **save_kwargs):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt, **save_kwargs)
    return buffer.getvalue()


def photo_upload(name="photo.jpg", content=None, content_type="image/jpeg", **kwargs):
    return SimpleUploadedFile(
        name, content if content is not None else photo_bytes(**kwargs), content_type
    )


class IdentitySubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentitySubmission

    user = factory.SubFactory(UserFactory)
    status = IdentityStatus.DRAFT
    id_type = IdType.DRIVERS_LICENSE
    id_expiry = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=700))
    id_image = factory.django.FileField(filename="id.jpg", data=factory.LazyFunction(photo_bytes))
    selfie_image = factory.django.FileField(
        filename="selfie.jpg", data=factory.LazyFunction(photo_bytes)
    )


class PendingSubmissionFactory(IdentitySubmissionFactory):
    status = IdentityStatus.PENDING
    submitted_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.submitted_at + timedelta(hours=24))


class IdentityDecisionFactory(factory.django.DjangoModelFactory):
    """A disapproval for a blurry selfie unless told otherwise; sets the submission's status."""

    class Meta:
        model = IdentityDecision
        skip_postgeneration_save = True

    submission = factory.SubFactory(PendingSubmissionFactory)
    reviewer = factory.SubFactory(UserFactory, is_reviewer=True)
    outcome = IdentityDecision.Outcome.DISAPPROVED
    reason = IdentityReason.INVALID_PICTURE
    sub_reason = IdentitySubReason.PICTURE_BLURRY
    note = "The photo of you is too dark to compare with the ID."

    @factory.post_generation
    def _decide_submission(obj, create, extracted, **kwargs):
        obj.submission.status = obj.outcome
        obj.submission.decided_at = obj.created_at
        if create:
            obj.submission.save(update_fields=["status", "decided_at"])


def signup_data(**overrides):
    """What a person types into the signup form."""
    data = {
        "email": "new.person@example.com",
        "password": "a long unusual passphrase 42",
        "first_name": "Ana",
        "last_name": "Torres",
        "date_of_birth": "1990-04-02",
        "street_address": "5 Oak Lane",
        "city": "El Paso",
        "state": "TX",
        "zip_code": "79901",
        "phone": "",
    }
    data.update(overrides)
    return data


# The console sign-in: a second factor passed.


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
