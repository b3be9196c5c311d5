"""Pure rules about accounts: data in, decision out, no queries."""

from datetime import date, datetime, timedelta

ADULT_AGE = 18
REVIEW_WITHIN = timedelta(hours=24)
# What a reviewer compares with the ID: fixed while a review is pending or once approved.
IDENTITY_DETAILS = ("first_name", "last_name", "date_of_birth")


def age_on(date_of_birth: date, today: date) -> int:
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def is_adult(date_of_birth: date, today: date) -> bool:
    return age_on(date_of_birth, today) >= ADULT_AGE


def review_due(submitted_at: datetime) -> datetime:
    return submitted_at + REVIEW_WITHIN


# "Send the link again": at most one link per GAP, and DAILY links in a day that starts
# with the first link of it.
VERIFY_EMAIL_GAP = timedelta(minutes=2)
VERIFY_EMAIL_DAY = timedelta(hours=24)
VERIFY_EMAIL_DAILY = 5


def verify_email_day_is_over(day_started_at: datetime | None, now: datetime) -> bool:
    return day_started_at is None or day_started_at <= now - VERIFY_EMAIL_DAY


def verify_email_next_at(
    *, sent_at: datetime | None, day_started_at: datetime | None, day_count: int, now: datetime
) -> datetime | None:
    """When the next verification link may go out, or None if it may go out now."""
    if not verify_email_day_is_over(day_started_at, now) and day_count >= VERIFY_EMAIL_DAILY:
        return day_started_at + VERIFY_EMAIL_DAY
    if sent_at is not None and sent_at > now - VERIFY_EMAIL_GAP:
        return sent_at + VERIFY_EMAIL_GAP
    return None
