"""Recordings of video visits: made by Janus, converted into one playable file, kept
privately for the facility's retention period, then deleted with their files.

Janus writes one .mjr file per person and medium (audio, video) to the room's raw folder.
After the room closes, `recording_convert` turns each with `janus-pp-rec` into .webm/.opus
and puts both people side by side, with both voices mixed, in one MP4 (H.264 and AAC) with
one `ffmpeg` step: side by side, because whoever reviews a visit must see both people at
the same moment on one timeline; MP4 because every browser plays it. The result goes to
private storage through `recording_storage()` only (the one place to switch storage), under
a random name, reachable only through the checked view in views_recordings.py.

A failed conversion is tried again with a growing delay, then reported (an error in the
log, the recording listed as failed in the admin); the raw files stay until a conversion
succeeds or the retention ends.
"""

import logging
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import StaffMembership
from visitation.errors import DomainError
from visitation.storage import private_storage

from .models import (
    FacilityVideoSettings,
    Recording,
    RecordingEvent,
    RecordingState,
    VideoSession,
)

logger = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=30)
RETRY_AFTER = timedelta(minutes=2)
# A conversion handed to a worker is handed again if nothing came of it in this time (the
# task lost with a worker, or the broker down when the room closed).
REDISPATCH_AFTER = timedelta(minutes=10)
FOLDER = "recordings"
# videoroom-<room>-user-<participant>-<microseconds>-<audio|video>-<mindex>.mjr (the
# participant id is a UUID when rooms have string ids)
MJR_NAME = re.compile(r"^videoroom-.+-user-(?P<who>.+)-(?P<at>\d+)-(?P<kind>audio|video)-\d+\.mjr$")


class ConversionError(Exception):
    pass


def recording_storage():
    """Where converted recordings are kept: the project's private storage (one function,
    so another private storage can take its place)."""
    return private_storage()


def raw_dir_for(session: VideoSession) -> str:
    """The folder Janus records this room to, or "" if the room does not record."""
    if not session.recorded:
        return ""
    return str(Path(settings.RECORDING_RAW_ROOT) / session.room_id)


def _retention_days(facility_id: int) -> int:
    found = FacilityVideoSettings.objects.filter(facility_id=facility_id).first()
    return found.recording_retention_days if found else settings.RECORDING_RETENTION_DAYS


def recording_create(*, session: VideoSession, now: datetime) -> Recording:
    """The recording of a closed room, waiting for conversion (queued after commit)."""
    facility_id = session.visit.facility_id
    recording, created = Recording.objects.get_or_create(
        session=session,
        defaults={
            "raw_dir": raw_dir_for(session),
            "delete_after": now + timedelta(days=_retention_days(facility_id)),
            "created_at": now,
            "next_attempt_at": now + REDISPATCH_AFTER,
        },
    )
    if created:
        transaction.on_commit(lambda: _dispatch(recording.pk, server=session.server))
    return recording


def convert_queue(server: int) -> str:
    """The Celery queue whose workers convert media server `server`'s recordings: they
    must read its RECORDING_RAW_ROOT, so on a Janus of its own host they run there
    (WORKER_QUEUES, README "Several machines behind a load balancer")."""
    return f"recordings-{server}"


def _dispatch(recording_id: int, *, server: int) -> None:
    from .tasks import recording_convert

    try:
        recording_convert.apply_async(args=[recording_id], retry=False, queue=convert_queue(server))
    except Exception:
        logger.warning("video: broker unavailable, recording %s left for the sweep", recording_id)


def _event(recording, kind, *, at, actor=None, detail=""):
    RecordingEvent.objects.create(
        recording=recording, kind=kind, actor=actor, at=at, detail=detail[:500]
    )


@dataclass(frozen=True)
class Track:
    who: str
    started_us: int
    kind: str
    path: Path


def tracks_in(folder: Path) -> list[Track]:
    found = []
    for path in sorted(Path(folder).glob("*.mjr")):
        match = MJR_NAME.match(path.name)
        if match:
            found.append(Track(match["who"], int(match["at"]), match["kind"], path))
    return found


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 (fixed programs, paths we made)
            command,
            capture_output=True,
            timeout=settings.RECORDING_CONVERT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConversionError(f"{Path(command[0]).name}: {type(exc).__name__}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise ConversionError(f"{Path(command[0]).name} failed: {tail[0][:300]}")


def ffmpeg_command(*, people: list[dict], output: Path) -> list[str]:
    """One ffmpeg step: each person's video scaled into a 640x480 frame, people side by
    side, their voices mixed; each delayed by when they joined after the first."""
    command = [shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-y", "-loglevel", "error"]
    filters, videos, audios, index = [], [], [], 0
    for number, person in enumerate(people):
        delay = person["delay"]
        if person.get("video"):
            command += ["-i", str(person["video"])]
            filters.append(
                f"[{index}:v]scale=640:480:force_original_aspect_ratio=decrease,"
                f"pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25,"
                f"tpad=start_duration={delay:.3f}:color=black[v{number}]"
            )
            videos.append(f"[v{number}]")
            index += 1
        if person.get("audio"):
            command += ["-i", str(person["audio"])]
            ms = int(delay * 1000)
            filters.append(f"[{index}:a]adelay={ms}|{ms},aresample=48000[a{number}]")
            audios.append(f"[a{number}]")
            index += 1
    if not videos:
        raise ConversionError("no video was recorded")
    if len(videos) > 1:
        filters.append(f"{''.join(videos)}hstack=inputs={len(videos)}[v]")
    else:
        filters.append(f"{videos[0]}null[v]")
    maps = ["-map", "[v]"]
    if audios:
        if len(audios) > 1:
            filters.append(f"{''.join(audios)}amix=inputs={len(audios)}:duration=longest[a]")
        else:
            filters.append(f"{audios[0]}anull[a]")
        maps += ["-map", "[a]"]
    command += ["-filter_complex", ";".join(filters), *maps]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", str(output)]
    return command


def convert_folder(folder: Path, work: Path) -> Path:
    """Turn the room's .mjr files into one MP4 in `work`. Raises ConversionError."""
    tracks = tracks_in(folder)
    if not tracks:
        raise ConversionError("no recorded media found")
    pp_rec = shutil.which("janus-pp-rec")
    if not pp_rec:
        raise ConversionError("janus-pp-rec is not installed (Debian's janus-tools)")
    first = min(t.started_us for t in tracks)
    people: dict[str, dict] = {}
    for track in tracks:
        target = work / f"{track.who}-{track.kind}.{'webm' if track.kind == 'video' else 'opus'}"
        _run([pp_rec, str(track.path), str(target)])
        person = people.setdefault(track.who, {"delay": 0.0, "started": track.started_us})
        person["started"] = min(person["started"], track.started_us)
        person[track.kind] = target
    ordered = sorted(people.values(), key=lambda p: p["started"])
    for person in ordered:
        person["delay"] = (person["started"] - first) / 1_000_000
    output = work / "recording.mp4"
    _run(ffmpeg_command(people=ordered, output=output))
    return output


def _claim(recording_id: int, *, now: datetime) -> bool:
    return (
        Recording.objects.filter(pk=recording_id, state=RecordingState.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
        == 1
    )


def recording_convert(*, recording_id: int, now: datetime | None = None) -> bool:
    """Convert one pending recording (claimed first: two workers never both do it).
    True if it is now ready to play."""
    now = now or timezone.now()
    if not _claim(recording_id, now=now):
        return False
    recording = Recording.objects.get(pk=recording_id)
    try:
        with tempfile.TemporaryDirectory(prefix="recording-") as work:
            output = convert_folder(Path(recording.raw_dir), Path(work))
            name = f"{FOLDER}/{secrets.token_urlsafe(24)}.mp4"
            with output.open("rb") as handle:
                name = recording_storage().save(name, File(handle))
    except ConversionError as exc:
        _conversion_failed(recording, str(exc), now=now)
        return False
    Recording.objects.filter(pk=recording.pk).update(
        state=RecordingState.READY, file_name=name, claimed_until=None, last_error=""
    )
    _event(recording, RecordingEvent.Kind.CONVERTED, at=now)
    shutil.rmtree(recording.raw_dir, ignore_errors=True)
    return True


def _conversion_failed(recording: Recording, error: str, *, now: datetime) -> None:
    attempts = recording.attempts + 1
    if attempts >= settings.RECORDING_CONVERT_MAX_ATTEMPTS:
        Recording.objects.filter(pk=recording.pk).update(
            state=RecordingState.FAILED,
            attempts=attempts,
            last_error=error[:500],
            claimed_until=None,
        )
        _event(recording, RecordingEvent.Kind.CONVERSION_FAILED, at=now, detail=error)
        logger.error(
            "video: recording %s of visit %s could not be converted after %s attempts: %s",
            recording.pk,
            recording.session.visit_id,
            attempts,
            error,
        )
        return
    Recording.objects.filter(pk=recording.pk).update(
        attempts=attempts,
        last_error=error[:500],
        claimed_until=None,
        next_attempt_at=now + RETRY_AFTER * 2 ** (attempts - 1),
    )
    logger.warning("video: recording %s not converted (try %s): %s", recording.pk, attempts, error)


def recordings_convert_due(*, now: datetime | None = None) -> int:
    """The sweep: hand every pending recording whose next try is due to the workers of
    its media server (convert_queue), once per REDISPATCH_AFTER, so that a conversion
    lost with a worker or a broker outage is tried again. Returns how many were sent."""
    now = now or timezone.now()
    due = list(
        Recording.objects.filter(state=RecordingState.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", "session__server")[:100]
    )
    sent = 0
    for pk, server in due:
        if Recording.objects.filter(pk=pk, next_attempt_at__lte=now).update(
            next_attempt_at=now + REDISPATCH_AFTER
        ):
            _dispatch(pk, server=server)
            sent += 1
    return sent


def recordings_due_for_deletion(*, now: datetime) -> QuerySet[Recording]:
    return Recording.objects.filter(
        deleted_at__isnull=True, held_at__isnull=True, delete_after__lte=now
    )


def recordings_purge(*, now: datetime | None = None, dry_run: bool = False) -> list[Recording]:
    """Delete every recording past its facility's retention, with its files (converted and
    raw), unless held. Returns those deleted (or that would be, with dry_run)."""
    now = now or timezone.now()
    due = list(recordings_due_for_deletion(now=now).select_related("session"))
    if dry_run:
        return due
    deleted = []
    for recording in due:
        with transaction.atomic():
            if (
                not recordings_due_for_deletion(now=now)
                .filter(pk=recording.pk)
                .update(deleted_at=now, state=RecordingState.DELETED)
            ):
                continue
            if recording.file_name:
                recording_storage().delete(recording.file_name)
            if recording.raw_dir:
                shutil.rmtree(recording.raw_dir, ignore_errors=True)
            _event(recording, RecordingEvent.Kind.DELETED, at=now)
        deleted.append(recording)
    return deleted


def recording_hold(*, actor, recording: Recording, note: str) -> None:
    """Keep the recording for an investigation until the hold is lifted."""
    note = note.strip()
    if not note:
        raise DomainError(_("Say why the recording is kept."))
    if recording.deleted_at:
        raise DomainError(_("This recording was deleted already."))
    now = timezone.now()
    with transaction.atomic():
        Recording.objects.filter(pk=recording.pk).update(
            held_at=now, held_by=actor, hold_note=note[:500]
        )
        _event(recording, RecordingEvent.Kind.HELD, at=now, actor=actor, detail=note)


def recording_release(*, actor, recording: Recording) -> None:
    now = timezone.now()
    with transaction.atomic():
        Recording.objects.filter(pk=recording.pk).update(held_at=None, held_by=None, hold_note="")
        _event(recording, RecordingEvent.Kind.RELEASED, at=now, actor=actor)


def recording_viewed(*, actor, recording: Recording) -> None:
    _event(recording, RecordingEvent.Kind.VIEWED, at=timezone.now(), actor=actor)


def recording_facilities_for(*, user) -> QuerySet:
    """The facilities whose recordings this user may see: those they administer, and those
    that named them a recording viewer."""
    from facilities.models import Facility

    if not user.is_authenticated:
        return Facility.objects.none()
    admin = Q(
        staff_memberships__user=user,
        staff_memberships__role=StaffMembership.Role.ADMINISTRATOR,
    )
    viewer = Q(recording_viewers__user=user, staff_memberships__user=user)
    return Facility.objects.filter(admin | viewer).distinct()


def recordings_for_viewer(*, user) -> QuerySet[Recording]:
    return Recording.objects.filter(
        session__visit__facility__in=recording_facilities_for(user=user)
    ).select_related("session__visit")


def recording_for_family(*, visit) -> Recording | None:
    """The visit's recording, ready, where the facility lets families download it."""
    found = FacilityVideoSettings.objects.filter(facility_id=visit.facility_id).first()
    if found is None or not found.family_may_download:
        return None
    return Recording.objects.filter(
        session__visit=visit, state=RecordingState.READY, deleted_at__isnull=True
    ).first()
