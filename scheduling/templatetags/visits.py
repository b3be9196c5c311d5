"""Showing visits, their times and money: {% load visits %}. The formatting itself is
visitation.formatting's, the status shown is scheduling.rules'."""

from django import template

from scheduling import rules
from visitation.formatting import dollars, in_zone, time_in_zone

register = template.Library()

register.filter("in_zone", in_zone)
register.filter("time_in_zone", time_in_zone)
register.filter("dollars", dollars)


@register.filter
def visit_status(visit, now=None):
    """The visit's status as its visitor is shown it (rules.visit_display):
    {% with shown=visit|visit_status:now %}{{ shown.label }}{% endwith %}."""
    return rules.visit_display(visit, now)


@register.filter
def staff_visit_status(visit):
    """The visit's status as staff are shown it (rules.visit_display)."""
    return rules.visit_display(visit, staff=True)
