"""Demo home users and reviewers, one in every identity state, with drawn photos."""

import io
import secrets
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from .models import IdentityDecision, IdentityStatus, IdentitySubmission, IdType, User
from .reasons import IdentityReason, IdentitySubReason
from .states import STATE_TIME_ZONES

DEMO_HOME_USERS = [
    # email, first, last, state, identity status
    ("new@demo.visits", "Noah", "Bennett", "TX", None),
    ("draft@demo.visits", "Maria", "Lopez", "TX", IdentityStatus.DRAFT),
    ("pending@demo.visits", "James", "Carter", "GA", IdentityStatus.PENDING),
    ("approved@demo.visits", "Aisha", "Johnson", "CA", IdentityStatus.APPROVED),
    ("disapproved@demo.visits", "Luis", "Garcia", "TX", IdentityStatus.DISAPPROVED),
]


def _jpeg(draw_fn, size=(960, 640), background=(236, 241, 247)):
    image = Image.new("RGB", size, background)
    draw_fn(ImageDraw.Draw(image), image.size)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def id_card_image(first, last, dob):
    def draw(d, size):
        w, h = size
        d.rectangle([20, 20, w - 20, h - 20], outline=(0, 94, 162), width=8)
        d.rectangle([20, 20, w - 20, 110], fill=(0, 94, 162))
        d.text((50, 50), "STATE IDENTIFICATION CARD (DEMO)", fill="white", font_size=36)
        d.rectangle([60, 150, 330, 500], fill=(200, 205, 215))
        d.ellipse([135, 190, 255, 310], fill=(140, 110, 90))
        d.rectangle([115, 320, 275, 500], fill=(60, 80, 110))
        for i, line in enumerate(
            [f"LN {last.upper()}", f"FN {first.upper()}", f"DOB {dob:%m/%d/%Y}", "EXP 01/01/2031"]
        ):
            d.text((380, 170 + i * 80), line, fill=(27, 27, 27), font_size=40)

    return _jpeg(draw)


def selfie_image():
    def draw(d, size):
        w, _h = size
        d.ellipse([w // 2 - 150, 120, w // 2 + 150, 480], fill=(140, 110, 90))
        d.ellipse([w // 2 - 80, 250, w // 2 - 40, 290], fill="white")
        d.ellipse([w // 2 + 40, 250, w // 2 + 80, 290], fill="white")
        d.arc([w // 2 - 70, 330, w // 2 + 70, 420], 20, 160, fill=(80, 30, 30), width=8)

    return _jpeg(draw, size=(640, 960))


def _submission(user, status, now):
    submission = IdentitySubmission(
        user=user,
        status=status,
        id_type=IdType.DRIVERS_LICENSE,
        id_expiry=now.date() + timedelta(days=900),
    )
    submission.id_image.save(
        f"{secrets.token_urlsafe(24)}.jpg",
        ContentFile(id_card_image(user.first_name, user.last_name, user.date_of_birth)),
        save=False,
    )
    submission.selfie_image.save(
        f"{secrets.token_urlsafe(24)}.jpg", ContentFile(selfie_image()), save=False
    )
    if status != IdentityStatus.DRAFT:
        submission.submitted_at = now - timedelta(hours=3)
        submission.due_at = submission.submitted_at + timedelta(hours=24)
    submission.save()
    return submission


def seed(*, password):
    """Create the demo people if missing. Returns (email, description) lines to print."""
    now = timezone.now()
    reviewer, _ = User.objects.get_or_create(
        email="reviewer@demo.visits",
        defaults={
            "first_name": "Robin",
            "last_name": "Reviewer",
            "is_reviewer": True,
            "email_verified_at": now,
        },
    )
    operator, created = User.objects.get_or_create(
        email="operator@demo.visits",
        defaults={
            "first_name": "Olive",
            "last_name": "Operator",
            "is_staff": True,
            "is_superuser": True,
            "email_verified_at": now,
        },
    )
    for user in (reviewer, operator):
        user.set_password(password)
        user.save(update_fields=["password"])
    logins = [
        ("operator@demo.visits", "operator: Django admin at /admin/"),
        ("reviewer@demo.visits", "reviewer: identity review queue"),
    ]
    for email, first, last, state, status in DEMO_HOME_USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "date_of_birth": date(1984, 3, 9),
                "street_address": "400 Elm Street",
                "city": "Austin" if state == "TX" else "Atlanta" if state == "GA" else "Sacramento",
                "state": state,
                "time_zone": STATE_TIME_ZONES[state],
                "zip_code": "73301",
                "email_verified_at": now,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        if created and status is not None:
            submission = _submission(user, status, now)
            if status in (IdentityStatus.APPROVED, IdentityStatus.DISAPPROVED):
                approved = status == IdentityStatus.APPROVED
                IdentityDecision.objects.create(
                    submission=submission,
                    reviewer=reviewer,
                    outcome="approved" if approved else "disapproved",
                    reason="" if approved else IdentityReason.INVALID_PICTURE,
                    sub_reason="" if approved else IdentitySubReason.PICTURE_BLURRY,
                    note="" if approved else "The selfie is too dark to compare with the ID.",
                )
                submission.decided_at = now - timedelta(hours=1)
                submission.save(update_fields=["decided_at"])
        logins.append((email, f"home user, identity: {status or 'not started'}"))
    return logins
