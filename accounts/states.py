from django.db import models
from django.utils.translation import gettext_lazy as _


class USState(models.TextChoices):
    """US states, the District of Columbia and the inhabited territories (USPS codes)."""

    AL = "AL", "Alabama"
    AK = "AK", "Alaska"
    AS = "AS", "American Samoa"
    AZ = "AZ", "Arizona"
    AR = "AR", "Arkansas"
    CA = "CA", "California"
    CO = "CO", "Colorado"
    CT = "CT", "Connecticut"
    DE = "DE", "Delaware"
    DC = "DC", "District of Columbia"
    FL = "FL", "Florida"
    GA = "GA", "Georgia"
    GU = "GU", "Guam"
    HI = "HI", "Hawaii"
    ID = "ID", "Idaho"
    IL = "IL", "Illinois"
    IN = "IN", "Indiana"
    IA = "IA", "Iowa"
    KS = "KS", "Kansas"
    KY = "KY", "Kentucky"
    LA = "LA", "Louisiana"
    ME = "ME", "Maine"
    MD = "MD", "Maryland"
    MA = "MA", "Massachusetts"
    MI = "MI", "Michigan"
    MN = "MN", "Minnesota"
    MS = "MS", "Mississippi"
    MO = "MO", "Missouri"
    MT = "MT", "Montana"
    NE = "NE", "Nebraska"
    NV = "NV", "Nevada"
    NH = "NH", "New Hampshire"
    NJ = "NJ", "New Jersey"
    NM = "NM", "New Mexico"
    NY = "NY", "New York"
    NC = "NC", "North Carolina"
    ND = "ND", "North Dakota"
    MP = "MP", "Northern Mariana Islands"
    OH = "OH", "Ohio"
    OK = "OK", "Oklahoma"
    OR = "OR", "Oregon"
    PA = "PA", "Pennsylvania"
    PR = "PR", "Puerto Rico"
    RI = "RI", "Rhode Island"
    SC = "SC", "South Carolina"
    SD = "SD", "South Dakota"
    TN = "TN", "Tennessee"
    TX = "TX", "Texas"
    UT = "UT", "Utah"
    VT = "VT", "Vermont"
    VI = "VI", "U.S. Virgin Islands"
    VA = "VA", "Virginia"
    WA = "WA", "Washington"
    WV = "WV", "West Virginia"
    WI = "WI", "Wisconsin"
    WY = "WY", "Wyoming"


# The zone most of each state's people live in: the default clock for a new account,
# which the person can change.
STATE_TIME_ZONES = {
    "AL": "America/Chicago",
    "AK": "America/Anchorage",
    "AS": "Pacific/Pago_Pago",
    "AZ": "America/Phoenix",
    "AR": "America/Chicago",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "CT": "America/New_York",
    "DE": "America/New_York",
    "DC": "America/New_York",
    "FL": "America/New_York",
    "GA": "America/New_York",
    "GU": "Pacific/Guam",
    "HI": "Pacific/Honolulu",
    "ID": "America/Boise",
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago",
    "KS": "America/Chicago",
    "KY": "America/New_York",
    "LA": "America/Chicago",
    "ME": "America/New_York",
    "MD": "America/New_York",
    "MA": "America/New_York",
    "MI": "America/Detroit",
    "MN": "America/Chicago",
    "MS": "America/Chicago",
    "MO": "America/Chicago",
    "MT": "America/Denver",
    "NE": "America/Chicago",
    "NV": "America/Los_Angeles",
    "NH": "America/New_York",
    "NJ": "America/New_York",
    "NM": "America/Denver",
    "NY": "America/New_York",
    "NC": "America/New_York",
    "ND": "America/Chicago",
    "MP": "Pacific/Saipan",
    "OH": "America/New_York",
    "OK": "America/Chicago",
    "OR": "America/Los_Angeles",
    "PA": "America/New_York",
    "PR": "America/Puerto_Rico",
    "RI": "America/New_York",
    "SC": "America/New_York",
    "SD": "America/Chicago",
    "TN": "America/Chicago",
    "TX": "America/Chicago",
    "UT": "America/Denver",
    "VT": "America/New_York",
    "VI": "America/St_Thomas",
    "VA": "America/New_York",
    "WA": "America/Los_Angeles",
    "WV": "America/New_York",
    "WI": "America/Chicago",
    "WY": "America/Denver",
}

US_TIME_ZONES = sorted(set(STATE_TIME_ZONES.values()))

# Each zone by the name people use for it, in their language ("Central Time", "hora del
# centro"), not its IANA identifier.
_EASTERN, _CENTRAL, _MOUNTAIN = _("Eastern Time"), _("Central Time"), _("Mountain Time")
ZONE_NAMES = {
    "America/New_York": _EASTERN,
    "America/Detroit": _EASTERN,
    "America/Indiana/Indianapolis": _EASTERN,
    "America/Chicago": _CENTRAL,
    "America/Denver": _MOUNTAIN,
    "America/Boise": _MOUNTAIN,
    "America/Phoenix": _("Mountain Time (Arizona, no daylight saving)"),
    "America/Los_Angeles": _("Pacific Time"),
    "America/Anchorage": _("Alaska Time"),
    "Pacific/Honolulu": _("Hawaii Time"),
    "America/Puerto_Rico": _("Atlantic Time"),
    "America/St_Thomas": _("Atlantic Time"),
    "Pacific/Guam": _("Chamorro Time"),
    "Pacific/Saipan": _("Chamorro Time"),
    "Pacific/Pago_Pago": _("Samoa Time"),
}


def zone_name(zone: str) -> str:
    """A time zone by its everyday name in the active language; the identifier for a zone
    without one."""
    name = ZONE_NAMES.get(zone)
    return str(name) if name else zone


def zone_choices() -> list[tuple[str, str]]:
    """The zones to choose from, named, each with its place where names repeat: "Eastern
    Time (New York)"."""
    return [
        (zone, f"{zone_name(zone)} ({zone.rsplit('/', 1)[-1].replace('_', ' ')})")
        for zone in US_TIME_ZONES
    ]
