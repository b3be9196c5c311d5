"""Recordings: rooms record where the facility says so, a closed room's recording is
converted (retried, then reported), played only by staff with the role (every viewing
logged, never cached), held for investigations, and purged after the retention."""

import json
import logging
import shutil
import subprocess
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import otp_login
from video import recordings, rooms
from video.models import (
    FacilityVideoSettings,
    Recording,
    RecordingEvent,
    RecordingState,
    RecordingViewer,
)

from .fixtures import at, close_room, ready


def test_a_facility_that_records_has_its_rooms_record_to_their_own_folder(
    recorded_visit, fake_janus, settings
):
    session = recorded_visit.video_sessions.get()
    assert session.recorded
    assert fake_janus.recorded_to[session.room_id] == str(
        settings.RECORDING_RAW_ROOT / session.room_id
    )
    recording = close_room(recorded_visit)
    assert recording.state == RecordingState.PENDING
    assert recording.delete_after == at(14, 20) + timedelta(days=30)


def test_rooms_do_not_record_by_default(remote_visit, fake_janus):
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    session = remote_visit.video_sessions.get()
    assert fake_janus.recorded_to[session.room_id] == ""
    close_room_without_recording = rooms.room_close(session_id=session.pk, now=at(14, 20))
    assert close_room_without_recording and not Recording.objects.exists()


def test_a_failed_conversion_is_tried_again_then_reported_and_the_raw_files_kept(
    recorded_visit, settings, caplog
):
    settings.RECORDING_CONVERT_MAX_ATTEMPTS = 3
    recording = close_room(recorded_visit)
    raw = Path(recording.raw_dir)
    raw.mkdir(parents=True)
    (raw / "videoroom-x-user-1-100-video-0.mjr").write_bytes(b"not a recording")
    when = at(14, 21)
    for _ in range(3):
        assert not recordings.recording_convert(recording_id=recording.pk, now=when)
        recording.refresh_from_db()
        when = recording.next_attempt_at or when
    assert recording.state == RecordingState.FAILED
    assert recording.attempts == 3
    assert "janus-pp-rec" in recording.last_error
    assert RecordingEvent.objects.filter(kind="conversion_failed").count() == 1
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert raw.exists()


def test_the_recording_plays_only_for_staff_with_the_role_and_each_viewing_is_logged(
    client, recorded_visit, staff_a, admin_a, staff_b
):
    recording = ready(close_room(recorded_visit))
    url = reverse("console_live:visit_recording", args=[recorded_visit.pk])
    with time_machine.travel(at(15), tick=False):
        otp_login(client, staff_a)
        assert client.get(url).status_code == 404
        page = client.get(reverse("console_visits:visit", args=[recorded_visit.pk]))
        assert url not in page.content.decode()
        otp_login(client, staff_b)
        assert client.get(url).status_code == 404
        otp_login(client, admin_a)
        response = client.get(url)
        assert b"".join(response.streaming_content) == b"MP4DATA"
        assert "no-store" in response["Cache-Control"]
        page = client.get(reverse("console_visits:visit", args=[recorded_visit.pk]))
        assert url in page.content.decode()
        RecordingViewer.objects.create(facility=recorded_visit.facility, user=staff_a)
        otp_login(client, staff_a)
        assert client.get(url).status_code == 200
    viewers = list(
        RecordingEvent.objects.filter(recording=recording, kind="viewed").values_list(
            "actor", flat=True
        )
    )
    assert viewers == [admin_a.pk, staff_a.pk]


def test_retention_deletes_the_day_after_it_ends_not_the_day_before(recorded_visit):
    recording = ready(close_room(recorded_visit))
    day_before = recording.delete_after - timedelta(days=1)
    with time_machine.travel(day_before, tick=False):
        assert recordings.recordings_purge() == []
    assert recordings.recording_storage().exists(recording.file_name)
    with time_machine.travel(recording.delete_after + timedelta(hours=1), tick=False):
        out = StringIO()
        call_command("purge_recordings", "--dry-run", stdout=out)
        assert "1 recording(s) would be deleted" in out.getvalue()
        assert recordings.recording_storage().exists(recording.file_name)
        call_command("purge_recordings", stdout=StringIO())
    recording.refresh_from_db()
    assert recording.state == RecordingState.DELETED and recording.deleted_at
    assert not recordings.recording_storage().exists(recording.file_name)


def test_a_held_recording_is_kept_until_the_hold_is_lifted(client, recorded_visit, admin_a):
    recording = ready(close_room(recorded_visit))
    with time_machine.travel(at(15), tick=False):
        otp_login(client, admin_a)
        hold = reverse("console_live:visit_recording_hold", args=[recorded_visit.pk])
        client.post(hold, {"note": "Complaint 42"})
    later = recording.delete_after + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        assert recordings.recordings_purge() == []
        recording.refresh_from_db()
        assert recording.hold_note == "Complaint 42"
        recordings.recording_release(actor=admin_a, recording=recording)
        assert len(recordings.recordings_purge()) == 1
    kinds = list(recording.events.values_list("kind", flat=True))
    assert kinds == ["held", "released", "deleted"]


def _ffprobe(path):
    found = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    data = json.loads(found.stdout)
    return float(data["format"]["duration"]), sorted(s["codec_type"] for s in data["streams"])


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed")
def test_the_ffmpeg_step_puts_both_people_side_by_side_with_both_voices(tmp_path):
    """What janus-pp-rec makes of a 20-second visit (VP8 .webm and Opus .opus per person,
    the second person joining 3 s later) becomes one playable MP4."""
    people = []
    for number, (seconds, delay) in enumerate([(20, 0.0), (17, 3.0)]):
        video, audio = tmp_path / f"{number}.webm", tmp_path / f"{number}.opus"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"testsrc=size=320x240:rate=15:duration={seconds}",
                "-c:v",
                "libvpx",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                str(video),
            ],
            check=True,
        )
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={seconds}",
                "-c:a",
                "libopus",
                str(audio),
            ],
            check=True,
        )
        people.append({"video": video, "audio": audio, "delay": delay})
    output = tmp_path / "out.mp4"
    subprocess.run(recordings.ffmpeg_command(people=people, output=output), check=True)
    duration, kinds = _ffprobe(output)
    assert 15 <= duration <= 25
    assert kinds == ["audio", "video"]


def test_janus_file_names_are_read_with_uuid_participant_ids(tmp_path):
    names = [
        "videoroom-visit-2-0-0a-user-859e4f71-02c4-4725-9355-7a034ad15425-1796396258240350-audio-0.mjr",
        "videoroom-visit-2-0-0a-user-9e316b8b-8d66-4684-8e82-336204bd8390-1796396255956996-video-1.mjr",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    found = sorted((t.who, t.started_us, t.kind) for t in recordings.tracks_in(tmp_path))
    assert found == [
        ("859e4f71-02c4-4725-9355-7a034ad15425", 1796396258240350, "audio"),
        ("9e316b8b-8d66-4684-8e82-336204bd8390", 1796396255956996, "video"),
    ]


def test_families_download_their_recording_only_where_the_facility_allows_it(
    client, recorded_visit, visitor, other_home_user
):
    recording = ready(close_room(recorded_visit))
    url = reverse("video:recording_download", args=[recorded_visit.pk])
    client.force_login(visitor)
    assert client.get(url).status_code == 404
    assert (
        url not in client.get(reverse("visits:detail", args=[recorded_visit.pk])).content.decode()
    )
    FacilityVideoSettings.objects.filter(facility=recorded_visit.facility).update(
        family_may_download=True
    )
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"MP4DATA"
    assert "no-store" in response["Cache-Control"]
    assert url in client.get(reverse("visits:detail", args=[recorded_visit.pk])).content.decode()
    assert recording.events.filter(kind="viewed", actor=visitor).count() == 1
    client.force_login(other_home_user)
    assert client.get(url).status_code == 404


def test_the_sides_ids_are_read_from_janus_file_names(tmp_path):
    family = rooms.feed_id("visit-7-0-ab", "family")
    (tmp_path / f"videoroom-visit-7-0-ab-user-{family}-1796396258240350-video-0.mjr").write_bytes(
        b""
    )
    assert [t.who for t in recordings.tracks_in(tmp_path)] == [family]


class Sent:
    """recording_convert.apply_async as the broker sees it: which recording, which queue."""

    def __init__(self, monkeypatch):
        from video.tasks import recording_convert

        self.calls = []
        monkeypatch.setattr(
            recording_convert,
            "apply_async",
            lambda args, retry, queue: self.calls.append((args[0], queue)),
        )


def test_a_closed_rooms_recording_goes_to_the_workers_of_its_media_server(
    recorded_visit, monkeypatch, django_capture_on_commit_callbacks
):
    sent = Sent(monkeypatch)
    session = recorded_visit.video_sessions.get()
    session.server = 1  # a facility on the second media server
    session.save(update_fields=["server"])
    with django_capture_on_commit_callbacks(execute=True):
        recording = close_room(recorded_visit)
    assert sent.calls == [(recording.pk, "recordings-1")]


def test_the_sweep_sends_a_lost_conversion_again_once_every_ten_minutes(
    recorded_visit, monkeypatch
):
    sent = Sent(monkeypatch)
    recording = close_room(recorded_visit)  # its task lost: nobody converted it
    closed = at(14, 20)
    assert recordings.recordings_convert_due(now=closed + timedelta(minutes=9)) == 0
    assert recordings.recordings_convert_due(now=closed + timedelta(minutes=10)) == 1
    assert recordings.recordings_convert_due(now=closed + timedelta(minutes=15)) == 0
    assert recordings.recordings_convert_due(now=closed + timedelta(minutes=20)) == 1
    assert sent.calls == [(recording.pk, "recordings-0")] * 2
    Recording.objects.filter(pk=recording.pk).update(state=RecordingState.READY)
    assert recordings.recordings_convert_due(now=closed + timedelta(hours=1)) == 0


def test_the_worker_converts_recordings_of_the_first_media_server_unless_told_otherwise():
    root = Path(__file__).resolve().parents[2]
    for procfile in ("Procfile", "Procfile.dev"):
        worker = next(
            line
            for line in (root / procfile).read_text().splitlines()
            if line.startswith("worker:")
        )
        assert "celery,recordings-0" in worker, procfile
