"""The check-in PIN an incarcerated person types at their unit's video terminal.

Exactly 4 digits, kept only as a password hash (the site's password hasher), whether staff
set it in the console or an operator loads it with the roster. The value itself is never
shown, logged or put in a message.
"""

from django.contrib.auth.hashers import check_password, make_password

PIN_LENGTH = 4


def checkin_pin_valid(pin: str) -> bool:
    """Exactly 4 digits 0-9 (not other scripts' digits, which a terminal keypad cannot type)."""
    return len(pin) == PIN_LENGTH and pin.isascii() and pin.isdigit()


def checkin_pin_hash(pin: str) -> str:
    """What Inmate.checkin_pin keeps for `pin`."""
    return make_password(pin)


def checkin_pin_matches(pin: str, stored: str) -> bool:
    """Whether `pin` is the PIN kept as `stored`; a person without a PIN matches nothing."""
    return bool(stored) and check_password(pin, stored)
