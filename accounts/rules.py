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
