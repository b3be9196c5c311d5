"""Showing visits, their times and money: {% load visits %}. The formatting itself is
visitation.formatting's, the status shown is scheduling.rules'."""

from django import template

from scheduling import rules
from scheduling.models import HOLD_FOR
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


@register.simple_tag
def credit_cutoff_hours():
    """How long before a visit a cancellation still gives credit, in hours (rules):
    {% credit_cutoff_hours as credit_hours %}."""
    return rules.hours(rules.CREDIT_CUTOFF)


@register.simple_tag
def hold_minutes():
    """How long a chosen time is held, in minutes: {% hold_minutes as hold_minutes %}."""
    return rules.minutes(HOLD_FOR)
