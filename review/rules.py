"""Pure rules for the review console: data in, decision out, no queries."""

from django.utils.translation import gettext as _

from accounts.reasons import NOTE_REQUIRED, IdentityReason, sub_reason_belongs
from visitation.errors import DomainError


def identity_decision_problem(
    *, approve: bool, reason: str, sub_reason: str, note: str
) -> DomainError | None:
    """What is wrong with an identity decision as entered, or None if it may be written.

    A disapproval needs a reason code and a sub-reason of that reason; a security concern
    also needs a note.
    """
    if approve:
        return None
    if reason not in IdentityReason.values:
        return DomainError(_("Please choose a reason."), field="reason")
    if not sub_reason_belongs(reason, sub_reason):
        return DomainError(
            _("Please choose a sub-reason that belongs to the reason you chose."),
            field="sub_reason",
        )
    if reason in NOTE_REQUIRED and not note.strip():
        return DomainError(
            _("Please write a note: it is required for a security concern."), field="note"
        )
    return None
