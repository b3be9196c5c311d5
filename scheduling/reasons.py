"""Why a visit was cancelled: the families of DOMAIN.md section 4 and their reason codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CancelFamily(models.TextChoices):
    VISITOR = "visitor", _("Cancelled by the visitor")
    BEHAVIOURAL = "behavioural", _("Behavioural (the visitor is charged)")
    NON_BEHAVIOURAL = "non_behavioural", _("Non-behavioural (the visitor gets a credit)")


class CancelReason(models.TextChoices):
    VISITOR_CANCELLED = "visitor_cancelled", _("Cancelled by the visitor")
    RESCHEDULED = "rescheduled", _("Moved to another time by the visitor")
    LOCKDOWN = "lockdown", _("Lockdown")
    BEHAVIOUR = "behaviour", _("The incarcerated person's behaviour")
    ACCOUNT_VIOLATION = "account_violation", _("Account usage violation")
    TERMINAL_UNAVAILABLE = "terminal_unavailable", _("Terminal not available")
    TERMINAL_INOPERABLE = "terminal_inoperable", _("Terminal inoperable")
    NOT_PRODUCED = "not_produced", _("The incarcerated person was not produced in time")
    PERSON_RELEASED = "person_released", _("The incarcerated person was released")
    PERSON_TRANSFERRED = "person_transferred", _("The incarcerated person was transferred")


def staff_reasons(*, lockdown_charges: bool) -> dict[str, list[str]]:
    """The reasons facility staff choose from, by family. A lockdown is behavioural (the
    visitor is charged) unless the facility chose otherwise (SchedulingConfig.lockdown_charges):
    then what was paid comes back, as for the non-behavioural reasons."""
    behavioural = [CancelReason.BEHAVIOUR, CancelReason.ACCOUNT_VIOLATION]
    non_behavioural = [
        CancelReason.TERMINAL_UNAVAILABLE,
        CancelReason.TERMINAL_INOPERABLE,
        CancelReason.NOT_PRODUCED,
    ]
    (behavioural if lockdown_charges else non_behavioural).insert(0, CancelReason.LOCKDOWN)
    return {CancelFamily.BEHAVIOURAL: behavioural, CancelFamily.NON_BEHAVIOURAL: non_behavioural}


def family_of(reason: str, *, lockdown_charges: bool) -> str:
    """The family of a staff reason at a facility; "" for a reason staff may not choose."""
    for family, reasons in staff_reasons(lockdown_charges=lockdown_charges).items():
        if reason in reasons:
            return family
    return ""
