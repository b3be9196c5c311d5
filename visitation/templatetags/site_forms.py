"""Forms on a page, for the base template: {% load site_forms %}."""

from django import template
from django.forms import BaseForm

register = template.Library()


@register.simple_tag(takes_context=True)
def forms_with_errors(context) -> list[BaseForm]:
    """The submitted forms of the page that were refused, in the order the view gave them:
    the base template puts their errors in one summary at the top and starts the page's
    title with "Error:", on every page with a form."""
    found = []
    for value in context.flatten().values():
        refused = isinstance(value, BaseForm) and value.is_bound and value.errors
        if refused and all(value is not seen for seen in found):
            found.append(value)
    return found
