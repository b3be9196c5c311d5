"""Reason codes for identity review decisions (DOMAIN.md section 1), the one list the
review console, the emails and the status page all use."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityReason(models.TextChoices):
    INVALID_PICTURE = "invalid_picture", _("Invalid picture")
    INVALID_ID = "invalid_id", _("Invalid ID")
    POLICY_VIOLATION = "policy_violation", _("Policy violation")
    SECURITY_CONCERN = "security_concern", _("Security concern")


class IdentitySubReason(models.TextChoices):
    PICTURE_NOT_UPLOADED = "picture_not_uploaded", _("Picture not uploaded")
    PICTURE_FILTERS = "picture_filters", _("Picture has filters or effects")
    PICTURE_BLURRY = "picture_blurry", _("Picture is too blurry")
    ID_NOT_UPLOADED = "id_not_uploaded", _("ID not uploaded")
    ID_EXPIRED = "id_expired", _("ID is expired")
    ID_NOT_GOVERNMENT = "id_not_government", _("ID is not government-issued")
    ID_NOT_LEGIBLE = "id_not_legible", _("ID is not legible or blurry")
    UNDER_18 = "under_18", _("Under 18")
    INFO_MISMATCH = "info_mismatch", _("Information does not match the ID")
    PHOTO_MISMATCH = "photo_mismatch", _("ID and picture do not match")


SUB_REASONS = {
    IdentityReason.INVALID_PICTURE: [
        IdentitySubReason.PICTURE_NOT_UPLOADED,
        IdentitySubReason.PICTURE_FILTERS,
        IdentitySubReason.PICTURE_BLURRY,
    ],
    IdentityReason.INVALID_ID: [
        IdentitySubReason.ID_NOT_UPLOADED,
        IdentitySubReason.ID_EXPIRED,
        IdentitySubReason.ID_NOT_GOVERNMENT,
        IdentitySubReason.ID_NOT_LEGIBLE,
    ],
    IdentityReason.POLICY_VIOLATION: [IdentitySubReason.UNDER_18],
    IdentityReason.SECURITY_CONCERN: [
        IdentitySubReason.INFO_MISMATCH,
        IdentitySubReason.PHOTO_MISMATCH,
    ],
}

# Reasons whose decision needs a note from the reviewer.
NOTE_REQUIRED = {IdentityReason.SECURITY_CONCERN}

HOW_TO_FIX = {
    IdentitySubReason.PICTURE_NOT_UPLOADED: _(
        "Take a photo of yourself and upload it with your ID, then submit again."
    ),
    IdentitySubReason.PICTURE_FILTERS: _(
        "Take a new photo of yourself without filters, effects, hats or sunglasses, "
        "then submit again."
    ),
    IdentitySubReason.PICTURE_BLURRY: _(
        "Take a new, sharp photo of your face in good light, then submit again."
    ),
    IdentitySubReason.ID_NOT_UPLOADED: _(
        "Upload a photo of the front of your government photo ID, then submit again."
    ),
    IdentitySubReason.ID_EXPIRED: _(
        "Upload a photo of a government photo ID that has not expired, then submit again."
    ),
    IdentitySubReason.ID_NOT_GOVERNMENT: _(
        "Upload a driver's license, state ID card, passport or other government photo ID, "
        "then submit again."
    ),
    IdentitySubReason.ID_NOT_LEGIBLE: _(
        "Take a new photo of your ID, flat, in good light, with all four corners and every "
        "word readable, then submit again."
    ),
    IdentitySubReason.UNDER_18: _(
        "Visitors must be 18 or older. A parent or guardian can create their own account "
        "and bring you to an on-site visit where the facility allows it."
    ),
    IdentitySubReason.INFO_MISMATCH: _(
        "Check that your legal name and date of birth in your account match your ID exactly, "
        "correct them, and submit again."
    ),
    IdentitySubReason.PHOTO_MISMATCH: _(
        "Upload a photo of yourself and of your own ID, taken now, then submit again."
    ),
}


def sub_reason_belongs(reason: str, sub_reason: str) -> bool:
    return sub_reason in SUB_REASONS.get(reason, [])
