"""A facility's video settings, changed by its administrators on the console's video
settings page: the not-produced rule, the notice families read before joining, recording,
the family's download, how long recordings are kept, and which officers may play them.

A change of retention applies to every recording not yet deleted, counted again from when
its room closed: the page promises that, and the daily purge then reads one date per
recording (`delete_after`). A held recording stays until its hold is lifted, whatever the
date. Turning recording off deletes nothing: what was recorded stays for its retention.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Facility
from facilities.selectors import require_staff
from visitation.errors import DomainError

from . import selectors
from .models import FacilityVideoSettings, Recording, RecordingViewer

logger = logging.getLogger(__name__)

RETENTION_DAYS_MIN = 1
RETENTION_DAYS_MAX = 365
NOTICE_MAX_LENGTH = 1000
# The settings the page changes, in the order the log names them.
FIELDS = (
    "not_produced_rule",
    "notice",
    "record_visits",
    "family_may_download",
    "recording_retention_days",
)


@transaction.atomic
def video_settings_save(
    *,
    actor: User,
    facility: Facility,
    not_produced_rule: bool,
    notice: str,
    record_visits: bool,
    family_may_download: bool,
    recording_retention_days: int,
    viewers: list[User],
) -> FacilityVideoSettings:
    """Save a facility's video settings (made on first save) and make `viewers`, officers
    of this facility, the only ones it names to play its recordings. Administrators only."""
    require_staff(actor, facility, administrator=True)
    if not RETENTION_DAYS_MIN <= recording_retention_days <= RETENTION_DAYS_MAX:
        raise DomainError(
            _("Keep recordings at least %(min)s day and at most %(max)s days.")
            % {"min": RETENTION_DAYS_MIN, "max": RETENTION_DAYS_MAX},
            field="recording_retention_days",
        )
    notice = notice.strip()
    if len(notice) > NOTICE_MAX_LENGTH:
        raise DomainError(
            _("The notice may be at most %(max)s characters long.") % {"max": NOTICE_MAX_LENGTH},
            field="notice",
        )
    wanted = {user.pk for user in viewers}
    officers = set(
        selectors.recording_viewer_candidates(facility=facility)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    if wanted - officers:
        raise DomainError(
            _("Only officers of this facility may be chosen to play its recordings."),
            field="viewers",
        )
    FacilityVideoSettings.objects.get_or_create(facility=facility)
    video_settings = FacilityVideoSettings.objects.select_for_update().get(facility=facility)
    before = {name: getattr(video_settings, name) for name in FIELDS}
    video_settings.not_produced_rule = not_produced_rule
    video_settings.notice = notice
    video_settings.record_visits = record_visits
    video_settings.family_may_download = family_may_download
    video_settings.recording_retention_days = recording_retention_days
    changed = [name for name in FIELDS if getattr(video_settings, name) != before[name]]
    if changed:
        video_settings.save(update_fields=changed)
    if "recording_retention_days" in changed:
        Recording.objects.filter(session__visit__facility=facility, deleted_at__isnull=True).update(
            delete_after=F("created_at") + timedelta(days=recording_retention_days)
        )
    named = set(RecordingViewer.objects.filter(facility=facility).values_list("user_id", flat=True))
    RecordingViewer.objects.filter(facility=facility, user_id__in=named - wanted).delete()
    RecordingViewer.objects.bulk_create(
        [RecordingViewer(facility=facility, user_id=pk) for pk in sorted(wanted - named)]
    )
    if changed or named != wanted:
        transaction.on_commit(
            lambda: logger.info(
                "video settings of facility %s changed by user %s: %s; recording viewers "
                "added %s, removed %s",
                facility.pk,
                actor.pk,
                ", ".join(changed) or "none",
                sorted(wanted - named) or "none",
                sorted(named - wanted) or "none",
            )
        )
    return video_settings
