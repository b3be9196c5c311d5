from datetime import UTC, date, datetime

import pytest

from accounts import rules


@pytest.mark.parametrize(
    ("born", "today", "adult"),
    [
        (date(2008, 3, 10), date(2026, 3, 10), True),  # 18th birthday
        (date(2008, 3, 11), date(2026, 3, 10), False),  # the day before it
        (date(2008, 12, 31), date(2026, 1, 1), False),
        (date(2008, 2, 29), date(2026, 2, 28), False),  # leap-day birthday, not yet
        (date(2008, 2, 29), date(2026, 3, 1), True),
        (date(1950, 1, 1), date(2026, 3, 10), True),
        (date(2030, 1, 1), date(2026, 3, 10), False),  # a date in the future
    ],
)
def test_is_adult_from_the_18th_birthday(born, today, adult):
    assert rules.is_adult(born, today) is adult


def test_review_is_due_24_hours_after_submission():
    submitted = datetime(2026, 3, 7, 18, 30, tzinfo=UTC)
    assert rules.review_due(submitted) == datetime(2026, 3, 8, 18, 30, tzinfo=UTC)
