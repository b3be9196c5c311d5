"""Time zones by name: {% load zones %} then {{ facility.time_zone|zone_name }}."""

from django import template

from accounts.states import zone_name as _zone_name

register = template.Library()


@register.filter
def zone_name(zone: str) -> str:
    """ "Central Time" (English), "hora del centro" (Spanish), not "America/Chicago"."""
    return _zone_name(zone) if zone else ""
