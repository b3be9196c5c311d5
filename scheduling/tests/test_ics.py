from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling.ics import visit_ics
from scheduling.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def unfold(text):
    return text.replace("\r\n ", "").split("\r\n")


def test_a_visit_is_an_event_in_the_facility_zone_with_its_timezone_defined(visit_site):
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        starts_at=datetime(2027, 3, 15, 9, tzinfo=CHICAGO).astimezone(UTC),
    )
    text = visit_ics(visit, now=datetime(2027, 3, 1, tzinfo=UTC))
    assert text.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "DTSTART;TZID=America/Chicago:20270315T090000" in lines
    assert "DTEND;TZID=America/Chicago:20270315T092000" in lines
    assert f"UID:visit-{visit.pk}@testserver" in lines
    assert f"URL:http://testserver/visits/{visit.pk}/" in lines
    assert "SUMMARY:Remote video visit with Ana Diaz" in lines
    assert "DTSTAMP:20270301T000000Z" in lines
    # The VTIMEZONE names the zone and carries the spring change of the visit's year.
    start = lines.index("BEGIN:VTIMEZONE")
    end = lines.index("END:VTIMEZONE")
    zone = lines[start:end]
    assert "TZID:America/Chicago" in zone
    change = zone.index("DTSTART:20270314T020000")
    assert zone[change - 1] == "BEGIN:DAYLIGHT"
    assert zone[change + 1 : change + 4] == ["TZOFFSETFROM:-0600", "TZOFFSETTO:-0500", "TZNAME:CDT"]
    fall = zone.index("DTSTART:20271107T020000")
    assert zone[fall - 1] == "BEGIN:STANDARD"
    assert zone[fall + 1 : fall + 3] == ["TZOFFSETFROM:-0500", "TZOFFSETTO:-0600"]
    assert lines.count("BEGIN:VEVENT") == 1


def test_a_zone_without_daylight_saving_has_one_standard_observance(visit_site):
    visit_site.facility.time_zone = "America/Phoenix"
    visit_site.facility.save()
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        starts_at=datetime(2027, 7, 1, 16, tzinfo=UTC),
    )
    lines = unfold(visit_ics(visit))
    assert "DTSTART;TZID=America/Phoenix:20270701T090000" in lines
    assert lines.count("BEGIN:STANDARD") == 1 and "BEGIN:DAYLIGHT" not in lines
    assert "TZOFFSETTO:-0700" in lines
