from django import template
from django.utils.translation import gettext as _

from accounts.models import IdentityStatus

register = template.Library()


@register.filter
def identity_label(status):
    """The words for an identity status code; "none" or empty before the first upload."""
    if status in IdentityStatus.values:
        return IdentityStatus(status).label
    return _("Not started")
