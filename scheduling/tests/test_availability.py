"""The pure availability rules: no database."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from scheduling.availability import (
    DayReason,
    Interval,
    Request,
    Slot,
    Window,
    bookable_days,
    slot_at,
)

CHICAGO = ZoneInfo("America/Chicago")
DEFAULT = [(time(9), time(11, 20)), (time(12, 20), time(16, 20)), (time(17, 20), time(22, 45))]
EVERY_DAY = [Window(weekday=d, start=s, end=e) for d in range(7) for s, e in DEFAULT]
MONDAY = date(2027, 3, 1)  # an ordinary week, far from any clock change


def at(day, hour, minute=0, fold=0):
    """A Chicago wall-clock time as a UTC instant."""
    return (
        datetime.combine(day, time(hour, minute), tzinfo=CHICAGO).replace(fold=fold).astimezone(UTC)
    )


def request(**changes):
    values = {
        "zone": CHICAGO,
        "windows": EVERY_DAY,
        "duration": timedelta(minutes=20),
        "step_minutes": 20,
        "now": at(MONDAY - timedelta(days=3), 8),
        "notice": timedelta(hours=24),
        "horizon_days": 14,
        "inmate_terminals": (1,),
    }
    values.update(changes)
    return Request(**values)


def day(req, on=MONDAY):
    return bookable_days(req, start_date=on, days=1)[0]


def local_starts(found):
    return [s.starts_at.astimezone(CHICAGO).strftime("%H:%M") for s in found.slots]


def test_default_windows_give_every_20_minute_start_that_ends_in_its_window():
    starts = local_starts(day(request()))
    assert starts[:8] == ["09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00", "12:20"]
    assert "11:20" not in starts  # would end at 11:40, after the window
    assert starts[-1] == "22:20"  # 22:40 would end at 23:00, after 22:45
    assert len(starts) == 7 + 12 + 16


def test_a_longer_visit_must_still_fit_inside_one_window():
    starts = local_starts(day(request(duration=timedelta(minutes=60))))
    assert starts[:5] == ["09:00", "09:20", "09:40", "10:00", "10:20"]
    assert "10:40" not in starts and "11:00" not in starts
    assert "16:00" not in starts and "15:20" in starts
    assert starts[-1] == "21:40"


def test_the_step_sets_the_grid():
    starts = local_starts(day(request(step_minutes=30)))
    assert starts[:5] == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert "12:50" in starts and "12:40" not in starts


def test_each_weekday_has_its_own_windows():
    windows = [Window(weekday=0, start=time(13), end=time(14))]
    monday = day(request(windows=windows))
    assert local_starts(monday) == ["13:00", "13:20", "13:40"]
    tuesday = day(request(windows=windows), on=MONDAY + timedelta(days=1))
    assert tuesday.slots == () and tuesday.reason == DayReason.NO_WINDOW


def test_minimum_notice_removes_starts_too_soon():
    now = at(MONDAY - timedelta(days=1), 10, 5)  # Sunday 10:05: Monday 10:05 is the earliest
    found = day(request(now=now))
    assert local_starts(found)[0] == "10:20"
    whole_day_too_soon = day(request(now=at(MONDAY, 8)))
    assert whole_day_too_soon.slots == () and whole_day_too_soon.reason == DayReason.NOTICE


def test_the_horizon_counts_facility_dates():
    now = at(MONDAY, 23, 30)  # 05:30 UTC the next day: the facility's date still decides
    days = bookable_days(request(now=now), start_date=MONDAY + timedelta(days=13), days=3)
    assert [bool(d.slots) for d in days] == [True, True, False]
    assert days[1].date == MONDAY + timedelta(days=14)
    assert days[2].reason == DayReason.BEYOND_HORIZON


def test_weekly_limit_blocks_the_rest_of_that_week_only():
    counted = [at(MONDAY, 9), at(MONDAY + timedelta(days=2), 13)]
    req = request(weekly_limit=2, inmate_counted_starts=counted)
    days = bookable_days(req, start_date=MONDAY, days=8)
    assert all(d.reason == DayReason.WEEKLY_LIMIT for d in days[:7])
    assert days[7].slots  # next Monday: a new week
    one_left = request(weekly_limit=3, inmate_counted_starts=counted)
    assert day(one_left).slots


def test_a_closure_removes_overlapping_starts_and_names_a_closed_day():
    closure = Interval(at(MONDAY, 12, 30), at(MONDAY, 18))
    starts = local_starts(day(request(closures=[closure])))
    assert "12:20" not in starts  # would end 12:40, inside the closure
    assert "11:00" in starts and "18:00" in starts and "17:40" not in starts
    whole = Interval(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0))
    closed = day(request(closures=[whole]))
    assert closed.slots == () and closed.reason == DayReason.CLOSED


def test_a_lockdown_of_the_persons_unit_blocks_its_period():
    lockdown = Interval(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0))
    found = day(request(lockdowns=[lockdown]))
    assert found.slots == () and found.reason == DayReason.LOCKDOWN
    assert day(request(lockdowns=[lockdown]), on=MONDAY + timedelta(days=1)).slots


def test_a_busy_terminal_leaves_the_other_and_none_free_means_fully_booked():
    busy = {1: [Interval(at(MONDAY, 9), at(MONDAY, 9, 40))]}
    found = day(request(inmate_terminals=(1, 2), terminal_busy=busy))
    first = found.slots[0]
    assert first.inmate_terminals == (2,)
    assert found.slots[2].inmate_terminals == (1, 2)  # 09:40, back to back with the busy one
    only_one = day(request(terminal_busy=busy))
    assert local_starts(only_one)[0] == "09:40"
    all_day = {1: [Interval(at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0))]}
    full = day(request(terminal_busy=all_day))
    assert full.slots == () and full.reason == DayReason.FULLY_BOOKED


def test_the_person_and_the_visitor_may_not_be_in_two_visits_at_once():
    person = [Interval(at(MONDAY, 10), at(MONDAY, 10, 40))]
    visitor = [Interval(at(MONDAY, 13), at(MONDAY, 13, 20))]
    starts = local_starts(
        day(request(inmate_terminals=(1, 2), inmate_busy=person, visitor_busy=visitor))
    )
    assert "09:40" in starts and "10:40" in starts  # back to back is fine
    assert "10:00" not in starts and "10:20" not in starts
    assert "13:00" not in starts and "12:40" in starts and "13:20" in starts


def test_on_site_needs_a_free_lobby_terminal_too():
    lobby_busy = {9: [Interval(at(MONDAY, 9), at(MONDAY, 10))]}
    req = request(needs_lobby_terminal=True, lobby_terminals=(9,), terminal_busy=lobby_busy)
    found = day(req)
    assert local_starts(found)[0] == "10:00"
    assert found.slots[0].lobby_terminals == (9,)
    no_lobby = day(request(needs_lobby_terminal=True, lobby_terminals=()))
    assert no_lobby.reason == DayReason.FULLY_BOOKED
    remote = day(request(lobby_terminals=(9,), terminal_busy=lobby_busy))
    assert local_starts(remote)[0] == "09:00" and remote.slots[0].lobby_terminals == ()


def test_a_day_shows_what_removed_its_last_starts():
    now = at(MONDAY - timedelta(days=1), 12)  # Monday morning is too soon
    afternoon_on = {1: [Interval(at(MONDAY, 12), at(MONDAY + timedelta(days=1), 0))]}
    found = day(request(now=now, terminal_busy=afternoon_on))
    assert found.slots == () and found.reason == DayReason.FULLY_BOOKED


def test_slot_at_finds_one_start_or_says_why_not():
    req = request(inmate_terminals=(1, 2))
    assert slot_at(req, starts_at=at(MONDAY, 9, 20)) == Slot(
        starts_at=at(MONDAY, 9, 20), ends_at=at(MONDAY, 9, 40), inmate_terminals=(1, 2)
    )
    assert slot_at(req, starts_at=at(MONDAY, 9, 10)) == DayReason.NO_WINDOW
    assert slot_at(req, starts_at=at(MONDAY, 11, 20)) == DayReason.NO_WINDOW
    busy = request(inmate_busy=[Interval(at(MONDAY, 9), at(MONDAY, 10))])
    assert slot_at(busy, starts_at=at(MONDAY, 9, 20)) == DayReason.FULLY_BOOKED


# Clocks change in Chicago on Sunday 14 March 2027 (02:00 CST -> 03:00 CDT) and on Sunday
# 7 November 2027 (02:00 CDT -> 01:00 CST).
SPRING = date(2027, 3, 14)
FALL = date(2027, 11, 7)


def test_a_9am_window_opens_at_9am_local_on_both_sides_of_each_change():
    for change in (SPRING, FALL):
        before, after = change - timedelta(days=1), change + timedelta(days=1)
        for on in (before, change, after):
            found = day(request(now=at(on - timedelta(days=3), 8)), on=on)
            assert local_starts(found)[0] == "09:00"
            assert found.slots[0].starts_at == at(on, 9)
    assert at(SPRING - timedelta(days=1), 9).hour == 15  # CST, UTC-6
    assert at(SPRING, 9).hour == 14  # CDT, UTC-5
    assert at(FALL - timedelta(days=1), 9).hour == 14
    assert at(FALL, 9).hour == 15


def test_spring_forward_skips_the_hour_that_does_not_exist():
    night = [Window(weekday=6, start=time(1), end=time(4))]
    req = request(windows=night, now=at(SPRING - timedelta(days=3), 8))
    found = day(req, on=SPRING)
    assert local_starts(found) == ["01:00", "01:20", "01:40", "03:00", "03:20", "03:40"]
    # 01:40 CST to 03:00 CDT is 20 real minutes: consecutive starts, no gap, no overlap.
    assert found.slots[2].ends_at == found.slots[3].starts_at
    assert [s.starts_at.astimezone(CHICAGO).tzname() for s in found.slots[2:4]] == ["CST", "CDT"]


def test_a_window_boundary_in_the_skipped_hour_is_the_instant_the_clocks_change():
    window = [Window(weekday=6, start=time(2, 30), end=time(4))]
    found = day(request(windows=window, now=at(SPRING - timedelta(days=3), 8)), on=SPRING)
    # The grid from 02:30 is 02:30, 02:50 (do not exist), 03:10, 03:30 CDT.
    assert local_starts(found) == ["03:10", "03:30"]
    ending = [Window(weekday=6, start=time(1), end=time(2, 30))]
    found = day(request(windows=ending, now=at(SPRING - timedelta(days=3), 8)), on=SPRING)
    assert local_starts(found) == ["01:00", "01:20", "01:40"]  # ends by 03:00 CDT


def test_fall_back_offers_the_repeated_hour_twice_as_two_instants():
    night = [Window(weekday=6, start=time(0, 20), end=time(2, 20))]
    req = request(windows=night, now=at(FALL - timedelta(days=3), 8))
    found = day(req, on=FALL)
    labels = [s.starts_at.astimezone(CHICAGO).strftime("%H:%M %Z") for s in found.slots]
    assert labels == [
        "00:20 CDT",
        "00:40 CDT",
        "01:00 CDT",
        "01:20 CDT",
        "01:40 CDT",
        "01:00 CST",
        "01:20 CST",
        "01:40 CST",
        "02:00 CST",
    ]
    instants = [s.starts_at for s in found.slots]
    assert instants == sorted(set(instants))
    assert all(b - a == timedelta(minutes=20) for a, b in pairwise(instants))
    first, second = at(FALL, 1, 20, fold=0), at(FALL, 1, 20, fold=1)
    assert second - first == timedelta(hours=1)
    assert isinstance(slot_at(req, starts_at=first), Slot)
    assert isinstance(slot_at(req, starts_at=second), Slot)


def test_a_window_ending_in_the_repeated_hour_closes_at_its_second_occurrence():
    window = [Window(weekday=6, start=time(0, 20), end=time(1, 40))]
    found = day(request(windows=window, now=at(FALL - timedelta(days=3), 8)), on=FALL)
    assert found.slots[-1].ends_at == at(FALL, 1, 40, fold=1)
    assert found.slots[-1].starts_at == at(FALL, 1, 20, fold=1)


def test_the_48_hour_and_notice_arithmetic_is_real_time_across_a_change():
    # Notice of 24 hours from Saturday 09:30 CST ends Sunday 10:30 CDT (24 real hours).
    req = request(now=at(SPRING - timedelta(days=1), 9, 30))
    found = day(req, on=SPRING)
    assert local_starts(found)[0] == "10:40"


# A window ending on the night clocks go back (issue: one ending at 01:00 ran an hour long).
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LA_FALL = date(2026, 11, 1)  # 02:00 PDT -> 01:00 PST


def night_window(end, *, minutes, zone=CHICAGO, on=FALL, start=time(0, 50), step=15):
    """The starts offered on the night clocks go back for one window ending at `end`, a
    visit of `minutes`, no notice and one terminal, as wall-clock times with the zone."""
    req = request(
        zone=zone,
        windows=[Window(weekday=on.weekday(), start=start, end=end)],
        duration=timedelta(minutes=minutes),
        step_minutes=step,
        notice=timedelta(0),
        now=datetime.combine(on - timedelta(days=3), time(8), tzinfo=zone).astimezone(UTC),
    )
    found = day(req, on=on)
    return [
        (
            s.starts_at.astimezone(zone).strftime("%H:%M %Z"),
            s.ends_at.astimezone(zone).strftime("%H:%M %Z"),
        )
        for s in found.slots
    ]


def test_a_window_ending_at_01_00_the_night_clocks_go_back_ends_at_the_first_01_00():
    # 00:50 CDT plus 45 minutes is 01:35 CDT, past the window's end: nothing fits.
    assert night_window(time(1), minutes=45) == []
    # What fits ends by 01:00 CDT, never in the repeated hour.
    assert night_window(time(1), minutes=10) == [("00:50 CDT", "01:00 CDT")]


def test_a_window_ending_at_01_00_in_los_angeles_offers_nothing_that_runs_past_it():
    assert night_window(time(1), minutes=50, zone=LOS_ANGELES, on=LA_FALL, start=time(0, 20)) == []
    assert night_window(
        time(1), minutes=20, zone=LOS_ANGELES, on=LA_FALL, start=time(0, 20), step=20
    ) == [("00:20 PDT", "00:40 PDT"), ("00:40 PDT", "01:00 PDT")]


def test_a_window_ending_at_01_30_that_night_ends_at_the_second_01_30():
    assert night_window(time(1, 30), minutes=45) == [
        ("00:50 CDT", "01:35 CDT"),
        ("01:05 CDT", "01:50 CDT"),
        ("01:20 CDT", "01:05 CST"),
    ]
    # 01:20 CST plus 10 minutes ends at the second 01:30, the window's end.
    assert night_window(time(1, 30), minutes=10)[-1] == ("01:20 CST", "01:30 CST")


def test_a_window_ending_at_02_00_that_night_ends_at_02_00_cst():
    assert night_window(time(2), minutes=45) == [
        ("00:50 CDT", "01:35 CDT"),
        ("01:05 CDT", "01:50 CDT"),
        ("01:20 CDT", "01:05 CST"),
        ("01:35 CDT", "01:20 CST"),
        ("01:50 CDT", "01:35 CST"),
        ("01:05 CST", "01:50 CST"),
    ]
