"""The console's video settings page: a facility's administrators see and change its video
settings and who may play its recordings; families see the effect; nobody else may open
it; a new retention applies to the recordings not yet deleted."""

import logging
import re
from datetime import UTC, timedelta

import pytest
import time_machine
from django.test import Client, TestCase
from django.urls import reverse

from accounts.tests.factories import UserFactory, otp_login
from accounts.tests.pages import error_summary, error_summary_links, field_error, text_of
from facilities.models import StaffMembership
from facilities.tests.factories import StaffMembershipFactory
from scheduling.models import VisitStatus
from video import recordings, rooms, services
from video.models import (
    FacilityVideoSettings,
    Recording,
    RecordingState,
    RecordingViewer,
    VideoSession,
)
from visitation.errors import DomainError

from .fixtures import at, close_room, ready

pytestmark = pytest.mark.django_db

# When the room of the remote visit closes (at its end), as the database keeps it.
CLOSED = at(14, 20).astimezone(UTC)
RETENTION_MESSAGE = "Keep recordings at least 1 day and at most 365 days."


def url_of(facility):
    return reverse("console_video:settings", args=[facility.pk])


def form_data(**changes):
    """What the page posts when nothing is changed on a facility with the defaults."""
    data = {"not_produced_rule": "on", "notice": "", "recording_retention_days": "30"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def ticked(response, name, value=None) -> bool | None:
    """Whether the page's checkbox `name` (with `value`) is ticked; None if not on the page."""
    for tag in re.findall(r"<input\b[^>]*>", response.content.decode()):
        if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag):
            return " checked" in tag
    return None


def saved(facility):
    return FacilityVideoSettings.objects.filter(facility=facility).first()


def tick(when):
    with time_machine.travel(when, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return rooms.rooms_tick()


@pytest.fixture
def officer_a2(facility_a):
    user = UserFactory(email="officer.a2@example.com", first_name="Robin", last_name="Guard")
    StaffMembershipFactory(user=user, facility=facility_a)
    return user


@pytest.fixture
def admin_b(facility_b):
    user = UserFactory(email="admin.b@example.com", first_name="Bo", last_name="Admin")
    StaffMembershipFactory(user=user, facility=facility_b, role=StaffMembership.Role.ADMINISTRATOR)
    return user


@pytest.fixture
def admin_client(admin_a):
    """Facility A's administrator, in a browser of their own (`client` is the family's or
    an officer's)."""
    browser = Client()
    otp_login(browser, admin_a)
    return browser


# What administrators see and change


def test_an_administrator_sees_the_current_settings(admin_client, facility_a, staff_a, officer_a2):
    FacilityVideoSettings.objects.create(
        facility=facility_a,
        not_produced_rule=False,
        notice="Bring no one else into the room.",
        record_visits=True,
        family_may_download=True,
        recording_retention_days=45,
    )
    RecordingViewer.objects.create(facility=facility_a, user=officer_a2)
    response = admin_client.get(url_of(facility_a))
    assert response.status_code == 200
    assert ticked(response, "not_produced_rule") is False
    assert ticked(response, "record_visits") is True
    assert ticked(response, "family_may_download") is True
    assert ticked(response, "viewers", officer_a2.pk) is True
    assert ticked(response, "viewers", staff_a.pk) is False
    page = response.content.decode()
    assert "Bring no one else into the room.</textarea>" in page
    assert 'name="recording_retention_days" value="45"' in page
    text = text_of(response)
    assert "Robin Guard (officer.a2@example.com)" in text
    assert "Turning recording off deletes no recording" in text
    assert "uses the default settings" not in text


def test_a_facility_without_settings_shows_the_defaults(admin_client, facility_a, settings):
    settings.RECORDING_RETENTION_DAYS = 30
    response = admin_client.get(url_of(facility_a))
    text = text_of(response)
    assert "This facility uses the default settings until you save your own." in text
    assert ticked(response, "not_produced_rule") is True
    assert ticked(response, "record_visits") is False
    assert 'name="recording_retention_days" value="30"' in response.content.decode()
    assert "This facility has no officers yet." in text


def test_only_this_facilitys_officers_are_offered_as_viewers(
    admin_client, facility_a, staff_a, admin_a, staff_b
):
    response = admin_client.get(url_of(facility_a))
    assert ticked(response, "viewers", staff_a.pk) is False
    assert ticked(response, "viewers", admin_a.pk) is None
    assert ticked(response, "viewers", staff_b.pk) is None


def test_the_video_page_links_to_the_settings_for_administrators_only(
    client, facility_a, admin_a, staff_a
):
    facility_page = reverse("console_video:facility", args=[facility_a.pk])
    otp_login(client, admin_a)
    assert url_of(facility_a) in client.get(facility_page).content.decode()
    otp_login(client, staff_a)
    assert url_of(facility_a) not in client.get(facility_page).content.decode()


def test_saving_says_so_on_the_same_page_and_logs_who_changed_what(
    admin_client, facility_a, admin_a, staff_a, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="video.services")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url_of(facility_a),
            form_data(record_visits="on", recording_retention_days="60", viewers=[staff_a.pk]),
        )
    assert response.status_code == 302
    assert response["Location"] == url_of(facility_a)
    page = admin_client.get(response["Location"])
    assert "The video settings of Travis County Jail are saved." in text_of(page)
    found = saved(facility_a)
    assert (found.record_visits, found.recording_retention_days) == (True, 60)
    logged = [r.getMessage() for r in caplog.records if r.name == "video.services"]
    assert logged == [
        f"video settings of facility {facility_a.pk} changed by user {admin_a.pk}: "
        f"record_visits, recording_retention_days; recording viewers added [{staff_a.pk}], "
        "removed none"
    ]


def test_the_notice_is_stripped_and_shown_to_the_family_before_they_join(
    client, admin_client, remote_visit, fake_janus
):
    response = admin_client.post(
        url_of(remote_visit.facility),
        form_data(notice="  Dress as for a visit in person.\r\nNo <b>phones</b>.  "),
    )
    assert response.status_code == 302
    assert saved(remote_visit.facility).notice == (
        "Dress as for a visit in person.\r\nNo <b>phones</b>."
    )
    tick(at(13, 50))
    with time_machine.travel(at(13, 55), tick=False):
        client.force_login(remote_visit.visitor)
        response = client.get(reverse("video:join", args=[remote_visit.pk]))
    assert "Dress as for a visit in person.<br>No &lt;b&gt;phones&lt;/b&gt;." in (
        response.content.decode()
    )
    assert "This visit may be monitored and recorded by the facility." not in text_of(response)


def test_a_notice_too_long_is_refused(admin_client, facility_a):
    response = admin_client.post(url_of(facility_a), form_data(notice="x" * 1001))
    assert response.status_code == 400
    assert "Notice to families before they join: Ensure this value has at most 1000" in (
        error_summary(response)
    )
    assert saved(facility_a) is None


def test_turning_recording_on_records_the_familys_next_visit_and_tells_them(
    client, admin_client, remote_visit, fake_janus, settings, tmp_path
):
    settings.RECORDING_RAW_ROOT = tmp_path / "raw"
    admin_client.post(url_of(remote_visit.facility), form_data(record_visits="on"))
    tick(at(13, 50))
    session = remote_visit.video_sessions.get()
    assert session.recorded
    assert fake_janus.recorded_to[session.room_id] == str(tmp_path / "raw" / session.room_id)
    with time_machine.travel(at(13, 55), tick=False):
        client.force_login(remote_visit.visitor)
        page = text_of(client.get(reverse("video:join", args=[remote_visit.pk])))
    assert "This facility records video visits: both sides of this visit are recorded" in page


def test_turning_the_not_produced_rule_off_keeps_the_visit_past_ten_minutes(
    admin_client, remote_visit, fake_janus, mailoutbox
):
    admin_client.post(url_of(remote_visit.facility), form_data(not_produced_rule=None))
    assert saved(remote_visit.facility).not_produced_rule is False
    tick(at(13, 50))
    fake_janus.participants[remote_visit.video_sessions.get().room_id] = ["family"]
    tick(at(14, 10, 1))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.BOOKED
    assert not any("not brought to the video terminal" in m.body for m in mailoutbox)


def test_letting_families_download_shows_them_the_link(client, admin_client, recorded_visit):
    ready(close_room(recorded_visit))
    download = reverse("video:recording_download", args=[recorded_visit.pk])
    detail = reverse("visits:detail", args=[recorded_visit.pk])
    client.force_login(recorded_visit.visitor)
    assert download not in client.get(detail).content.decode()
    admin_client.post(
        url_of(recorded_visit.facility), form_data(record_visits="on", family_may_download="on")
    )
    assert download in client.get(detail).content.decode()
    assert b"".join(client.get(download).streaming_content) == b"MP4DATA"


def test_turning_recording_off_deletes_no_recording(client, admin_client, recorded_visit):
    recording = ready(close_room(recorded_visit))
    kept_until = recording.delete_after
    admin_client.post(url_of(recorded_visit.facility), form_data(family_may_download="on"))
    assert saved(recorded_visit.facility).record_visits is False
    recording.refresh_from_db()
    assert recording.state == RecordingState.READY and recording.deleted_at is None
    assert recording.delete_after == kept_until
    assert recordings.recording_storage().exists(recording.file_name)
    client.force_login(recorded_visit.visitor)
    download = reverse("video:recording_download", args=[recorded_visit.pk])
    assert b"".join(client.get(download).streaming_content) == b"MP4DATA"


# Retention


def test_a_new_retention_applies_to_the_recordings_not_yet_deleted(
    admin_client, recorded_visit, admin_a
):
    recording = ready(close_room(recorded_visit))
    admin_client.post(
        url_of(recorded_visit.facility), form_data(record_visits="on", recording_retention_days="7")
    )
    recording.refresh_from_db()
    assert recording.delete_after == CLOSED + timedelta(days=7)
    with time_machine.travel(CLOSED + timedelta(days=6, hours=23), tick=False):
        assert recordings.recordings_purge() == []
    with time_machine.travel(CLOSED + timedelta(days=7, hours=1), tick=False):
        assert [r.pk for r in recordings.recordings_purge()] == [recording.pk]
    assert not recordings.recording_storage().exists(recording.file_name)


def test_a_longer_retention_keeps_a_held_recording_longer_once_released_and_skips_deleted_ones(
    admin_client, recorded_visit, admin_a
):
    held = ready(close_room(recorded_visit))
    recordings.recording_hold(actor=admin_a, recording=held, note="Complaint 42")
    gone = Recording.objects.create(
        session=VideoSession.objects.create(
            visit=recorded_visit,
            revision=recorded_visit.revision + 1,
            room_id="room-of-an-earlier-time",
            pin="12345678",
            secret="secret",
            opens_at=at(13, 50),
            closes_at=at(14, 20),
        ),
        raw_dir="",
        state=RecordingState.DELETED,
        delete_after=CLOSED + timedelta(days=30),
        deleted_at=CLOSED + timedelta(days=30),
        created_at=CLOSED,
    )
    admin_client.post(
        url_of(recorded_visit.facility),
        form_data(record_visits="on", recording_retention_days="90"),
    )
    held.refresh_from_db()
    gone.refresh_from_db()
    assert held.delete_after == CLOSED + timedelta(days=90)
    assert gone.delete_after == CLOSED + timedelta(days=30)
    recordings.recording_release(actor=admin_a, recording=held)
    with time_machine.travel(CLOSED + timedelta(days=60), tick=False):
        assert recordings.recordings_purge() == []


@pytest.mark.parametrize("days", ["0", "366", "-1"])
def test_a_retention_outside_1_to_365_days_is_refused_with_the_message(
    admin_client, facility_a, days
):
    FacilityVideoSettings.objects.create(facility=facility_a, recording_retention_days=30)
    response = admin_client.post(url_of(facility_a), form_data(recording_retention_days=days))
    assert response.status_code == 400
    assert "<title>Error: Video settings, Travis County Jail" in response.content.decode()
    assert f"Days a recording is kept: {RETENTION_MESSAGE}" in error_summary(response)
    assert error_summary_links(response) == ["id_recording_retention_days"]
    assert field_error(response, "recording_retention_days") == RETENTION_MESSAGE
    assert saved(facility_a).recording_retention_days == 30


def test_the_page_and_its_messages_are_in_the_administrators_language(admin_client, facility_a):
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    page = text_of(admin_client.get(url_of(facility_a), **spanish))
    assert "Configuración de video de Travis County Jail" in page
    assert "De 1 a 365 días después de la visita." in page
    response = admin_client.post(
        url_of(facility_a), form_data(recording_retention_days="366"), **spanish
    )
    assert field_error(response, "recording_retention_days") == (
        "Conserve las grabaciones al menos 1 día y como máximo 365 días."
    )


def test_a_missing_retention_is_refused(admin_client, facility_a):
    response = admin_client.post(url_of(facility_a), form_data(recording_retention_days=""))
    assert response.status_code == 400
    assert field_error(response, "recording_retention_days") == (
        "Say how many days a recording is kept."
    )


# Who may play recordings


def test_the_viewers_chosen_replace_those_named_before_at_this_facility_only(
    admin_client, facility_a, facility_b, staff_a, officer_a2, admin_a, staff_b
):
    RecordingViewer.objects.create(facility=facility_a, user=staff_a)
    RecordingViewer.objects.create(facility=facility_a, user=admin_a)
    RecordingViewer.objects.create(facility=facility_b, user=staff_b)
    response = admin_client.post(url_of(facility_a), form_data(viewers=[officer_a2.pk]))
    assert response.status_code == 302
    assert set(RecordingViewer.objects.values_list("facility", "user")) == {
        (facility_a.pk, officer_a2.pk),
        (facility_b.pk, staff_b.pk),
    }
    response = admin_client.get(url_of(facility_a))
    assert ticked(response, "viewers", officer_a2.pk) is True
    assert ticked(response, "viewers", staff_a.pk) is False


def test_choosing_no_officer_leaves_only_the_administrators(
    client, admin_client, recorded_visit, staff_a
):
    ready(close_room(recorded_visit))
    RecordingViewer.objects.create(facility=recorded_visit.facility, user=staff_a)
    recording_url = reverse("console_live:visit_recording", args=[recorded_visit.pk])
    admin_client.post(url_of(recorded_visit.facility), form_data(record_visits="on"))
    assert not RecordingViewer.objects.exists()
    otp_login(client, staff_a)
    assert client.get(recording_url).status_code == 404


def test_a_viewer_chosen_on_the_page_may_play_the_recording(
    client, admin_client, recorded_visit, staff_a
):
    ready(close_room(recorded_visit))
    recording_url = reverse("console_live:visit_recording", args=[recorded_visit.pk])
    otp_login(client, staff_a)
    assert client.get(recording_url).status_code == 404
    admin_client.post(
        url_of(recorded_visit.facility), form_data(record_visits="on", viewers=[staff_a.pk])
    )
    otp_login(client, staff_a)
    assert client.get(recording_url).status_code == 200


@pytest.mark.parametrize("who", ["staff_b", "admin_a", "home_user", "nobody"])
def test_anyone_but_this_facilitys_officers_is_refused_as_a_viewer(
    request, admin_client, facility_a, staff_a, who
):
    chosen = request.getfixturevalue(who).pk if who != "nobody" else 999999
    RecordingViewer.objects.create(facility=facility_a, user=staff_a)
    response = admin_client.post(
        url_of(facility_a), form_data(notice="Changed", viewers=[staff_a.pk, chosen])
    )
    assert response.status_code == 400
    assert field_error(response, "viewers") == (
        "Choose only officers of this facility, from the list on this page."
    )
    assert error_summary_links(response) == ["id_viewers_0"]
    assert saved(facility_a) is None
    assert list(RecordingViewer.objects.values_list("user", flat=True)) == [staff_a.pk]


# Who may open the page


@pytest.mark.parametrize("who", ["staff_a", "staff_b", "admin_b", "reviewer"])
def test_everyone_but_the_facilitys_administrators_gets_a_404_and_changes_nothing(
    request, client, facility_a, staff_a, who
):
    otp_login(client, request.getfixturevalue(who))
    assert client.get(url_of(facility_a)).status_code == 404
    response = client.post(url_of(facility_a), form_data(record_visits="on", viewers=[staff_a.pk]))
    assert response.status_code == 404
    assert saved(facility_a) is None
    assert not RecordingViewer.objects.exists()


def test_families_get_a_404_and_signed_out_visitors_are_sent_to_sign_in(
    client, facility_a, home_user
):
    response = client.get(url_of(facility_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(home_user)
    assert client.get(url_of(facility_a)).status_code == 404
    assert client.post(url_of(facility_a), form_data(record_visits="on")).status_code == 404
    assert saved(facility_a) is None


def test_an_administrator_of_another_facility_keeps_its_own_page(client, facility_b, admin_b):
    otp_login(client, admin_b)
    assert client.get(url_of(facility_b)).status_code == 200


# The service, for callers other than the page


def _save(actor, facility, **changes):
    values = {
        "not_produced_rule": True,
        "notice": "",
        "record_visits": False,
        "family_may_download": False,
        "recording_retention_days": 30,
        "viewers": [],
    }
    return services.video_settings_save(actor=actor, facility=facility, **{**values, **changes})


def test_the_service_refuses_officers_retentions_out_of_range_and_strangers_as_viewers(
    facility_a, admin_a, staff_a, staff_b
):
    with pytest.raises(DomainError, match="ask a facility administrator"):
        _save(staff_a, facility_a)
    with pytest.raises(DomainError, match="at most 365 days") as refused:
        _save(admin_a, facility_a, recording_retention_days=0)
    assert refused.value.field == "recording_retention_days"
    with pytest.raises(DomainError, match="Only officers of this facility") as refused:
        _save(admin_a, facility_a, viewers=[staff_a, staff_b])
    assert refused.value.field == "viewers"
    with pytest.raises(DomainError, match="at most 1000 characters"):
        _save(admin_a, facility_a, notice="x" * 1001)
    assert saved(facility_a) is None and not RecordingViewer.objects.exists()
    _save(admin_a, facility_a, notice="  Be on time.  ", viewers=[staff_a])
    assert saved(facility_a).notice == "Be on time."
    assert list(RecordingViewer.objects.values_list("user", flat=True)) == [staff_a.pk]
