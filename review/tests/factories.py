"""Test helpers for the console, gathered for review's tests: sign in with the second
factor passed (accounts), items pending review (accounts, facilities)."""

from accounts.tests.factories import (
    NEW_PASSWORD,
    current_code,
    otp_login,
    pending_submission,
    set_password_by_link,
    totp_device,
)
from facilities.tests.factories import pending_access_request

__all__ = [
    "NEW_PASSWORD",
    "current_code",
    "otp_login",
    "pending_access_request",
    "pending_submission",
    "set_password_by_link",
    "totp_device",
]
