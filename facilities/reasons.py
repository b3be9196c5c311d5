"""What each access reason code means to the home user, and what they can do next.

The console, the emails and the "My facilities" page all use these words.
"""

from django.utils.translation import gettext_lazy as _

from .models import AccessReason

EXPLANATION = {
    AccessReason.INVALID_PICTURE: _(
        "The facility could not use the photo of you in your account to recognise you."
    ),
    AccessReason.INVALID_ID: _(
        "The facility could not accept the ID in your account: it may be expired, hard to "
        "read, or not a government photo ID."
    ),
    AccessReason.POLICY_VIOLATION: _("Visitors must be 18 or older to visit this facility."),
    AccessReason.SECURITY_CONCERN: _(
        "The details in your account did not match what the facility has on record."
    ),
    AccessReason.BEHAVIOURAL: _(
        "The facility found that this account was used against the visiting rules."
    ),
    AccessReason.FACILITY_POLICY: _(
        "A rule of this facility does not allow you to visit, for example a restriction on "
        "visits with a person there."
    ),
}

NEXT_STEP = {
    AccessReason.INVALID_PICTURE: _(
        "Check the photo of yourself on your account page. When it is clear and shows your "
        "face, ask for access to the facility again."
    ),
    AccessReason.INVALID_ID: _(
        "Check the ID on your account page. When it is a valid, readable government photo ID, "
        "ask for access to the facility again."
    ),
    AccessReason.POLICY_VIOLATION: _(
        "You cannot visit this facility before you turn 18. A parent or guardian can ask for "
        "access with their own account."
    ),
    AccessReason.SECURITY_CONCERN: _(
        "Check that your legal name and date of birth match your ID exactly. If you think this "
        "is a mistake, contact the facility before you ask again."
    ),
    AccessReason.BEHAVIOURAL: _(
        "Contact the facility to ask how long the decision stands and whether you may ask "
        "again later."
    ),
    AccessReason.FACILITY_POLICY: _(
        "Contact the facility to ask about its visiting rules. Asking again will not change "
        "this decision unless the facility lifts the restriction."
    ),
}


def explanation(reason: str) -> str:
    return EXPLANATION.get(reason, "")


def next_step(reason: str) -> str:
    return NEXT_STEP.get(reason, "")


# Reasons the home user can fix themselves: asking again once it is fixed can change the
# answer. For the others, asking again with nothing new gets the same answer.
FIXABLE = {AccessReason.INVALID_PICTURE, AccessReason.INVALID_ID, AccessReason.SECURITY_CONCERN}


def ask_again_helps(reason: str) -> bool:
    return reason in FIXABLE
